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
  const { nodes, runtime } = nunjucks as any;
  runtime.strataTruthy = pythonTruthy;
  // A condition as Python reads it: `runtime.strataTruthy(<cond>)`. A FunCall by kind, so the
  // compiler's own methods take it wherever they take an expression; nunjucks' If, InlineIf and
  // Not are then compiled by nunjucks with their condition wrapped (once: a tree compiled again
  // keeps its wrapper).
  const Truth = nodes.FunCall.extend('StrataTruth', { fields: ['value'] });
  const truth = (node: any): any => (node instanceof Truth ? node : new Truth(node.lineno, node.colno, node));
  const proto = (nunjucks as any).compiler.Compiler.prototype;
  proto.compileStrataTruth = function compileTruth(this: any, node: any, frame: unknown) {
    this._emit('runtime.strataTruthy(');
    this.compile(node.value, frame);
    this._emit(')');
  };
  const withTruth = (method: string, field: string) => {
    const original = proto[method];
    proto[method] = function compileWithTruth(this: any, node: any, ...rest: unknown[]) {
      node[field] = truth(node[field]);
      return original.call(this, node, ...rest);
    };
  };
  withTruth('compileIf', 'cond');
  withTruth('compileInlineIf', 'cond');
  withTruth('compileNot', 'target');
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
