/**
 * Jinja2's precedence of arithmetic: `+` and `-` are one left-associative level, and `*`, `/`,
 * `//` and `%` the next one. nunjucks' parser gave each operator a level of its own (`+` below `-`,
 * `*` below `/`, below `//`, below `%`), so `2 * 7 // 2` was `2 * (7 // 2)`, 6 (Jinja2: 7), and
 * `2 * 5 % 3` was 4 (Jinja2: 1): other numbers without an error. nunjucks' `parseAdd` (the additive
 * level, below `~`) is replaced; `**` and the unary operators stay nunjucks' own.
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
  proto.parseAdd = function parseJinjaAdditive(this: any): any {
    return chain.call(this, ADDITIVE, () => chain.call(this, MULTIPLICATIVE, () => this.parsePow()));
  };
}
