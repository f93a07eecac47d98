/**
 * Comparing a unit test's expected rows with the model's actual rows, as dbt does: only the
 * columns named in the expected rows, as multisets (order does not matter, duplicates do).
 *
 * Values are compared after normalisation by the type of the *actual* column, so what the user
 * wrote in YAML or CSV matches what PostgreSQL returns:
 *   number       1 = 1.0 = '1.00' = '1e0'             (numeric comes back as a string)
 *   boolean      true = 'true' = 't' = 'yes' = 1
 *   date         '2020-01-01' = '2020-1-1' = '2020-01-01 00:00:00'
 *   timestamp    '2020-01-01T10:00' = '2020-01-01 10:00:00.000'
 *   timestamptz  compared as instants ('2020-01-01 12:00:00+02' = '2020-01-01T10:00:00Z'); a value
 *                without an offset is UTC (unit tests run with TimeZone UTC)
 *   json(b)      same value, key order ignored
 *   arrays       element by element ('{1,2}' = [1, 2])
 *   other        as text (a YAML number 1 equals the text '1')
 * NULL only equals NULL.
 */
import type { FieldInfo, Row } from '../../adapters/postgres/index.js';
import { matchName } from './values.js';

export type CompareKind = 'number' | 'boolean' | 'date' | 'timestamp' | 'timestamptz' | 'json' | 'array' | 'text' | 'auto';

const OID_KIND = new Map<number, CompareKind>([
  [20, 'number'], [21, 'number'], [23, 'number'], [26, 'number'], [700, 'number'], [701, 'number'], [1700, 'number'], [790, 'text'],
  [16, 'boolean'],
  [1082, 'date'],
  [1114, 'timestamp'],
  [1184, 'timestamptz'],
  [114, 'json'], [3802, 'json'],
  // arrays: int2, int4, int8, float4, float8, numeric, text, varchar, bpchar, bool, date, timestamp, timestamptz, uuid, jsonb
  [1005, 'array'], [1007, 'array'], [1016, 'array'], [1021, 'array'], [1022, 'array'], [1231, 'array'], [1009, 'array'],
  [1015, 'array'], [1014, 'array'], [1000, 'array'], [1182, 'array'], [1115, 'array'], [1185, 'array'], [2951, 'array'], [3807, 'array'],
]);

/** How values of a PostgreSQL column type are compared. */
export function kindOfOid(oid: number): CompareKind {
  return OID_KIND.get(oid) ?? 'text';
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** A decimal number's canonical text: no exponent, no leading or trailing zeros, no `-0`. */
export function canonicalNumber(text: string): string | undefined {
  const t = text.trim();
  const special = /^([+-]?)(nan|inf|infinity)$/i.exec(t);
  if (special) return special[2]!.toLowerCase() === 'nan' ? 'NaN' : `${special[1] === '-' ? '-' : ''}Infinity`;
  const m = DECIMAL.exec(t);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const sign = m[1] === '-' ? '-' : '';
  let digits = `${m[2]}${m[3] ?? ''}`;
  let point = m[2]!.length + Number(m[4] ?? 0);
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits += '0'.repeat(point - digits.length);
  const int = digits.slice(0, point).replace(/^0+/, '') || '0';
  const frac = digits.slice(point).replace(/0+$/, '');
  const body = frac ? `${int}.${frac}` : int;
  return body === '0' ? '0' : sign + body;
}

function pad(n: number | string, width = 2): string {
  return String(n).padStart(width, '0');
}

const DATE_TIME = /^(\d{4,})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{1,2}(?::?\d{2})?)?$/i;

interface DateTimeParts {
  y: number; mo: number; d: number; h: number; mi: number; s: number; frac: string;
  hasTime: boolean;
  /** Minutes east of UTC, or undefined without an offset. */
  offset?: number;
}

function parseDateTime(text: string): DateTimeParts | undefined {
  const m = DATE_TIME.exec(text.trim());
  if (!m) return undefined;
  let offset: number | undefined;
  if (m[8]) {
    if (m[8].toUpperCase() === 'Z') offset = 0;
    else {
      const o = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(m[8])!;
      offset = (o[1] === '-' ? -1 : 1) * (Number(o[2]) * 60 + Number(o[3] ?? 0));
    }
  }
  return {
    y: Number(m[1]), mo: Number(m[2]), d: Number(m[3]), h: Number(m[4] ?? 0), mi: Number(m[5] ?? 0), s: Number(m[6] ?? 0),
    frac: (m[7] ?? '').replace(/0+$/, ''), hasTime: m[4] !== undefined, ...(offset !== undefined ? { offset } : {}),
  };
}

function formatParts(p: Pick<DateTimeParts, 'y' | 'mo' | 'd' | 'h' | 'mi' | 's' | 'frac'>): string {
  return `${pad(p.y, 4)}-${pad(p.mo)}-${pad(p.d)} ${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}${p.frac ? `.${p.frac}` : ''}`;
}

function dateOf(v: unknown): string | undefined {
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  const p = parseDateTime(String(v));
  if (!p || p.offset !== undefined || p.h || p.mi || p.s || p.frac) return undefined;
  return `${pad(p.y, 4)}-${pad(p.mo)}-${pad(p.d)}`;
}

function timestampOf(v: unknown): string | undefined {
  if (v instanceof Date) return formatParts({ y: v.getUTCFullYear(), mo: v.getUTCMonth() + 1, d: v.getUTCDate(), h: v.getUTCHours(), mi: v.getUTCMinutes(), s: v.getUTCSeconds(), frac: pad(v.getUTCMilliseconds(), 3).replace(/0+$/, '') });
  const p = parseDateTime(String(v));
  if (!p || p.offset !== undefined) return undefined;
  return formatParts(p);
}

function instantOf(v: unknown): string | undefined {
  if (v instanceof Date) return `${timestampOf(v)}+00`;
  const p = parseDateTime(String(v));
  if (!p) return undefined;
  const utc = new Date(Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s) - (p.offset ?? 0) * 60_000);
  if (p.y < 100) utc.setUTCFullYear(p.y); // Date.UTC maps years 0-99 to 1900-1999
  return `${formatParts({ y: utc.getUTCFullYear(), mo: utc.getUTCMonth() + 1, d: utc.getUTCDate(), h: utc.getUTCHours(), mi: utc.getUTCMinutes(), s: utc.getUTCSeconds(), frac: p.frac })}+00`;
}

const TRUE = new Set(['t', 'true', 'y', 'yes', 'on', '1']);
const FALSE = new Set(['f', 'false', 'n', 'no', 'off', '0']);

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** Splits a PostgreSQL array literal `{a,"b c",NULL}` (one dimension) into its elements. */
export function parsePgArray(text: string): Array<string | null> | undefined {
  const t = text.trim();
  if (!t.startsWith('{') || !t.endsWith('}')) return undefined;
  const body = t.slice(1, -1);
  if (body.trim() === '') return [];
  const out: Array<string | null> = [];
  let i = 0;
  while (i <= body.length) {
    while (body[i] === ' ') i++;
    if (body[i] === '"') {
      let s = '';
      i++;
      while (i < body.length && body[i] !== '"') {
        if (body[i] === '\\') i++;
        s += body[i] ?? '';
        i++;
      }
      i++;
      out.push(s);
      while (i < body.length && body[i] !== ',') i++;
    } else {
      let end = body.indexOf(',', i);
      if (end < 0) end = body.length;
      const raw = body.slice(i, end).trim();
      out.push(/^null$/i.test(raw) ? null : raw);
      i = end;
    }
    i++;
  }
  return out;
}

function textOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Date) return dateOf(v) ?? timestampOf(v)!;
  if (typeof v === 'object') return stableJson(v);
  return String(v);
}

/**
 * A value's canonical text for comparison, by the kind of the column it is compared in; null for
 * SQL NULL. A value that does not parse as the kind is compared as text (and so differs).
 */
export function normalizeValue(v: unknown, kind: CompareKind): string | null {
  if (v === null || v === undefined) return null;
  switch (kind) {
    case 'number':
      if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string') return canonicalNumber(String(v)) ?? textOf(v);
      if (typeof v === 'boolean') return v ? '1' : '0';
      return textOf(v);
    case 'boolean': {
      if (typeof v === 'boolean') return String(v);
      const t = String(v).trim().toLowerCase();
      return TRUE.has(t) ? 'true' : FALSE.has(t) ? 'false' : textOf(v);
    }
    case 'date':
      return dateOf(v) ?? textOf(v);
    case 'timestamp':
      return timestampOf(v) ?? textOf(v);
    case 'timestamptz':
      return instantOf(v) ?? textOf(v);
    case 'json':
      if (typeof v === 'string') {
        try {
          return stableJson(JSON.parse(v));
        } catch {
          return v;
        }
      }
      return stableJson(v);
    case 'array': {
      const items = Array.isArray(v) ? v : typeof v === 'string' ? parsePgArray(v) : undefined;
      if (!items) return textOf(v);
      return stableJson(items.map((x) => normalizeValue(x, 'auto')));
    }
    case 'auto':
      if (typeof v === 'boolean') return String(v);
      if (typeof v === 'number' || typeof v === 'bigint' || (typeof v === 'string' && canonicalNumber(v) !== undefined && /\d/.test(v))) {
        return canonicalNumber(String(v)) ?? textOf(v);
      }
      return textOf(v);
    default:
      return textOf(v);
  }
}

export interface CompareColumn {
  /** The column as named in the expected rows. */
  name: string;
  /** Its name in the actual rows. */
  actualName: string;
  kind: CompareKind;
}

export interface DiffRow {
  /** `-`: expected but not in the actual rows; `+`: in the actual rows but not expected. */
  sign: '-' | '+';
  /** Normalised values, by column (null = NULL). */
  values: Array<string | null>;
}

export interface RowComparison {
  columns: string[];
  matched: number;
  expectedCount: number;
  actualCount: number;
  /** Missing expected rows and extra actual rows: by first column, then `-` before `+`, then the rest. */
  diff: DiffRow[];
}

/**
 * Picks the columns to compare: the expected ones, each matched to an actual column (exactly,
 * else case-insensitively, as PostgreSQL folds unquoted names) and compared by that column's
 * type. Returns the expected columns the actual rows lack instead, if any.
 */
export function compareColumns(expectedColumns: string[], fields: FieldInfo[]): { columns: CompareColumn[]; unknown: string[] } {
  const names = fields.map((f) => f.name);
  const columns: CompareColumn[] = [];
  const unknown: string[] = [];
  for (const name of expectedColumns) {
    const actualName = matchName(name, names);
    if (actualName === undefined) {
      unknown.push(name);
      continue;
    }
    const field = fields.find((f) => f.name === actualName)!;
    columns.push({ name, actualName, kind: kindOfOid(field.dataTypeID) });
  }
  return { columns, unknown };
}

function keyOf(values: Array<string | null>): string {
  return JSON.stringify(values);
}

function compareCells(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  const na = Number(a);
  const nb = Number(b);
  if (a.trim() !== '' && b.trim() !== '' && !Number.isNaN(na) && !Number.isNaN(nb) && na !== nb) return na - nb;
  return a < b ? -1 : 1;
}

function compareValueLists(a: Array<string | null>, b: Array<string | null>): number {
  for (let i = 0; i < a.length; i++) {
    const c = compareCells(a[i] ?? null, b[i] ?? null);
    if (c !== 0) return c;
  }
  return 0;
}

/** Compares expected and actual rows as multisets over `columns`. */
export function compareRows(expected: Row[], actual: Row[], columns: CompareColumn[]): RowComparison {
  const project = (row: Row, pick: (c: CompareColumn) => string) => columns.map((c) => normalizeValue(row[pick(c)], c.kind));
  const expectedValues = expected.map((r) => project(r, (c) => c.name));
  const actualValues = actual.map((r) => project(r, (c) => c.actualName));
  const remaining = new Map<string, number>();
  for (const v of actualValues) remaining.set(keyOf(v), (remaining.get(keyOf(v)) ?? 0) + 1);
  const missing: Array<Array<string | null>> = [];
  let matched = 0;
  for (const v of expectedValues) {
    const k = keyOf(v);
    const n = remaining.get(k) ?? 0;
    if (n > 0) {
      remaining.set(k, n - 1);
      matched++;
    } else missing.push(v);
  }
  const extra: Array<Array<string | null>> = [];
  for (const v of actualValues) {
    const k = keyOf(v);
    const n = remaining.get(k) ?? 0;
    if (n > 0) {
      remaining.set(k, n - 1);
      extra.push(v);
    }
  }
  // Sorted by the first column (usually a key), then `-` before `+`, then the other columns: a
  // row whose other columns changed shows as its expected `-` line followed by its actual `+` line.
  const diff: DiffRow[] = [
    ...missing.map((values) => ({ sign: '-' as const, values })),
    ...extra.map((values) => ({ sign: '+' as const, values })),
  ].sort((a, b) => compareCells(a.values[0] ?? null, b.values[0] ?? null)
    || (a.sign === b.sign ? 0 : a.sign === '-' ? -1 : 1)
    || compareValueLists(a.values.slice(1), b.values.slice(1)));
  return { columns: columns.map((c) => c.name), matched, expectedCount: expected.length, actualCount: actual.length, diff };
}
