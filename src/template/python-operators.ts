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
 * - Arithmetic keeps Python's int and float apart (python-float.ts: `10 / 2` is `5.0`), `/` and
 *   `//` by zero are Python's ZeroDivisionError (JavaScript gave Infinity), and `2 ** -1` is a float.
 *
 * The compiler's methods for these nodes emit calls to these functions (installed on nunjucks'
 * runtime); template-interpreter.ts calls them too.
 */
import nunjucks from 'nunjucks';
import { holdsExactly, inexactIntError, isFloat, isNumeric, num, PyFloat, toFloat } from './python-float.js';
import { dateArithmetic, scaleTimedelta, temporalOrder } from './py-dates.js';
import { percentFormat, pythonDivmod } from './python-semantics.js';
import { isMapping, isTuple, markTuple, pythonStr, pythonTypeName } from './python-repr.js';

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
  if (isNumeric(a) && isNumeric(b)) return Number(a) === Number(b);
  const temporal = temporalOrder(a, b);
  if (temporal !== undefined) return temporal === 0;
  // A String object (markup, run_started_at) equals its text.
  if ((a instanceof String || typeof a === 'string') && (b instanceof String || typeof b === 'string')) return String(a) === String(b);
  return false;
}

/**
 * Python's ordering of two values: numbers with numbers, texts with texts, lists and tuples item by
 * item; anything else is Python's TypeError (JavaScript compared `'0.1' < 1` and `none < 1`).
 * Objects that order themselves (a datetime) compare by their value.
 */
function order(a: unknown, b: unknown, op: string): number {
  if (isNumeric(a) && isNumeric(b)) return Number(num(a)) - Number(num(b));
  const temporal = temporalOrder(a, b);
  if (temporal !== undefined) return temporal;
  if (isText(a) && isText(b)) return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b) && isTuple(a) === isTuple(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (!pythonEquals(a[i], b[i])) return order(a[i], b[i], op);
    }
    return a.length - b.length;
  }
  throw new TypeError(`'${op}' not supported between instances of '${pythonTypeName(a)}' and '${pythonTypeName(b)}'`);
}

/** Python's sort order of two values (sorted(), dictsort, groupby): negative, zero or positive, or its TypeError. */
export function pythonOrder(a: unknown, b: unknown): number {
  return order(a, b, '<');
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
      return order(a, b, op) < 0;
    case '>':
      return order(a, b, op) > 0;
    case '<=':
      return order(a, b, op) <= 0;
    default:
      return order(a, b, op) >= 0;
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

/**
 * Both operands numbers (or booleans): Python's arithmetic, a float when either is one. `exact`:
 * the int operation on BigInts, to check an int result past 2^53 (inexactIntError).
 */
function arithmetic(a: unknown, b: unknown, op: (x: number, y: number) => number, exact: (x: bigint, y: bigint) => bigint): unknown {
  const x = Number(num(a));
  const y = Number(num(b));
  const result = op(x, y);
  if (isFloat(a) || isFloat(b)) return toFloat(result);
  if (!Number.isSafeInteger(result)) exactInt(result, () => exact(BigInt(x), BigInt(y)));
  return result + 0; // an int is never -0 (`-1 * 0` is 0); a float keeps its sign
}

/** Throws unless the double `result` is exactly the int `exact()` (computed only past 2^53). */
function exactInt(result: number, exact: () => bigint): void {
  const value = exact();
  if (!holdsExactly(result, value)) throw inexactIntError(String(value));
}

/** Python's floor division and modulo of ints, exactly (the check of a result past 2^53). */
function floorDivExact(x: bigint, y: bigint): bigint {
  const q = x / y;
  return x % y !== 0n && x < 0n !== y < 0n ? q - 1n : q;
}
const modExact = (x: bigint, y: bigint): bigint => ((x % y) + y) % y;

// The operations arithmetic() takes, made once (not a closure per operator call).
const add = (x: number, y: number): number => x + y;
const addExact = (x: bigint, y: bigint): bigint => x + y;
const sub = (x: number, y: number): number => x - y;
const subExact = (x: bigint, y: bigint): bigint => x - y;
const mul = (x: number, y: number): number => x * y;
const mulExact = (x: bigint, y: bigint): bigint => x * y;
const floorDiv = (x: number, y: number): number => pythonDivmod(x, y)[0];
const mod = (x: number, y: number): number => pythonDivmod(x, y)[1];


const isText = (v: unknown): boolean => typeof v === 'string' || v instanceof String;


function unsupported(op: string, a: unknown, b: unknown): Error {
  return new TypeError(`unsupported operand type(s) for ${op}: '${pythonTypeName(a)}' and '${pythonTypeName(b)}'`);
}

/**
 * Python's `a + b`: numbers add (a float with anything numeric is a float), texts and lists
 * concatenate (a tuple and a tuple make a tuple, printed `(1, 2, 3)`); anything else is Python's
 * TypeError, where JavaScript printed both (`undefined_x + 'a'` was `undefineda`).
 */
export function pythonAdd(a: unknown, b: unknown): unknown {
  if (isNumeric(a) && isNumeric(b)) return arithmetic(a, b, add, addExact);
  if (isText(a) && isText(b)) return String(a) + String(b);
  const temporal = dateArithmetic('+', a, b);
  if (temporal !== undefined) return temporal;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (isTuple(a) !== isTuple(b)) throw new TypeError(`can only concatenate ${pythonTypeName(a)} (not "${pythonTypeName(b)}") to ${pythonTypeName(a)}`);
    return isTuple(a) ? markTuple([...a, ...b]) : [...a, ...b];
  }
  if (isText(a)) throw new TypeError(`can only concatenate str (not "${pythonTypeName(b)}") to str`);
  throw unsupported('+', a, b);
}

/** Python's `a - b`: numbers only. */
export function pythonSub(a: unknown, b: unknown): unknown {
  if (isNumeric(a) && isNumeric(b)) return arithmetic(a, b, sub, subExact);
  const temporal = dateArithmetic('-', a, b);
  if (temporal !== undefined) return temporal;
  throw unsupported('-', a, b);
}

function zeroDivision(b: unknown, message: string): void {
  if (isNumeric(b) && Number(num(b)) === 0) throw new Error(`ZeroDivisionError: ${message}`);
}

/** Python's `a / b`: always a float; by zero, Python's error (JavaScript gave Infinity). */
export function pythonDiv(a: unknown, b: unknown): unknown {
  if (!isNumeric(a) || !isNumeric(b)) throw unsupported('/', a, b);
  zeroDivision(b, 'division by zero');
  return toFloat(Number(num(a)) / Number(num(b)));
}

/** Python's `a // b`: floored, an int of ints. */
export function pythonFloorDiv(a: unknown, b: unknown): unknown {
  if (!isNumeric(a) || !isNumeric(b)) throw unsupported('//', a, b);
  zeroDivision(b, isFloat(a) || isFloat(b) ? 'float floor division by zero' : 'integer division or modulo by zero');
  return arithmetic(a, b, floorDiv, floorDivExact);
}

/** `a % b` as Python computes it: string formatting for a string, else a floored modulo. */
export function pythonMod(a: unknown, b: unknown): unknown {
  if (isText(a)) return percentFormat(String(a), b);
  if (!isNumeric(a) || !isNumeric(b)) throw unsupported('%', a, b);
  zeroDivision(b, isFloat(a) || isFloat(b) ? 'float modulo' : 'integer division or modulo by zero');
  return arithmetic(a, b, mod, modExact);
}

/** Python's `a ** b`: an int to a negative power is a float. */
export function pythonPow(a: unknown, b: unknown): unknown {
  if (!isNumeric(a) || !isNumeric(b)) throw unsupported('** or pow()', a, b);
  const base = Number(num(a));
  const exponent = Number(num(b));
  if (base === 0 && exponent < 0) throw new Error('ZeroDivisionError: 0.0 cannot be raised to a negative power');
  // Python gives a complex number; a template has no use for one.
  if (base < 0 && !Number.isInteger(exponent)) throw new Error('ValueError: a negative number raised to a fractional power is complex');
  const result = base ** exponent;
  if (isFloat(a) || isFloat(b) || exponent < 0) {
    // Python's float power raises where the result overflows (a double's infinity otherwise went into the SQL).
    if (!Number.isFinite(result) && Number.isFinite(base) && Number.isFinite(exponent)) throw new Error("OverflowError: (34, 'Numerical result out of range')");
    return toFloat(result);
  }
  if (!Number.isSafeInteger(result)) {
    // |base| >= 2 here: a power this large has over 1,000 digits, which no double holds either.
    if (exponent > 4000) throw inexactIntError(`${base} ** ${exponent}`);
    exactInt(result, () => BigInt(base) ** BigInt(exponent));
  }
  return result;
}

/** Python's `-x` and `+x`: a float stays a float. */
export function pythonNeg(x: unknown): unknown {
  if (!isNumeric(x)) throw new TypeError(`bad operand type for unary -: '${pythonTypeName(x)}'`);
  return x instanceof PyFloat ? new PyFloat(-x.value) : -Number(x) + 0; // an int is never -0
}
export function pythonPos(x: unknown): unknown {
  if (!isNumeric(x)) throw new TypeError(`bad operand type for unary +: '${pythonTypeName(x)}'`);
  return x instanceof PyFloat ? x : +Number(x);
}

/** A text or list repeated n times (`'ab' * 2`, `[0] * 3`). */
function repeat(seq: unknown, n: unknown): unknown {
  return isText(seq) ? String(seq).repeat(Math.max(0, Number(n))) : Array.from({ length: Math.max(0, Number(n)) }, () => seq as unknown[]).flat();
}

/** An int (a bool is one): what repeats a text (a macro's output too) or a list. */
const isCount = (n: unknown): boolean => Number.isInteger(n) || typeof n === 'boolean';

/** Python's `a * b`: a string or list times a whole number repeats it. */
export function pythonMul(a: unknown, b: unknown): unknown {
  if (isNumeric(a) && isNumeric(b)) return arithmetic(a, b, mul, mulExact);
  if ((isText(a) || Array.isArray(a)) && isCount(b)) return repeat(a, b);
  if ((isText(b) || Array.isArray(b)) && isCount(a)) return repeat(b, a);
  const scaled = scaleTimedelta(a, b);
  if (scaled) return scaled;
  throw unsupported('*', a, b);
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
  // `positioned`: an operator that can fail (by zero, or on operands of other types) sets the
  // error position first, as a call does.
  const call = (name: string, positioned = false) =>
    function compileAsCall(this: any, node: any, frame: unknown) {
      this._emit(positioned ? `(lineno = ${node.lineno}, colno = ${node.colno}, runtime.${name}(` : `runtime.${name}(`);
      this.compile(node.left, frame);
      this._emit(', ');
      this.compile(node.right, frame);
      this._emit(positioned ? '))' : ')');
    };
  runtime.strataSub = pythonSub;
  runtime.strataDiv = pythonDiv;
  runtime.strataFloorDiv = pythonFloorDiv;
  runtime.strataPow = pythonPow;
  runtime.strataMod = pythonMod;
  runtime.strataNeg = pythonNeg;
  runtime.strataPos = pythonPos;
  runtime.strataFloat = toFloat;
  proto.compileAdd = call('strataAdd', true);
  proto.compileMul = call('strataMul', true);
  proto.compileSub = call('strataSub', true);
  proto.compileDiv = call('strataDiv', true);
  proto.compileFloorDiv = call('strataFloorDiv', true);
  proto.compileMod = call('strataMod', true);
  proto.compilePow = call('strataPow', true);
  const unary = (name: string) =>
    function compileUnaryAsCall(this: any, node: any, frame: unknown) {
      this._emit(`(lineno = ${node.lineno}, colno = ${node.colno}, runtime.${name}(`);
      this.compile(node.target, frame);
      this._emit('))');
    };
  proto.compileNeg = unary('strataNeg');
  proto.compilePos = unary('strataPos');
  // A float literal with a whole value (`1.0`, `1e3`; marked by literal-syntax.ts) is a float.
  const compileLiteral = proto.compileLiteral;
  proto.compileLiteral = function compileFloatLiteral(this: any, node: any, frame: unknown) {
    if (!node.strataFloat) return compileLiteral.call(this, node, frame);
    this._emit(`runtime.strataFloat(${node.value})`);
  };
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
