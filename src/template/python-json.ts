/**
 * Python's `json.dumps` as Jinja's `tojson` filter and dbt's `tojson()` call it: `, ` and `: `
 * between items (or `indent`), non-ASCII characters as `\uXXXX` (`ensure_ascii`), keys sorted when
 * asked; the filter also escapes `<`, `>`, `&` and `'` (Jinja's htmlsafe_json_dumps).
 */

import { floatRepr, isFloat } from './python-float.js';

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
