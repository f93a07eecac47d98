/**
 * Python's `json.dumps` as Jinja's `tojson` filter and dbt's `tojson()` call it: `, ` and `: `
 * between items (or `indent`), non-ASCII characters as `\uXXXX` (`ensure_ascii`), keys sorted when
 * asked; the filter also escapes `<`, `>`, `&` and `'` (Jinja's htmlsafe_json_dumps). And
 * Python's `json.loads` as dbt's `fromjson()` reads numbers (pythonJsonLoads).
 */

import { randomBytes } from 'node:crypto';
import { floatRepr, holdsExactly, inexactIntError, isFloat, toFloat } from './python-float.js';

/** JSON's number grammar (RFC 8259), for a token the scanner took. */
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const NUMBER_CHAR = /[-+0-9.eE]/;

/**
 * The text with every number outside strings replaced by the string `"<marker><index>"`, and the
 * numbers' tokens. A linear scan (a regular expression over a long string overflowed the stack);
 * a token JSON does not allow (`01`, `1.`) is a SyntaxError, as JSON.parse would have said.
 */
function markNumbers(text: string, marker: string): { marked: string; tokens: string[] } {
  const tokens: string[] = [];
  let out = '';
  let from = 0;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') {
      // Skip the string: to the next quote not escaped by a backslash.
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      i++;
    } else if (ch === '-' || (ch >= '0' && ch <= '9')) {
      let end = i + 1;
      while (end < text.length && NUMBER_CHAR.test(text[end]!)) end++;
      const token = text.slice(i, end);
      if (!JSON_NUMBER.test(token)) throw new SyntaxError(`invalid JSON number ${token}`);
      out += `${text.slice(from, i)}"${marker}${tokens.length}"`;
      tokens.push(token);
      from = i = end;
    } else i++;
  }
  return { marked: out + text.slice(from), tokens };
}

/**
 * JSON.parse, numbers as Python's json.loads reads them: `1.0` and `1e2` are floats (so they
 * print `1.0` and `100.0`, and stay floats through tojson), other numbers ints; an int a double
 * does not hold exactly is an error (JavaScript would round it to another number without a
 * word). A SyntaxError for text that is not JSON.
 *
 * Each number reaches the parser as a marker string holding its token's index (JSON.parse's
 * reviver sees values out of the text's order: integer-like keys first, a repeated key at its
 * first place with its last value). The marker begins with a random nonce, so no string of the
 * text means one.
 */
export function pythonJsonLoads(text: string): unknown {
  const marker = `strata-json-number-${randomBytes(8).toString('hex')}:`;
  const { marked, tokens } = markNumbers(text, marker);
  return JSON.parse(marked, (_key, value: unknown) => {
    if (typeof value !== 'string' || !value.startsWith(marker)) return value;
    const token = tokens[Number(value.slice(marker.length))]!;
    const n = Number(token);
    if (/[.eE]/.test(token)) return toFloat(n);
    if (!holdsExactly(n, BigInt(token))) throw inexactIntError(token, ' read by fromjson()');
    return n;
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
