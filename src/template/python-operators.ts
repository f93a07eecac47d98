/**
 * Python's meaning of `==` / `!=` (and comparison chains), `+`, `*` and `~`, where nunjucks'
 * generated JavaScript rendered other SQL without an error (found by rendering the same templates
 * with Jinja2):
 *
 * - `==` is loose in JavaScript (`'1' == 1`, `0 == ''`) and compares lists and dicts by reference
 *   (`cols == ['id']` false); Python compares values, and `1 < 3 > 2` is `1 < 3 and 3 > 2`.
 * - `cols + ['z']` joined both as text (`id,namez`); Python concatenates the lists.
 * - `'-' * 3` was NaN; Python repeats a string or a list.
 * - `~` printed an undefined value as `undefined` and None as `null`; Jinja prints nothing and
 *   `None` (and `True` / `False` for booleans).
 *
 * The compiler's methods for these nodes emit calls to these functions (installed on nunjucks'
 * runtime); template-interpreter.ts calls them too.
 */
import nunjucks from 'nunjucks';
import { isMapping } from './python-semantics.js';
import { pythonStr } from './python-repr.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- nunjucks' compiler internals are untyped */

/** Python's `==`. */
export function pythonEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => pythonEquals(x, b[i]));
  }
  if (isMapping(a) || isMapping(b)) {
    if (!isMapping(a) || !isMapping(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && pythonEquals(a[k], b[k]));
  }
  const numeric = (v: unknown) => typeof v === 'number' || typeof v === 'boolean';
  if (numeric(a) && numeric(b)) return Number(a) === Number(b);
  // A String object (markup, run_started_at) equals its text.
  if ((a instanceof String || typeof a === 'string') && (b instanceof String || typeof b === 'string')) return String(a) === String(b);
  return false;
}

/** One comparison `a op b`, Python's way (`==` by value). */
export function compareOne(a: any, op: string, b: any): boolean {
  switch (op) {
    case '==':
    case '===':
      return pythonEquals(a, b);
    case '!=':
    case '!==':
      return !pythonEquals(a, b);
    case '<':
      return a < b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    default:
      return a >= b;
  }
}

/** `a op1 b op2 c ...` as Python chains it: every adjacent pair holds. */
export function pythonCompare(first: unknown, rest: ReadonlyArray<readonly [string, unknown]>): boolean {
  let left = first;
  for (const [op, right] of rest) {
    if (!compareOne(left, op, right)) return false;
    left = right;
  }
  return true;
}

/** Python's `a + b`: lists concatenate. */
export function pythonAdd(a: unknown, b: unknown): unknown {
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  return (a as any) + (b as any);
}

/** Python's `a * b`: a string or list times a whole number repeats it. */
export function pythonMul(a: unknown, b: unknown): unknown {
  const repeat = (seq: unknown, n: unknown): unknown =>
    typeof seq === 'string' ? seq.repeat(Math.max(0, Number(n))) : Array.from({ length: Math.max(0, Number(n)) }, () => seq as unknown[]).flat();
  if ((typeof a === 'string' || Array.isArray(a)) && Number.isInteger(b)) return repeat(a, b);
  if ((typeof b === 'string' || Array.isArray(b)) && Number.isInteger(a)) return repeat(b, a);
  return (a as any) * (b as any);
}

/** A value as Jinja's `~` and string filters print it: undefined as nothing, None, True, False, lists as lists. */
export function pythonText(v: unknown): string {
  return String(pythonStr(v));
}

let installed = false;

export function installPythonOperators(): void {
  if (installed) return;
  installed = true;
  const runtime = (nunjucks as any).runtime;
  runtime.strataCompare = pythonCompare;
  runtime.strataAdd = pythonAdd;
  runtime.strataMul = pythonMul;
  runtime.strataConcat = (a: unknown, b: unknown) => pythonText(a) + pythonText(b);
  // `{{ value }}` prints Python's str() of the value (python-repr.ts), in compiled templates and
  // in the interpreter alike (both print through runtime.suppressValue).
  const suppressValue = runtime.suppressValue;
  runtime.suppressValue = (value: unknown, autoescape: boolean) => suppressValue(pythonStr(value), autoescape);
  const proto = (nunjucks as any).compiler.Compiler.prototype;
  const call = (name: string) =>
    function compileAsCall(this: any, node: any, frame: unknown) {
      this._emit(`runtime.${name}(`);
      this.compile(node.left, frame);
      this._emit(', ');
      this.compile(node.right, frame);
      this._emit(')');
    };
  proto.compileAdd = call('strataAdd');
  proto.compileMul = call('strataMul');
  proto.compileConcat = call('strataConcat');
  proto.compileCompare = function compileCompare(this: any, node: any, frame: unknown) {
    this._emit('runtime.strataCompare(');
    this.compile(node.expr, frame);
    this._emit(', [');
    node.ops.forEach((op: any, i: number) => {
      if (i) this._emit(', ');
      this._emit(`[${JSON.stringify(op.type)}, `);
      this.compile(op.expr, frame);
      this._emit(']');
    });
    this._emit('])');
  };
}
