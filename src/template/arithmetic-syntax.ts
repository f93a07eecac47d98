/**
 * Jinja2's precedence of arithmetic: `+` and `-` are one left-associative level, `~` the next,
 * and `*`, `/`, `//` and `%` the one after. nunjucks' parser gave each operator a level of its
 * own (`+` below `-`, `*` below `/`, below `//`, below `%`), so `2 * 7 // 2` was `2 * (7 // 2)`,
 * 6 (Jinja2: 7), and `2 * 5 % 3` was 4 (Jinja2: 1); and it put `~` below `+`, so `'x' ~ 1 + 2`
 * printed `x3` where Jinja2 reads `('x' ~ 1) + 2`, a TypeError: other output without an error.
 * nunjucks' `parseConcat` now only hands on to `parseAdd`, which is the additive level over the
 * `~` level over the multiplicative one; `**` and the unary operators stay nunjucks' own.
 */
import nunjucks from 'nunjucks';

/* eslint-disable @typescript-eslint/no-explicit-any -- nunjucks' parser internals are untyped */
let installed = false;

export function installArithmeticSyntax(): void {
  if (installed) return;
  installed = true;
  const { lexer, nodes } = nunjucks as any;
  const proto = (nunjucks as any).parser.Parser.prototype;
  const ADDITIVE: Record<string, unknown> = { '+': nodes.Add, '-': nodes.Sub };
  const MULTIPLICATIVE: Record<string, unknown> = { '*': nodes.Mul, '/': nodes.Div, '//': nodes.FloorDiv, '%': nodes.Mod };
  /** A left-associative chain of the operators in `ops`, over operands from `operand`. */
  function chain(this: any, ops: Record<string, unknown>, operand: () => any): any {
    let node = operand();
    for (let tok = this.peekToken(); tok?.type === lexer.TOKEN_OPERATOR && Object.hasOwn(ops, tok.value); tok = this.peekToken()) {
      this.nextToken();
      const Node = ops[tok.value] as new (lineno: number, colno: number, left: unknown, right: unknown) => unknown;
      node = new Node(node.lineno, node.colno, node, operand());
    }
    return node;
  }
  const multiplicative = function (this: any): any {
    return chain.call(this, MULTIPLICATIVE, () => this.parsePow());
  };
  /** `a ~ b ~ c`, left-associative, over multiplicative operands (Jinja2's parse_concat). */
  const concat = function (this: any): any {
    let node = multiplicative.call(this);
    while (this.skipValue(lexer.TOKEN_TILDE, '~')) node = new nodes.Concat(node.lineno, node.colno, node, multiplicative.call(this));
    return node;
  };
  proto.parseConcat = function parseJinjaComparand(this: any): any {
    return this.parseAdd();
  };
  proto.parseAdd = function parseJinjaAdditive(this: any): any {
    return chain.call(this, ADDITIVE, () => concat.call(this));
  };
}
