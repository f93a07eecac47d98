/**
 * Jinja2's literal syntax that nunjucks' lexer and parser lack, each of which was an error or,
 * worse, other output without one:
 *
 * - Number literals. nunjucks' lexer knows only `12` and `1.5`; anything else that starts with a
 *   digit became a variable name, so `{{ 1e3 }}` and `{{ 1_000 }}` printed nothing (an undefined
 *   variable) and `{{ 1e-7 }}` printed NaN (the variable `1e` minus 7): SQL with a number silently
 *   missing or wrong. Jinja2 (lexer.py's `float_re` and `integer_re`) also reads exponents (`1e3`,
 *   `1.5E-7`), `_` between digits, and `0x` / `0o` / `0b` integers. What follows a number is a
 *   token of its own, so `1abc` is the error Jinja2 reports (`expected variable end`) instead of
 *   an undefined variable. One leniency of nunjucks is kept: a decimal integer may start with 0
 *   (`012` is 12; Jinja2 rejects it).
 * - Nested dicts. `{% set m = {'a': {'b': 1}} %}` failed: nunjucks took the `}}` that closes both
 *   dicts for the end of a `{{ }}` tag. As Jinja2's lexer does, braces opened inside a tag are
 *   balanced first.
 * - A bracket closes only what it opens: `[1, 2)` was read as a list, `x[0)` as an index.
 * - Trailing commas (`[1, 2,]`, `{'a': 1,}`, `(1, 2,)`) and the one-item tuple `(1,)`, which
 *   Jinja2 accepts: the tuple is marked on its Group node (`strataTuple`), which jinja-compat.ts
 *   and template-interpreter.ts build as a tuple although it has one item.
 * - A string literal with a line break, called on (`{{ 'a\nb'.splitlines() }}`), was a JavaScript
 *   syntax error in the generated code: nunjucks prints the callee's name for its error messages
 *   into a string literal without escaping the line break (`_getNodeName`).
 * - String literals read their escapes as Python does (`pythonUnescape`): `'\d'` keeps its backslash.
 * - A float literal with a whole value (`1.0`, `1e3`) is marked `strataFloat` (python-float.ts).
 * - An integer literal that no double holds exactly (past 2^53) is an error: nunjucks printed the
 *   nearest double, another number (`12345678901234567891` as `12345678901234567168`).
 * - A filter's error is reported at the filter (nunjucks positioned only calls).
 * - An integer after a dot is an index, as Jinja2's parser reads it: `row.0` is `row[0]`, and
 *   `rows.0.1` is `rows[0][1]` (nunjucks' parser wanted a name after the dot: a syntax error).
 */
import nunjucks from 'nunjucks';
import { holdsExactly, inexactIntError } from './python-float.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- nunjucks' lexer and parser internals are untyped */

const { lexer, nodes } = nunjucks as any;

// Sticky: matched at the lexer's position without slicing the template.
const FLOAT = /(?:\d+_)*\d+(?:(?:\.(?:\d+_)*\d+)?[eE][+-]?(?:\d+_)*\d+|\.(?:\d+_)*\d+)/y;
const INTEGER = /0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|0[xX](?:_?[\da-fA-F])+|\d(?:_?\d)*/y;

/** The decimal text of a Jinja integer literal (what nunjucks' parser reads with parseInt). */
function integerText(literal: string): string {
  const digits = literal.replace(/_/g, '');
  return /^0[bBoOxX]/.test(digits) ? BigInt(digits.toLowerCase()).toString() : digits;
}

function matchAt(re: RegExp, text: string, index: number): string | undefined {
  re.lastIndex = index;
  return re.exec(text)?.[0];
}

/** Counts the braces opened inside the current tag (a tag's start resets the count). */
function braces(tokenizer: any, tok: any): any {
  if (!tok) return tok;
  if (tok.type === lexer.TOKEN_LEFT_CURLY) tokenizer.strataOpenBraces = (tokenizer.strataOpenBraces ?? 0) + 1;
  else if (tok.type === lexer.TOKEN_RIGHT_CURLY) tokenizer.strataOpenBraces = Math.max(0, (tokenizer.strataOpenBraces ?? 0) - 1);
  else if (tok.type === lexer.TOKEN_BLOCK_START || tok.type === lexer.TOKEN_VARIABLE_START) tokenizer.strataOpenBraces = 0;
  return tok;
}

/**
 * nunjucks' parseAggregate with Jinja2's trailing comma: a comma may come before the closing
 * bracket, and a parenthesized expression with a comma is a tuple, even of one item.
 */
function parseAggregate(this: any): any {
  const tok = this.nextToken();
  let node: any;
  if (tok.type === lexer.TOKEN_LEFT_PAREN) node = new nodes.Group(tok.lineno, tok.colno);
  else if (tok.type === lexer.TOKEN_LEFT_BRACKET) node = new nodes.Array(tok.lineno, tok.colno);
  else if (tok.type === lexer.TOKEN_LEFT_CURLY) node = new nodes.Dict(tok.lineno, tok.colno);
  else return null;
  // Its own closing bracket ends it; another one is Jinja2's error (`[1, 2)` was read as a list).
  const closer = node instanceof nodes.Group ? ')' : node instanceof nodes.Array ? ']' : '}';
  const closes = (): boolean => {
    const next = this.peekToken();
    if (next.type !== lexer.TOKEN_RIGHT_PAREN && next.type !== lexer.TOKEN_RIGHT_BRACKET && next.type !== lexer.TOKEN_RIGHT_CURLY) return false;
    if (next.value !== closer) {
      try {
        this.fail(`unexpected '${next.value}', expected '${closer}'`, next.lineno, next.colno);
      } catch (e) {
        this.strataBracketError = e; // reported instead of the slice retry's error (keepBracketErrors)
        throw e;
      }
    }
    this.nextToken();
    return true;
  };
  for (;;) {
    if (closes()) break;
    if (node.children.length > 0) {
      if (!this.skip(lexer.TOKEN_COMMA)) this.fail('parseAggregate: expected comma after expression', tok.lineno, tok.colno);
      if (node instanceof nodes.Group) node.strataTuple = true;
      if (closes()) break;
    }
    if (node instanceof nodes.Dict) {
      const key = this.parsePrimary();
      if (!this.skip(lexer.TOKEN_COLON)) this.fail('parseAggregate: expected colon after dict key', tok.lineno, tok.colno);
      const value = this.parseExpression();
      node.addChild(new nodes.Pair(key.lineno, key.colno, key, value));
    } else {
      node.addChild(this.parseExpression());
    }
  }
  return node;
}

/** nunjucks' parsePostfix (calls, `[index]`, `.name`), with `.<integer>` as an index. */
function parsePostfix(this: any, node: any): any {
  for (let tok = this.peekToken(); tok; tok = this.peekToken()) {
    if (tok.type === lexer.TOKEN_LEFT_PAREN) {
      node = new nodes.FunCall(tok.lineno, tok.colno, node, this.parseSignature());
    } else if (tok.type === lexer.TOKEN_LEFT_BRACKET) {
      const lookup = this.parseAggregate();
      if (lookup.children.length > 1) this.fail('invalid index');
      node = new nodes.LookupVal(tok.lineno, tok.colno, node, lookup.children[0]);
    } else if (tok.type === lexer.TOKEN_OPERATOR && tok.value === '.') {
      this.nextToken();
      const val = this.nextToken();
      let key: unknown;
      if (val.type === lexer.TOKEN_SYMBOL) key = val.value;
      else if (val.type === lexer.TOKEN_INT) key = Number(val.value);
      else this.fail(`expected name as lookup value, got ${val.value}`, val.lineno, val.colno);
      node = new nodes.LookupVal(tok.lineno, tok.colno, node, new nodes.Literal(val.lineno, val.colno, key));
    } else {
      break;
    }
  }
  return node;
}

const SIMPLE_ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '' };

/**
 * The escapes of a Python string literal (Jinja2 reads its literals with Python's
 * `unicode-escape`): `\n`, `\t`, `\\`, `\'`, `\x41`, `\u00e9`, octal `\101`, a line continuation;
 * any other backslash stays, so `'^\d+$'` is the regular expression it says. nunjucks' lexer knew
 * only `\n`, `\t` and `\r` and dropped every other backslash: `'\d'` became `d`.
 */
export function pythonUnescape(body: string): string {
  // Line breaks inside a literal are `\n`, as Jinja2 normalises them before unescaping.
  return body.replace(/\r\n?/g, '\n').replace(/\\(?:([0-7]{1,3})|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([\s\S]))/g, (whole, octal: string | undefined, x: string | undefined, u: string | undefined, bigU: string | undefined, c: string | undefined) => {
    const code = octal ?? x ?? u ?? bigU;
    if (code !== undefined) return String.fromCodePoint(Number.parseInt(code, octal !== undefined ? 8 : 16));
    return SIMPLE_ESCAPES[c!] ?? whole;
  });
}

/**
 * After nunjucks' slices have wrapped parseAggregate: when a `[` fails to parse, nunjucks retries
 * it as a slice (`x[1:2]`) and reports that retry's error (`unexpected token: ,` for `[1, 2)`);
 * a mismatched closing bracket found by the first parse is the error to report.
 */
export function keepBracketErrors(): void {
  const proto = (nunjucks as any).parser.Parser.prototype;
  const sliced = proto.parseAggregate;
  proto.parseAggregate = function parseAggregateKeepingBracketErrors(this: any): any {
    const outer = this.strataBracketError;
    this.strataBracketError = undefined;
    try {
      return sliced.call(this);
    } catch (e) {
      throw this.strataBracketError ?? e;
    } finally {
      this.strataBracketError = outer;
    }
  };
}

let installed = false;

export function installLiteralSyntax(): void {
  if (installed) return;
  installed = true;
  // The Tokenizer class is not exported: its prototype is that of any tokenizer.
  const proto = Object.getPrototypeOf(lexer.lex(''));
  const nextToken = proto.nextToken;
  (nunjucks as any).parser.Parser.prototype.parseAggregate = parseAggregate;
  proto._parseString = function parsePythonString(this: any, delimiter: string): string {
    // The literal's body up to its unescaped closing quote, unescaped as Python does.
    this.forward();
    const start = this.index;
    while (!this.isFinished() && this.current() !== delimiter) {
      if (this.current() === '\\') this.forward();
      this.forward();
    }
    const body = this.str.slice(start, this.index);
    this.forward();
    return pythonUnescape(body);
  };
  (nunjucks as any).parser.Parser.prototype.parsePostfix = parsePostfix;
  // A float literal with a whole value (`1.0`, `1e3`) is marked: it is a float (python-float.ts),
  // which python-operators.ts compiles and template-interpreter.ts builds as one.
  const parsePrimary = (nunjucks as any).parser.Parser.prototype.parsePrimary;
  (nunjucks as any).parser.Parser.prototype.parsePrimary = function parseFloatPrimary(this: any, noPostfix?: boolean): any {
    const tok = this.peekToken();
    const node = parsePrimary.call(this, noPostfix);
    const int = tok?.type === lexer.TOKEN_INT ? Number.parseInt(tok.value, 10) : 0;
    if (!Number.isSafeInteger(int) && !holdsExactly(int, BigInt(tok.value))) {
      this.fail(inexactIntError(tok.value).message, tok.lineno, tok.colno);
    }
    if (tok?.type === lexer.TOKEN_FLOAT) {
      let base = node;
      while (base && !(base instanceof nodes.Literal)) base = base.target ?? base.name;
      if (base && typeof base.value === 'number' && Number.isInteger(base.value)) base.strataFloat = true;
    }
    return node;
  };
  const compiler = (nunjucks as any).compiler.Compiler.prototype;
  // A filter's error names the filter's line and column, as a call's does (nunjucks set the
  // position for calls only, so a failing filter reported the last call's or 1:1).
  const compileFilter = compiler.compileFilter;
  compiler.compileFilter = function compilePositionedFilter(this: any, node: any, frame: any): void {
    this._emit(`(lineno = ${node.lineno}, colno = ${node.colno}, `);
    compileFilter.call(this, node, frame);
    this._emit(')');
  };
  const getNodeName = compiler._getNodeName;
  compiler._getNodeName = function getEscapedNodeName(this: any, node: any): string {
    // Escaped once, where the text comes from: the caller escapes only the quotes.
    if (node.typename === 'Literal') return String(node.value).replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
    return getNodeName.call(this, node);
  };
  proto.nextToken = function nextLiteralToken(this: any) {
    if (!this.in_code || this.isFinished()) return braces(this, nextToken.call(this));
    const at: number = this.index;
    const first = this.str.charCodeAt(at);
    const { lineno, colno } = this;
    // A `}` while a brace opened in this tag is open closes that dict, even as the first of `}}`.
    if (first === 125 && this.strataOpenBraces > 0) {
      this.strataOpenBraces--;
      this.forward();
      return { type: lexer.TOKEN_RIGHT_CURLY, value: '}', lineno, colno };
    }
    if (first < 48 || first > 57) return braces(this, nextToken.call(this));
    // After a dot (`row.0.1`), a float would swallow the next attribute: as Jinja2, integers only.
    const float = this.str[at - 1] === '.' ? undefined : matchAt(FLOAT, this.str, at);
    const literal = float ?? matchAt(INTEGER, this.str, at)!;
    this.forwardN(literal.length);
    return float !== undefined
      ? { type: lexer.TOKEN_FLOAT, value: float.replace(/_/g, ''), lineno, colno }
      : { type: lexer.TOKEN_INT, value: integerText(literal), lineno, colno };
  };
}
