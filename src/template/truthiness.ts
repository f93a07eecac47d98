/**
 * Python's truth in `if`, `elif`, the inline `x if c else y`, `not`, `and` and `or`: an empty list,
 * dict or markup string is false. nunjucks' generated code used JavaScript's, where `[]` and `{}`
 * are true, so `{% if columns %}` took the branch for an empty list, silently rendering other SQL
 * (`{{ [] or 'default' }}` gave `` instead of `default`). The compiler's methods for those nodes
 * are replaced to call `runtime.strataTruthy`; `and` / `or` keep Python's value and short-circuit
 * (`a or b` is `a` when true, else `b`, evaluated only then). template-interpreter.ts does the same.
 */
import nunjucks from 'nunjucks';
import { pythonTruthy } from './python-semantics.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- nunjucks' compiler internals are untyped */
let installed = false;

export function installPythonTruthiness(): void {
  if (installed) return;
  installed = true;
  (nunjucks as any).runtime.strataTruthy = pythonTruthy;
  const proto = (nunjucks as any).compiler.Compiler.prototype;
  const truth = (compiler: any, node: any, frame: unknown): void => {
    compiler._emit('runtime.strataTruthy(');
    compiler.compile(node, frame);
    compiler._emit(')');
  };
  proto.compileIf = function compileIf(this: any, node: any, frame: any, async: boolean) {
    this._emit('if(');
    truth(this, node.cond, frame);
    this._emitLine(') {');
    this._withScopedSyntax(() => {
      this.compile(node.body, frame);
      if (async) this._emit('cb()');
    });
    if (node.else_) {
      this._emitLine('}\nelse {');
      this._withScopedSyntax(() => {
        this.compile(node.else_, frame);
        if (async) this._emit('cb()');
      });
    } else if (async) {
      this._emitLine('}\nelse {');
      this._emit('cb()');
    }
    this._emitLine('}');
  };
  proto.compileInlineIf = function compileInlineIf(this: any, node: any, frame: unknown) {
    this._emit('(');
    truth(this, node.cond, frame);
    this._emit('?');
    this.compile(node.body, frame);
    this._emit(':');
    if (node.else_ !== null) this.compile(node.else_, frame);
    else this._emit('""');
    this._emit(')');
  };
  proto.compileNot = function compileNot(this: any, node: any, frame: unknown) {
    this._emit('!');
    truth(this, node.target, frame);
  };
  const logical = (keepLeftWhen: boolean) =>
    function compileLogical(this: any, node: any, frame: unknown) {
      // (function (l) { return truthy(l) ? l : right; })(left): the right side is evaluated only when needed.
      this._emit('(function (l) { return runtime.strataTruthy(l) === ' + String(keepLeftWhen) + ' ? l : (');
      this.compile(node.right, frame);
      this._emit('); })(');
      this.compile(node.left, frame);
      this._emit(')');
    };
  proto.compileOr = logical(true);
  proto.compileAnd = logical(false);
}
