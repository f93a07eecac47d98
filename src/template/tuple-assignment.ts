/**
 * Jinja's `{% set a, b = pair %}` unpacks the value into the names; nunjucks assigned the whole
 * value to each name (`a` and `b` both printed `1,2`). nunjucks' `parseSet` is wrapped: such a tag
 * becomes `set <tmp> = pair`, `set a = <tmp>[0]`, `set b = <tmp>[1]`, plain nodes that the
 * compiler and template-interpreter.ts already handle (scoping included).
 */
import nunjucks from 'nunjucks';

/* eslint-disable @typescript-eslint/no-explicit-any -- nunjucks' parser internals are untyped */
let installed = false;
let unpacked = 0;

export function installTupleAssignment(): void {
  if (installed) return;
  installed = true;
  const { nodes } = nunjucks as any;
  const proto = (nunjucks as any).parser.Parser.prototype;
  const parseSet = proto.parseSet;
  proto.parseSet = function parseUnpackingSet(this: any) {
    const node = parseSet.call(this);
    if (!node.value || node.targets.length < 2 || !node.targets.every((t: any) => t instanceof nodes.Symbol)) return node;
    const { lineno, colno } = node;
    const set = (name: string, value: unknown) => {
      const s = new nodes.Set(lineno, colno, [new nodes.Symbol(lineno, colno, name)]);
      s.value = value;
      return s;
    };
    const tmp = `__strata_unpack_${unpacked++}`;
    return new nodes.NodeList(lineno, colno, [
      set(tmp, node.value),
      ...node.targets.map((t: any, i: number) => set(t.value, new nodes.LookupVal(lineno, colno, new nodes.Symbol(lineno, colno, tmp), new nodes.Literal(lineno, colno, i)))),
    ]);
  };
}
