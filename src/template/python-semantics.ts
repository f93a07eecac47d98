/**
 * Python's meaning of a few operations, where JavaScript's (what nunjucks' generated code does)
 * renders different SQL without an error:
 *
 * - `%`: printf-style formatting of a string (`'%s_%s' % (a, b)`, `'%(name)s' % d`), and a
 *   modulo whose sign follows the divisor (`-7 % 3` is 2). JavaScript gave `NaN` and -1.
 * - truthiness: an empty list, dict or markup string is false (truthiness.ts, selectattr).
 * - `selectattr` / `rejectattr` with a test (`rows | selectattr('k', 'equalto', 1)`): nunjucks
 *   ignores the test and keeps the rows whose attribute is truthy.
 *
 * Negative indexes (`l[-1]`) are in jinja-compat.ts' member lookup.
 */
import { isFloat, isNumeric, PyFloat, toFloat } from './python-float.js';
import { PyTimedelta } from './py-dates.js';
import { convert as convertField, formatValue } from './python-format.js';
import { isMapping, pythonTypeName } from './python-repr.js';

/** Does Python iterate the value: a list, a text, a mapping, any other iterable object? */
export function isIterable(value: unknown): boolean {
  return Array.isArray(value) || typeof value === 'string' || value instanceof String || isMapping(value) ||
    (typeof value === 'object' && value !== null && Symbol.iterator in value);
}

/** What Python iterates of a value: a list's items, a string's characters, a mapping's keys. */
export function pythonSequence(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value;
  if (typeof value === 'string' || value instanceof String) return [...String(value)];
  if (isMapping(value)) return Object.keys(value);
  return typeof value === 'object' && Symbol.iterator in value ? [...(value as Iterable<unknown>)] : [value];
}

/** `item.a.b` for the attribute path `a.b` (selectattr, map, join, sum: `attribute=`). */
export function attributeOf(item: unknown, path: string): unknown {
  let value = item;
  for (const part of path.split('.')) value = value === null || value === undefined ? undefined : (value as Record<string, unknown>)[part];
  return value;
}

/** Python's truth value of a template value. */
export function pythonTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  // nunjucks' SafeString (what a macro call or caller() returns) is a String object: true when not empty.
  if (value instanceof String) return value.length > 0;
  if (isMapping(value)) return Object.keys(value).length > 0;
  if (value instanceof PyFloat) return value.value !== 0;
  if (value instanceof PyTimedelta) return value.totalMicroseconds !== 0;
  return Boolean(value);
}

/**
 * Python's divmod of two numbers (CPython's float_divmod): the floored quotient and the remainder
 * with the divisor's sign, from the exact remainder (fmod), so `10 // 0.1` is 99.0 as in Python
 * (0.1 is a little more than a tenth), where Math.floor(10 / 0.1) gave 100.
 */
export function pythonDivmod(a: number, b: number): [number, number] {
  let mod = a % b;
  let div = (a - mod) / b;
  if (mod) {
    if (b < 0 !== mod < 0) {
      mod += b;
      div -= 1;
    }
  } else {
    mod = b < 0 ? -0 : 0;
  }
  let floordiv: number;
  if (div) {
    floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1;
  } else {
    floordiv = a / b < 0 || Object.is(a / b, -0) ? -0 : 0;
  }
  return [floordiv, mod];
}

const SPEC = /%(?:\(([^)]*)\))?([#0\- +]*)(\d+|\*)?(?:\.(\d+|\*))?([diouxXeEfFgGcrsa%])/g;

/**
 * One `%` conversion of a value. Strings, reprs and the float conversions are those of
 * `str.format` (python-format.ts: `'%.2f' % x` is `format(x, '.2f')`, with its half-even rounding
 * of the exact value); the integer ones truncate first, as Python's `%d` takes a float.
 */
function convert(value: unknown, conversion: string, precision: number | undefined): string {
  if ('sra'.includes(conversion)) return convertField(value, conversion);
  if (conversion === 'c') return charOf(value);
  // A number conversion takes a number (a bool is one), as Python's: not a text or None.
  if (!isNumeric(value)) throw new TypeError(`%${conversion} format: a real number is required, not ${pythonTypeName(value)}`);
  const n = Number(value);
  if ('diu'.includes(conversion)) {
    // Every digit of the truncated value (`'%d' % 1e21` is 1000000000000000000000, not 1e+21).
    if (Number.isNaN(n)) throw new Error('ValueError: cannot convert float NaN to integer');
    if (!Number.isFinite(n)) throw new Error('OverflowError: cannot convert float infinity to integer');
    return formatValue(Math.trunc(n), 'd');
  }
  if ('xXo'.includes(conversion)) {
    if (isFloat(value)) throw new TypeError(`%${conversion} format: an integer is required, not float`);
    return formatValue(n, conversion);
  }
  return formatValue(n, `.${precision ?? 6}${conversion}`); // f F e E g G
}

/** `'%c' % v`: an int's character, or a one-character text itself. */
function charOf(value: unknown): string {
  if ((typeof value === 'string' || value instanceof String) && [...String(value)].length === 1) return String(value);
  if (typeof value === 'boolean' || (typeof value === 'number' && Number.isInteger(value))) {
    const code = Number(value);
    if (code < 0 || code > 0x10ffff) throw new Error('OverflowError: %c arg not in range(0x110000)');
    return String.fromCodePoint(code);
  }
  throw new TypeError('%c requires int or char');
}

/** Python's `format % values` (printf-style). Throws, as Python does, when the values do not fit. */
export function percentFormat(format: string, values: unknown): string {
  const mapping = isMapping(values) ? values : undefined;
  const positional = Array.isArray(values) ? values : mapping && format.includes('%(') ? [] : [values];
  let next = 0;
  const take = (): unknown => {
    if (next >= positional.length) throw new Error(`not enough arguments for format string '${format}'`);
    return positional[next++];
  };
  const out = format.replace(SPEC, (_all, key: string | undefined, flags: string, width: string | undefined, precision: string | undefined, conversion: string) => {
    if (conversion === '%') return '%';
    const w = width === '*' ? Number(take()) : width === undefined ? 0 : Number(width);
    const p = precision === '*' ? Number(take()) : precision === undefined ? undefined : Number(precision);
    const value = key !== undefined ? mapping?.[key] : take();
    if (key !== undefined && (mapping === undefined || !(key in mapping))) throw new Error(`format string '${format}' has no value for '%(${key})'`);
    let text = convert(value, conversion, p);
    const numeric = 'diouxXeEfFgG'.includes(conversion);
    if (numeric && !text.startsWith('-')) {
      if (flags.includes('+')) text = `+${text}`;
      else if (flags.includes(' ')) text = ` ${text}`;
    }
    if (conversion === 's' && p !== undefined) text = text.slice(0, p);
    if (text.length >= w) return text;
    if (flags.includes('-')) return text.padEnd(w);
    if (flags.includes('0') && numeric) {
      const sign = /^[+\- ]/.test(text) ? text[0]! : '';
      return sign + text.slice(sign.length).padStart(w - sign.length, '0');
    }
    return text.padStart(w);
  });
  if (next < positional.length && !mapping) throw new Error(`not all arguments converted during string formatting of '${format}'`);
  return out;
}

/** Jinja's spelling of comparison tests in selectattr / select: `'=='` is `equalto`. */
const TEST_ALIASES: Record<string, string> = { '==': 'equalto', '!=': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' };

/**
 * Jinja's `selectattr` (keep = true) or `rejectattr` (keep = false): the items whose attribute
 * passes the test (Python truthiness without one).
 */
export function attributeFilter(getTest: (name: string) => (...args: unknown[]) => unknown, keep: boolean) {
  return (items: unknown, attribute: string, testName?: string, ...args: unknown[]): unknown[] => {
    const list = pythonSequence(items);
    const test = testName === undefined ? undefined : getTest(TEST_ALIASES[testName] ?? testName);
    return list.filter((item) => {
      const value = attributeOf(item, attribute);
      return (test ? Boolean(test(value, ...args)) : pythonTruthy(value)) === keep;
    });
  };
}

/**
 * Python's round(value, ndigits): the decimal nearest to the double's exact value, a tie going to
 * the even neighbour (2.5 -> 2, 0.125 -> 0.12, 2.675 -> 2.67 because 2.675 is stored as
 * 2.67499999...). Multiplying by 10^ndigits first, as nunjucks did, rounds the product instead
 * (2.675 * 100 is 267.5). toFixed() works on the exact value, ties away from zero; an exact tie
 * (its digits past ndigits are 5 then zeros) is taken to the even neighbour here.
 */
export function pythonRound(value: number, ndigits: number): number {
  if (!Number.isFinite(value) || Math.abs(value) >= 1e21) return value;
  if (ndigits < 0) {
    const factor = 10 ** -ndigits;
    return pythonRound(value / factor, 0) * factor;
  }
  if (ndigits > 75) return value;
  const away = value.toFixed(ndigits);
  const exact = value.toFixed(ndigits + 25);
  const dot = exact.indexOf('.');
  const kept = ndigits === 0 ? exact.slice(0, dot) : exact.slice(0, dot + 1 + ndigits);
  if (!/^50*$/.test(exact.slice(dot + 1 + ndigits))) return Number(away);
  return Number(kept.at(-1)!) % 2 === 0 ? Number(kept) : Number(away);
}
