/**
 * Python's floats in templates. JavaScript has one number type, so `{{ 10 / 2 }}` printed `5`
 * where Jinja2 prints `5.0`, and in SQL the two differ: `select {{ 10 / 2 }} / 2` is integer
 * division in PostgreSQL (2), numeric division with `5.0` (2.5). A float whose value is whole is
 * therefore a `PyFloat` object (what a float literal such as `1.0` or `1e3`, `/`, the `float` and
 * `round` filters, and arithmetic with a float give); any other number is an int when whole and a
 * float when not, as its value says.
 *
 * A PyFloat is a number to JavaScript (`valueOf`, so `<`, `range()` and Math work), prints as
 * Python does (`5.0`, `1e+16`, `-0.0`), and is written into JSON as its number. Values leaving
 * the templates (config) are made plain numbers by `plainValue`.
 */

export class PyFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  toString(): string {
    return floatRepr(this.value);
  }
  toJSON(): number {
    return this.value;
  }
}

/** A float result: a PyFloat when its value is whole (so that it prints as a float), else the number. */
export function toFloat(n: number): number | PyFloat {
  return Number.isInteger(n) ? new PyFloat(n) : n;
}

/** The number of a value (a PyFloat's value, a boolean's 0 or 1); anything else as it is. */
export function num(x: unknown): unknown {
  if (x instanceof PyFloat) return x.value;
  if (typeof x === 'boolean') return Number(x);
  return x;
}

/** Whether the value is a Python float. */
export function isFloat(x: unknown): boolean {
  return x instanceof PyFloat || (typeof x === 'number' && !Number.isInteger(x));
}

/** Whether the value is a Python int or float (booleans are ints in Python, but not numbers to Jinja's tests). */
export function isNumber(x: unknown): x is number | PyFloat {
  return typeof x === 'number' || x instanceof PyFloat;
}

/** Whether arithmetic takes the value as a number: an int, a float, or a bool (an int in Python). */
export function isNumeric(x: unknown): x is number | PyFloat | boolean {
  return isNumber(x) || typeof x === 'boolean';
}

/** Python's repr() of a float: `5.0`, `0.1`, `1e-05`, `1.5e+17`, `inf`, `nan`, `-0.0`. */
export function floatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  // The shortest digits that read back as n (JavaScript's and Python's alike), in Python's layout.
  const [mantissa, exponentText] = n.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  const fixed = String(n); // fixed notation from 1e-7 to 1e21, which holds this range
  return fixed.includes('.') ? fixed : `${fixed}.0`;
}

/** Python's str() of an int: every digit, also past 2^53 (the double's own value). */
export function intRepr(n: number): string {
  return Number.isSafeInteger(n) ? String(n) : BigInt(n).toString();
}

/**
 * An int the templates cannot hold: Python's ints have no limit, a template's numbers are doubles,
 * exact up to 2^53. Printing the nearest double would put another number into SQL
 * (`where id = 12345678901234567168` for ...891), so such an int is an error. `exact`: its digits.
 */
export function inexactIntError(exact: string, where = ''): Error {
  // A huge one (`10 ** 400`) is named by its first digits and its length.
  if (exact.length > 40) exact = `${exact.slice(0, 20)}... (${exact.replace('-', '').length} digits)`;
  return new Error(
    `the integer ${exact}${where} is beyond 2^53 (9007199254740992), past which strata's templates cannot hold every integer exactly ` +
      `(Python's ints have no limit); write it as a string ('${exact}') to print it, or compute it in SQL`,
  );
}

/** Whether the double `n` is exactly the integer `exact`. */
export function holdsExactly(n: number, exact: bigint): boolean {
  return Number.isSafeInteger(n) || (Number.isInteger(n) && BigInt(n) === exact);
}

/** A number as Python prints it: an int's digits, a float's repr. */
export function numberRepr(n: number | PyFloat): string {
  if (n instanceof PyFloat) return floatRepr(n.value);
  return Number.isInteger(n) ? intRepr(n) : floatRepr(n);
}

/** The value with every PyFloat made a plain number (what leaves the templates: config values). */
export function plainValue(value: unknown): unknown {
  return mapFloats(value, (x) => (x instanceof PyFloat ? x.value : undefined));
}

/**
 * Var values cross threads (structured clone) and the parse cache (v8.serialize), which keep an
 * object's fields but not its class: a PyFloat would come back as the mapping `{value: 1}`. Both
 * keep a boxed Number, which JSON writes as its number; so a PyFloat travels as `new Number(n)`,
 * and `unboxFloats` makes it a PyFloat again where templates read it.
 */
export function boxFloats(value: unknown): unknown {
  return mapFloats(value, (x) => (x instanceof PyFloat ? new Number(x.value) : undefined));
}

/** The value with every boxed Number (a PyFloat that travelled, see boxFloats) a PyFloat again. */
export function unboxFloats(value: unknown): unknown {
  return mapFloats(value, (x) => (x instanceof Number && !(x instanceof PyFloat) ? new PyFloat(x.valueOf()) : undefined));
}

/** Copies arrays and plain objects where `swap` replaces a value inside them (undefined: keep it). */
function mapFloats(value: unknown, swap: (x: object) => unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const swapped = swap(value);
  if (swapped !== undefined) return swapped;
  if (Array.isArray(value)) {
    const items = value.map((v) => mapFloats(v, swap));
    return items.some((v, i) => v !== value[i]) ? items : value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value)) {
    const mapped = mapFloats(v, swap);
    if (mapped !== v) (copy ??= { ...value })[k] = mapped;
  }
  return copy ?? value;
}

/**
 * A value as caches compare it: its JSON, with a whole float (a PyFloat, or one boxed to travel)
 * told apart from the int of the same value, and NaN and the infinities from null. `1` and `1.0`
 * render differently (`7 / 2` against `7 / 2.0` in SQL), so a cache must not take one for the other.
 */
export function valueKey(value: unknown): string {
  return (
    JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
      const raw = this[key];
      if (raw instanceof PyFloat || raw instanceof Number) return `\u0000float ${floatRepr(raw.valueOf())}`; // -0.0 too
      return typeof v === 'number' && !Number.isFinite(v) ? `\u0000${v}` : v;
    }) ?? 'undefined'
  );
}
