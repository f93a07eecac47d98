/**
 * Python's `json.dumps` as Jinja's `tojson` filter and dbt's `tojson()` call it: `, ` and `: `
 * between items (or `indent`), non-ASCII characters as `\uXXXX` (`ensure_ascii`), keys sorted when
 * asked; the filter also escapes `<`, `>`, `&` and `'` (Jinja's htmlsafe_json_dumps). And
 * Python's `json.loads` as dbt's `fromjson()` reads numbers (pythonJsonLoads).
 */

import { floatRepr, inexactIntError, isFloat, toFloat } from './python-float.js';

/** The number tokens of a JSON text, in order (strings, keys included, skipped whole). */
function numberTokens(text: string): string[] {
  const tokens: string[] = [];
  for (const m of text.matchAll(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g)) if (m[0][0] !== '"') tokens.push(m[0]);
  return tokens;
}

/**
 * JSON.parse, numbers as Python's json.loads reads them: `1.0` and `1e2` are floats (so they
 * print `1.0` and `100.0`, and stay floats through tojson), other numbers ints; an int past 2^53
 * is an error (JavaScript would round it to another number without a word). A SyntaxError for
 * text that is not JSON.
 *
 * JSON.parse's reviver sees the values bottom-up, leaves in the order of the text, so the n-th
 * number it sees is the n-th number token; a key given twice keeps its last value (as Python
 * does), whose token comes after the dropped one's, hence the search forward by value.
 */
export function pythonJsonLoads(text: string): unknown {
  const tokens = numberTokens(text);
  let next = 0;
  return JSON.parse(text, (_key, value: unknown) => {
    if (typeof value !== 'number') return value;
    let token = tokens[next++];
    while (token !== undefined && Number(token) !== value) token = tokens[next++];
    if (token === undefined) return value;
    if (/[.eE]/.test(token)) return toFloat(value);
    if (!Number.isSafeInteger(value)) throw inexactIntError(token, ' read by fromjson()');
    return value;
  });
}

/** Python's json float: its repr, and NaN / Infinity as json.dumps writes them. */
function jsonFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  return floatRepr(n);
}

export interface JsonOptions {
  indent?: number;
  sortKeys?: boolean;
  htmlSafe?: boolean;
}

/** Marks a float in the JSON text, to be written as Python writes it (`1.0`, `1e-05`). */
const FLOAT_MARK = '\u0000float:';

export function pythonJsonDumps(value: unknown, options: JsonOptions = {}): string {
  const plain = (v: unknown): unknown => {
    if (isFloat(v)) return `${FLOAT_MARK}${jsonFloat(Number(v))}`;
    if (Array.isArray(v)) return v.map(plain);
    if (v instanceof String) return String(v);
    // A date prints its ISO text (Python's json refuses one; a template has no other use for it).
    if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') return plain((v as { toJSON(): unknown }).toJSON());
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      const keys = Object.keys(v as object);
      for (const k of options.sortKeys ? keys.sort() : keys) out[k] = plain((v as Record<string, unknown>)[k]);
      return out;
    }
    return v;
  };
  const text = options.indent !== undefined
    ? JSON.stringify(plain(value), null, options.indent)
    : JSON.stringify(plain(value))?.replace(/("(?:[^"\\]|\\.)*")|([,:])/g, (_m, str: string | undefined, sep: string | undefined) => (str ? str : sep === ',' ? ', ' : ': '));
  const floats = (text ?? 'null').replace(/"\\u0000float:([^"]*)"/g, '$1');
  const ascii = floats.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return options.htmlSafe ? ascii.replace(/[<>&']/g, (c) => `\\u00${c.charCodeAt(0).toString(16).padStart(2, '0')}`) : ascii;
}
