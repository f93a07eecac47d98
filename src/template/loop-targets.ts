/**
 * Jinja's `for` tag beyond what nunjucks parses; nunjucks' `parseFor` is replaced for `for` (not
 * its async forms):
 *
 * - `{% for (key, value) in pairs %}`: loop targets may be written in parentheses (dbt's own docs
 *   do, e.g. `{% for (database, schema) in database_schemas %}`), which nunjucks refused
 *   ("variable name expected for loop"). The node is the one nunjucks builds (a Symbol, or an
 *   Array of them for `a, b`).
 * - `{% for k in mapping %}` loops over its keys, as Jinja (nunjucks took a mapping only with two
 *   names, `k, v`, and looped over nothing): a one-name loop iterates `__strata_loop_items(x)`.
 * - `{% for c in columns if c != 'id' %}`, the loop filter: nunjucks read `columns if c != 'id'`
 *   as an inline if without else (with `c` undefined), so it looped over everything or nothing.
 *   As in Jinja, the filter selects the items first, so `loop.index`, `loop.last` and `loop.length`
 *   count the selected ones: the iterable becomes `__strata_loop_filter(items, n, test)`, `test`
 *   being an anonymous macro (the node `{% call %}` uses) of the loop's names that prints `1` when
 *   the condition holds. Such a template is compiled (the interpreter takes no macros).
 */
import nunjucks from 'nunjucks';
import { parseLoopBody } from './loop-controls.js';
import { pythonSequence } from './python-semantics.js';
import { isMapping } from './python-repr.js';

/** The global the loop filter calls (installed in each environment by jinja-compat.ts). */
export const LOOP_FILTER = '__strata_loop_filter';
/** The global a one-name loop iterates through: a mapping's keys, as Jinja (nunjucks looped over nothing). */
export const LOOP_ITEMS = '__strata_loop_items';

/** A plain mapping as its keys (what `for k in mapping` iterates in Jinja); anything else as it is. */
export function loopItems(items: unknown): unknown {
  return isMapping(items) ? Object.keys(items) : items;
}

/**
 * The items of a filtered loop: `test` is called with each item (unpacked into `names` > 1
 * names) and keeps it when it prints `1`. A mapping loops over its keys, or its (key, value)
 * pairs with two names, as nunjucks does.
 */
export function loopFilter(items: unknown, names: number, test: (...args: unknown[]) => unknown): unknown {
  if (items === null || items === undefined) return items;
  // Two names over a mapping take its (key, value) pairs; otherwise what Python iterates.
  const list = names > 1 && isMapping(items) ? Object.entries(items) : pythonSequence(items);
  return list.filter((item) => String(names > 1 && Array.isArray(item) ? test(...item) : test(item)) === '1');
}

/* eslint-disable @typescript-eslint/no-explicit-any -- nunjucks' parser internals are untyped */
let installed = false;

export function installParenthesizedLoopTargets(): void {
  if (installed) return;
  installed = true;
  const { lexer, nodes } = nunjucks as any;
  const proto = (nunjucks as any).parser.Parser.prototype;
  const parseFor = proto.parseFor;
  proto.parseFor = function parseJinjaFor(this: any) {
    const forTok = this.peekToken();
    if (forTok.type !== lexer.TOKEN_SYMBOL || forTok.value !== 'for') return parseFor.call(this); // asyncEach, asyncAll
    this.nextToken();
    const node = new nodes.For(forTok.lineno, forTok.colno);
    const parenthesized = this.skip(lexer.TOKEN_LEFT_PAREN);
    const target = (): unknown => {
      const name = this.parsePrimary();
      if (!(name instanceof nodes.Symbol)) this.fail('parseFor: variable name expected for loop');
      return name;
    };
    const first = target() as { lineno: number; colno: number };
    node.name = first;
    if (this.peekToken().type === lexer.TOKEN_COMMA) {
      node.name = new nodes.Array(first.lineno, first.colno);
      node.name.addChild(first);
      while (this.skip(lexer.TOKEN_COMMA)) node.name.addChild(target());
    }
    if (parenthesized && !this.skip(lexer.TOKEN_RIGHT_PAREN)) this.fail('parseFor: expected ")" after the loop variables', forTok.lineno, forTok.colno);
    if (!this.skipSymbol('in')) this.fail('parseFor: expected "in" keyword for loop', forTok.lineno, forTok.colno);
    node.arr = this.parseExpression();
    if (node.arr instanceof nodes.InlineIf && !node.arr.else_) node.arr = filtered(node, node.arr);
    else if (node.name instanceof nodes.Symbol && !(node.arr instanceof nodes.Array) && !(node.arr instanceof nodes.Literal)) {
      // (a list or string written in the template is iterated as it is)
      const { lineno, colno } = node.arr;
      node.arr = new nodes.FunCall(lineno, colno, new nodes.Symbol(lineno, colno, LOOP_ITEMS), new nodes.NodeList(lineno, colno, [node.arr]));
    }
    this.advanceAfterBlockEnd(forTok.value);
    node.body = parseLoopBody(this, () => this.parseUntilBlocks('endfor', 'else'));
    if (this.skipSymbol('else')) {
      this.advanceAfterBlockEnd('else');
      node.else_ = this.parseUntilBlocks('endfor');
    }
    this.advanceAfterBlockEnd();
    return node;
  };
}

/** `items if cond` of a `for` tag: `__strata_loop_filter(items, n, <macro of the loop's names printing 1 when cond>)`. */
function filtered(loop: any, inline: any): unknown {
  const { nodes } = nunjucks as any;
  const { lineno, colno } = inline;
  const names: any[] = loop.name instanceof nodes.Array ? loop.name.children : [loop.name];
  const args = new nodes.NodeList(lineno, colno, names.map((n) => new nodes.Symbol(n.lineno, n.colno, n.value)));
  const holds = new nodes.InlineIf(lineno, colno, inline.cond, new nodes.Literal(lineno, colno, '1'), new nodes.Literal(lineno, colno, ''));
  const body = new nodes.NodeList(lineno, colno, [new nodes.Output(lineno, colno, [holds])]);
  const test = new nodes.Caller(lineno, colno, new nodes.Symbol(lineno, colno, 'caller'), args, body);
  const call = new nodes.NodeList(lineno, colno, [inline.body, new nodes.Literal(lineno, colno, names.length), test]);
  return new nodes.FunCall(lineno, colno, new nodes.Symbol(lineno, colno, LOOP_FILTER), call);
}
