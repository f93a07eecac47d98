/**
 * Python's `json.dumps` as Jinja's `tojson` filter and dbt's `tojson()` call it: `, ` and `: `
 * between items (or `indent`), non-ASCII characters as `\uXXXX` (`ensure_ascii`), keys sorted when
 * asked; the filter also escapes `<`, `>`, `&` and `'` (Jinja's htmlsafe_json_dumps).
 */

export interface JsonOptions {
  indent?: number;
  sortKeys?: boolean;
  htmlSafe?: boolean;
}

export function pythonJsonDumps(value: unknown, options: JsonOptions = {}): string {
  const plain = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(plain);
    if (v instanceof String) return String(v);
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
  const ascii = (text ?? 'null').replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return options.htmlSafe ? ascii.replace(/[<>&']/g, (c) => `\\u00${c.charCodeAt(0).toString(16).padStart(2, '0')}`) : ascii;
}
