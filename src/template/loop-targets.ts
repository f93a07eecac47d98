/**
 * Jinja's `{% for (key, value) in pairs %}`: loop targets may be written in parentheses (dbt's own
 * docs do, e.g. `{% for (database, schema) in database_schemas %}`), which nunjucks' parser
 * refuses ("variable name expected for loop"). nunjucks' `parseFor` is replaced, for the `for`
 * tag only, by one that takes an optional pair of parentheses around the targets and otherwise
 * builds the very node nunjucks does (a Symbol, or an Array of them for `a, b`), so the compiler
 * and template-interpreter.ts, which both read nunjucks' tree, need nothing more.
 */
import nunjucks from 'nunjucks';

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
    this.advanceAfterBlockEnd(forTok.value);
    node.body = this.parseUntilBlocks('endfor', 'else');
    if (this.skipSymbol('else')) {
      this.advanceAfterBlockEnd('else');
      node.else_ = this.parseUntilBlocks('endfor');
    }
    this.advanceAfterBlockEnd();
    return node;
  };
}
