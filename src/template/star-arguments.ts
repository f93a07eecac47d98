/**
 * Jinja's `f(*args, **kwargs)` in a call: a sequence spread into positional arguments and a
 * mapping into keyword arguments, the usual way for a macro to pass its own `varargs` / `kwargs`
 * on (`{{ return(adapter.dispatch('m')(*varargs, **kwargs)) }}`). nunjucks' parser refused the
 * `*` ("unexpected token"). Its `parseSignature` is replaced by one that also takes `*expr` and
 * `**expr`; they become two node types the compiler emits as JavaScript spreads, `...seq` in the
 * argument array and `...map` in the keyword object. template-interpreter.ts does not know them,
 * so such a template is compiled.
 */
import nunjucks from 'nunjucks';

/* eslint-disable @typescript-eslint/no-explicit-any -- nunjucks' parser and compiler internals are untyped */
let installed = false;

/** `*value`: its items as positional arguments (a string or a mapping as Python iterates them). */
function positional(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return [...value];
  if (typeof value === 'object') return Symbol.iterator in (value as object) ? [...(value as Iterable<unknown>)] : Object.keys(value as object);
  throw new Error(`argument after * must be an iterable, not ${typeof value}`);
}

/** `**value`: its entries as keyword arguments. */
function keywords(value: unknown): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error('argument after ** must be a mapping');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as object)) if (k !== '__keywords') out[k] = v;
  return out;
}

export function installStarArguments(): void {
  if (installed) return;
  installed = true;
  const { lexer, nodes, runtime } = nunjucks as any;
  const StarArgs = nodes.Node.extend('StrataStarArgs', { fields: ['value'] });
  const StarKwargs = nodes.Node.extend('StrataStarKwargs', { fields: ['value'] });
  runtime.strataPositional = positional;
  runtime.strataKeywords = keywords;
  const compiler = (nunjucks as any).compiler.Compiler.prototype;
  compiler.compileStrataStarArgs = function compileStarArgs(this: any, node: any, frame: unknown) {
    this._emit('...runtime.strataPositional(');
    this.compile(node.value, frame);
    this._emit(')');
  };
  compiler.compileStrataStarKwargs = function compileStarKwargs(this: any, node: any, frame: unknown) {
    this._emit('...runtime.strataKeywords(');
    this.compile(node.value, frame);
    this._emit(')');
  };
  const proto = (nunjucks as any).parser.Parser.prototype;
  const parseSignature = proto.parseSignature;
  // A macro's parameters and a call block's caller parameters are parsed as a signature too; Jinja
  // has no `*args` there (the body reads `varargs` / `kwargs`): the next signature is marked.
  for (const tag of ['parseMacro', 'parseCall']) {
    const parse = proto[tag];
    proto[tag] = function parseParameters(this: any, ...args: unknown[]) {
      this.strataParameters = true;
      try {
        return parse.apply(this, args);
      } finally {
        this.strataParameters = false;
      }
    };
  }
  proto.parseSignature = function parseStarSignature(this: any, tolerant: boolean, noParens: boolean) {
    const parameters = this.strataParameters === true;
    this.strataParameters = false;
    // Only a parenthesised call can hold `*`: other signatures (a filter's, a tag's) are nunjucks'.
    const open = this.peekToken();
    if (noParens || open?.type !== lexer.TOKEN_LEFT_PAREN) return parseSignature.call(this, tolerant, noParens);
    this.nextToken();
    const args = new nodes.NodeList(open.lineno, open.colno);
    const kwargs = new nodes.KeywordArgs(open.lineno, open.colno);
    let first = true;
    const next = () => {
      const tok = this.peekToken();
      // The end of the file inside a call: the unclosed `(` / `{{` is what to report (unclosed-tags.ts).
      if (!tok) this.fail('unexpected end of file', open.lineno, open.colno);
      return tok;
    };
    for (;;) {
      let tok = next();
      if (tok.type === lexer.TOKEN_RIGHT_PAREN) {
        this.nextToken();
        break;
      }
      if (!first && !this.skip(lexer.TOKEN_COMMA)) this.fail('parseSignature: expected comma after expression', tok.lineno, tok.colno);
      first = false;
      tok = next();
      if (tok.type === lexer.TOKEN_RIGHT_PAREN) continue; // a trailing comma
      if (tok.type === lexer.TOKEN_OPERATOR && (tok.value === '*' || tok.value === '**')) {
        if (parameters) this.fail(`a macro's parameters cannot be ${tok.value === '*' ? '*args' : '**kwargs'}: its body reads extra arguments as varargs and kwargs`, tok.lineno, tok.colno);
        this.nextToken();
        const value = this.parseExpression();
        if (tok.value === '*') args.addChild(new StarArgs(tok.lineno, tok.colno, value));
        else kwargs.addChild(new StarKwargs(tok.lineno, tok.colno, value));
        continue;
      }
      const arg = this.parseExpression();
      if (this.skipValue(lexer.TOKEN_OPERATOR, '=')) kwargs.addChild(new nodes.Pair(arg.lineno, arg.colno, arg, this.parseExpression()));
      else args.addChild(arg);
    }
    if (kwargs.children.length) args.addChild(kwargs);
    return args;
  };
}
