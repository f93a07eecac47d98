/**
 * Jinja's `{% set a, b = pair %}` unpacks the value into the names; nunjucks assigned the whole
 * value to each name (`a` and `b` both printed `1,2`). Such a tag becomes `set <tmp> = pair`,
 * `set a = <tmp>[0]`, `set b = <tmp>[1]`, plain nodes that the compiler and
 * template-interpreter.ts already handle (scoping included).
 *
 * As in Python, the value must hold as many items as there are names (`__strata_unpack`, a global
 * jinja-compat.ts installs): one more or one fewer is an error, not a name left undefined.
 *
 * The value may be a tuple without parentheses, as in Jinja (`{% set a, b = 1, 2 %}`,
 * `{% set t = 'x', %}`), which nunjucks' parser refused; so nunjucks' `parseSet` is replaced.
 */
import nunjucks from 'nunjucks';
import { pythonSequence } from './python-semantics.js';

/** The global a multi-name `set` unpacks its value through. */
export const UNPACK = '__strata_unpack';

/** The items of `value` for `names` names, or Python's ValueError. */
export function unpack(value: unknown, names: number): unknown[] {
  const items = pythonSequence(value);
  if (items.length < names) throw new Error(`not enough values to unpack (expected ${names}, got ${items.length})`);
  if (items.length > names) throw new Error(`too many values to unpack (expected ${names})`);
  return items;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- nunjucks' parser internals are untyped */
let installed = false;
let unpacked = 0;

export function installTupleAssignment(): void {
  if (installed) return;
  installed = true;
  const { lexer, nodes } = nunjucks as any;
  const proto = (nunjucks as any).parser.Parser.prototype;
  /** nunjucks' parseSet, with a tuple value written without parentheses. */
  const parseSet = function parseSet(this: any) {
    const tag = this.peekToken();
    if (!this.skipSymbol('set')) this.fail('parseSet: expected set', tag.lineno, tag.colno);
    const node = new nodes.Set(tag.lineno, tag.colno, []);
    for (let target = this.parsePrimary(); target; target = this.parsePrimary()) {
      node.targets.push(target);
      if (!this.skip(lexer.TOKEN_COMMA)) break;
    }
    if (!this.skipValue(lexer.TOKEN_OPERATOR, '=')) {
      if (!this.skip(lexer.TOKEN_BLOCK_END)) this.fail('parseSet: expected = or block end in set tag', tag.lineno, tag.colno);
      node.body = new nodes.Capture(tag.lineno, tag.colno, this.parseUntilBlocks('endset'));
      node.value = null;
      this.advanceAfterBlockEnd();
      return node;
    }
    const first = this.parseExpression();
    node.value = first;
    if (this.peekToken().type === lexer.TOKEN_COMMA) {
      const tuple = new nodes.Group(first.lineno, first.colno, [first]);
      tuple.strataTuple = true; // printed and built as a tuple even with one item (literal-syntax.ts)
      while (this.skip(lexer.TOKEN_COMMA) && this.peekToken().type !== lexer.TOKEN_BLOCK_END) tuple.addChild(this.parseExpression());
      node.value = tuple;
    }
    this.advanceAfterBlockEnd(tag.value);
    return node;
  };
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
    const checked = new nodes.FunCall(lineno, colno, new nodes.Symbol(lineno, colno, UNPACK), new nodes.NodeList(lineno, colno, [node.value, new nodes.Literal(lineno, colno, node.targets.length)]));
    return new nodes.NodeList(lineno, colno, [
      set(tmp, checked),
      ...node.targets.map((t: any, i: number) => set(t.value, new nodes.LookupVal(lineno, colno, new nodes.Symbol(lineno, colno, tmp), new nodes.Literal(lineno, colno, i)))),
    ]);
  };
}
