/**
 * Python's `str()` and `repr()` of template values: what Jinja2 prints for `{{ value }}` and what
 * `'{!r}'.format(v)` gives. nunjucks printed JavaScript's text instead: `{{ none }}` nothing,
 * `{{ true }}` `true`, a list `a,b`, a dict `[object Object]`, a tuple like a list. So
 * `where id in {{ (1, 2) }}` became `where id in 1,2`, and a log of a list lost its quotes.
 *
 * Tuples are arrays (jinja-compat.ts compiles `(a, b)` to one); the arrays that were written as
 * tuples are remembered here (`markTuple`) so that they print in parentheses.
 */
import { numberRepr, PyFloat } from './python-float.js';
import { PyDate, PyTimedelta } from './py-dates.js';
import { PyDatetime } from './py-datetime.js';

const tuples = new WeakSet<object>();

/** Marks an array as a tuple (printed `(1, 2)`, `(1,)`), and returns it. */
export function markTuple<T extends unknown[]>(items: T): T {
  tuples.add(items);
  return items;
}

export function isTuple(value: unknown): boolean {
  return typeof value === 'object' && value !== null && tuples.has(value);
}

/**
 * A plain mapping (a dict literal, YAML or JSON data), not a list, an object of a class, or an
 * object that prints as a text of its own (a `toString` method). A key named `toString` holding
 * data (`{"toString": "x"}` from JSON) is data like any other.
 */
export function isMapping(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  return !(Object.hasOwn(value, 'toString') && typeof (value as { toString: unknown }).toString === 'function');
}

/** Python's repr of a str: single quotes unless the text has one and no double quote. */
export function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** Python's name of a value's type, for Python's error messages (`'str'`, `'NoneType'`, `'datetime.date'`). */
export function pythonTypeName(value: unknown): string {
  if (value === undefined) return 'Undefined';
  if (value === null) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (value instanceof PyFloat) return 'float';
  // A datetime is a String (it prints as its text) but not a str to Python.
  if (value instanceof PyDatetime) return 'datetime.datetime';
  if (typeof value === 'string' || value instanceof String) return 'str';
  if (Array.isArray(value)) return isTuple(value) ? 'tuple' : 'list';
  if (typeof value === 'function') return 'function';
  if (value instanceof PyDate) return 'datetime.date';
  if (value instanceof PyTimedelta) return 'datetime.timedelta';
  if (isMapping(value)) return 'dict';
  return (value as object).constructor?.name ?? 'object';
}

/** A function (a macro, `loop.cycle`) as Python names one, not its JavaScript source. */
function functionRepr(fn: { name?: string }): string {
  return `<function ${fn.name || '<lambda>'}>`;
}

/** Python's repr(): strings quoted, None/True/False, lists, tuples and dicts with their items' reprs. */
export function pythonRepr(value: unknown, seen: Set<object> = new Set()): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return reprString(value);
  if (typeof value === 'number') return numberRepr(value);
  if (typeof value === 'function') return functionRepr(value);
  if (typeof value !== 'object') return String(value);
  if (value instanceof PyFloat) return String(value);
  if (value instanceof PyDate) return `datetime.date(${value.year}, ${value.month}, ${value.day})`;
  if (value instanceof PyTimedelta) {
    const fields = (['days', 'seconds', 'microseconds'] as const).filter((f) => value[f] !== 0).map((f) => `${f}=${value[f]}`);
    return `datetime.timedelta(${fields.join(', ') || '0'})`;
  }
  if (value instanceof String) return reprString(String(value));
  if (seen.has(value)) return Array.isArray(value) ? '[...]' : '{...}';
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      const items = value.map((v) => pythonRepr(v, seen));
      if (!isTuple(value)) return `[${items.join(', ')}]`;
      return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
    }
    if (isMapping(value)) {
      return `{${Object.entries(value).map(([k, v]) => `${reprString(k)}: ${pythonRepr(v, seen)}`).join(', ')}}`;
    }
    return String(value);
  } finally {
    seen.delete(value);
  }
}

/**
 * Python's str(), as `{{ value }}` prints it: an undefined value prints nothing (Jinja's
 * Undefined), None/True/False by name, lists, tuples and dicts as their repr; strings, numbers and
 * objects with a text of their own (relations, markup) as they are.
 */
export function pythonStr(value: unknown): unknown {
  if (typeof value === 'string') return value; // the common case: every {{ }} goes through here
  if (value === undefined) return '';
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (Array.isArray(value) || isMapping(value)) return pythonRepr(value);
  if (typeof value === 'function') return functionRepr(value);
  // A number as Python prints it: `5.0` for a float, `1e-05`, all of an int's digits.
  if (typeof value === 'number' || value instanceof PyFloat) return numberRepr(value);
  // A date or timedelta prints its own text (its valueOf is a number, for ordering).
  if (value instanceof PyDate || value instanceof PyTimedelta) return String(value);
  return value;
}
