/**
 * Jinja2's test with one argument written without parentheses: `x is divisibleby 3`,
 * `x is sameas false`, `x is eq 2`, `'a' is in 'abc'` (Jinja2's parser.py `parse_test`). nunjucks'
 * parser took the test's name and stopped there, so the argument was a syntax error ("expected
 * variable end"). nunjucks' `parseIs` is replaced: after a test's name, a literal, a name, or a
 * bracket starts its one argument, except the keywords `and`, `or` and `else` that go on with the
 * expression; `is` there is Jinja2's error for chained tests.
 */
import nunjucks from 'nunjucks';

/* eslint-disable @typescript-eslint/no-explicit-any -- nunjucks' parser internals are untyped */
let installed = false;

export function installTestSyntax(): void {
  if (installed) return;
  installed = true;
  const { lexer, nodes } = nunjucks as any;
  const STARTS_ARGUMENT = new Set([lexer.TOKEN_SYMBOL, lexer.TOKEN_STRING, lexer.TOKEN_INT, lexer.TOKEN_FLOAT, lexer.TOKEN_LEFT_PAREN, lexer.TOKEN_LEFT_BRACKET, lexer.TOKEN_LEFT_CURLY, lexer.TOKEN_BOOLEAN, lexer.TOKEN_NONE]);
  const proto = (nunjucks as any).parser.Parser.prototype;
  proto.parseIs = function parseJinjaIs(this: any) {
    let node = this.parseCompare();
    if (!this.skipSymbol('is')) return node;
    const not = this.skipSymbol('not');
    let test: any;
    const name = this.peekToken();
    if (name?.type !== lexer.TOKEN_SYMBOL) {
      test = this.parseCompare(); // `is none`, `is true`: nunjucks' own reading
    } else {
      // The test's name alone: a `[` after it is its argument, not an index (`'a' is in ['a']`).
      this.nextToken();
      test = new nodes.Symbol(name.lineno, name.colno, name.value);
      const next = this.peekToken();
      if (next?.type === lexer.TOKEN_LEFT_PAREN) {
        test = new nodes.FunCall(name.lineno, name.colno, test, this.parseSignature());
      } else if (next && STARTS_ARGUMENT.has(next.type) && !(next.type === lexer.TOKEN_SYMBOL && ['else', 'or', 'and'].includes(next.value))) {
        if (next.type === lexer.TOKEN_SYMBOL && next.value === 'is') this.fail('You cannot chain multiple tests with is', next.lineno, next.colno);
        const argument = this.parsePrimary();
        test = new nodes.FunCall(name.lineno, name.colno, test, new nodes.NodeList(argument.lineno, argument.colno, [argument]));
      }
    }
    node = new nodes.Is(node.lineno, node.colno, node, test);
    return not ? new nodes.Not(node.lineno, node.colno, node) : node;
  };
}
