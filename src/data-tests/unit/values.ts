/**
 * The given rows of a unit test become temp tables; this file decides their column names and
 * types and prints their values as SQL literals.
 *
 * Column types, first that applies (dbt reads the input relation's columns from the database):
 *   1. the input relation exists in the database: its column's type (`format_type()`);
 *   2. the property file declares the column with a `data_type`;
 *   3. inferred from the given values:
 *      - `format: dict` (YAML values keep their YAML type): integers → integer / bigint /
 *        numeric by range, other numbers → numeric, booleans → boolean, strings that are dates
 *        (`YYYY-MM-DD`) → date, timestamps → timestamp (with a UTC offset: timestamptz), other
 *        strings → text (a quoted `'1'` is text: YAML said so), mappings and lists → jsonb;
 *      - `format: csv` (every value is a string): classified like a seed (integers, numerics,
 *        booleans `true`/`false`, dates, timestamps, text); empty and `null` are NULL.
 *      Values of different families in one column give text; a column with no value is text.
 * A column missing from a row is NULL. Every value is printed as a quoted literal of unknown
 * type, so PostgreSQL converts it to the column's type on insert (`'1'` into integer, `'t'` into
 * boolean) exactly as it would a literal in an INSERT the user wrote.
 */
import { quoteLiteral } from '../../adapters/postgres/index.js';
import { classifyValue, Kind, kindToType, mergeKinds } from '../../seeds/infer-types.js';

/** A row as given: column (as written) → value (YAML value, or string / null from CSV). */
export type GivenRow = Record<string, unknown>;

/** Seed kinds plus jsonb (YAML mappings and lists). */
export const JSONB_KIND = 9;
export type ValueKind = Kind | typeof JSONB_KIND;

const DATE_KINDS: ReadonlySet<number> = new Set([Kind.DATE, Kind.TIMESTAMP, Kind.TIMESTAMPTZ]);

function isMidnightUtc(d: Date): boolean {
  return d.getUTCHours() === 0 && d.getUTCMinutes() === 0 && d.getUTCSeconds() === 0 && d.getUTCMilliseconds() === 0;
}

/** The kind of one value of a `format: dict` row. */
export function dictValueKind(v: unknown): ValueKind {
  if (v === null || v === undefined) return Kind.NONE;
  if (typeof v === 'boolean') return Kind.BOOLEAN;
  if (typeof v === 'number') return Number.isInteger(v) ? classifyValue(String(v)) : Kind.NUMERIC;
  if (typeof v === 'bigint') return classifyValue(v.toString());
  if (v instanceof Date) return isMidnightUtc(v) ? Kind.DATE : Kind.TIMESTAMPTZ;
  if (typeof v === 'string') {
    if (v.trim() === '') return Kind.TEXT;
    const k = classifyValue(v);
    return DATE_KINDS.has(k) ? k : Kind.TEXT;
  }
  if (typeof v === 'object') return JSONB_KIND;
  return Kind.TEXT;
}

/** The kind of one value of a `format: csv` row (NULLs are already null). */
export function csvValueKind(v: unknown): ValueKind {
  if (v === null || v === undefined) return Kind.NONE;
  return classifyValue(String(v));
}

export function mergeValueKinds(a: ValueKind, b: ValueKind): ValueKind {
  if (a === JSONB_KIND || b === JSONB_KIND) {
    if (a === b || b === Kind.NONE) return a;
    if (a === Kind.NONE) return b;
    return Kind.TEXT;
  }
  return mergeKinds(a, b);
}

/** The PostgreSQL type for a column holding `values` (all null: text). */
export function inferGivenType(values: Iterable<unknown>, format: 'dict' | 'csv'): string {
  const kindOf = format === 'csv' ? csvValueKind : dictValueKind;
  let kind: ValueKind = Kind.NONE;
  for (const v of values) {
    kind = mergeValueKinds(kind, kindOf(v));
    if (kind === Kind.TEXT) break;
  }
  return kind === JSONB_KIND ? 'jsonb' : kindToType(kind);
}

function dateText(d: Date): string {
  return isMidnightUtc(d) ? d.toISOString().slice(0, 10) : d.toISOString();
}

/** One given value as an SQL literal (untyped, so the column's type applies), or `null`. */
export function sqlLiteral(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return quoteLiteral(v);
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return quoteLiteral(String(v));
  if (v instanceof Date) return quoteLiteral(dateText(v));
  return quoteLiteral(JSON.stringify(v));
}

/**
 * The column name a given key stands for: a plain identifier folds to lower case, as PostgreSQL
 * folds the unquoted name in the model's SQL (and as dbt renders fixture columns unquoted); any
 * other name (spaces, punctuation) is kept exactly.
 */
export function foldIdentifier(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_$]*$/.test(name) ? name.toLowerCase() : name;
}

export interface ColumnPlan {
  name: string;
  type: string;
  /** Where the type came from. */
  from: 'database' | 'declared' | 'inferred';
  /** Inferred without a single value: text by default, which may not be what the model expects. */
  untyped?: true;
}

export interface GivenTablePlan {
  columns: ColumnPlan[];
  /** given key (as written) → column name. */
  keyToColumn: Map<string, string>;
}

/** Finds `name` in a list of names: exactly, else case-insensitively. */
export function matchName(name: string, names: Iterable<string>): string | undefined {
  const list = [...names];
  if (list.includes(name)) return name;
  const lower = name.toLowerCase();
  return list.find((n) => n.toLowerCase() === lower);
}

/**
 * Columns and types of one given input's temp table.
 *
 * `catalog`: the input relation's columns when it exists in the database (their order first, so
 * `select *` sees what it would see in production; columns not given are NULL); `declared`:
 * columns described in the property file (name → data_type, possibly undefined).
 * Throws (a plain Error) when two given keys name the same column.
 */
export function planGivenTable(
  keys: string[],
  rows: GivenRow[],
  format: 'dict' | 'csv',
  catalog: ReadonlyArray<{ name: string; type: string }> | undefined,
  declared: Record<string, string | undefined> = {},
): GivenTablePlan {
  const keyToColumn = new Map<string, string>();
  const catalogNames = (catalog ?? []).map((c) => c.name);
  const byColumn = new Map<string, string>();
  for (const key of keys) {
    const column = (catalog?.length ? matchName(key, catalogNames) : undefined) ?? foldIdentifier(key);
    const other = byColumn.get(column);
    if (other !== undefined) throw new Error(`columns '${other}' and '${key}' are the same column '${column}'`);
    byColumn.set(column, key);
    keyToColumn.set(key, column);
  }
  const declaredNames = Object.keys(declared);
  const typeFor = (column: string): ColumnPlan => {
    const fromCatalog = catalog?.find((c) => c.name === column);
    if (fromCatalog) return { name: column, type: fromCatalog.type, from: 'database' };
    const d = matchName(column, declaredNames);
    const declaredType = d !== undefined ? declared[d] : undefined;
    if (declaredType) return { name: column, type: declaredType, from: 'declared' };
    const key = byColumn.get(column);
    const values = key === undefined ? [] : rows.map((r) => r[key]);
    const untyped = values.every((v) => v === null || v === undefined);
    return { name: column, type: inferGivenType(values, format), from: 'inferred', ...(untyped ? { untyped: true as const } : {}) };
  };
  const order: string[] = [];
  const add = (c: string) => {
    if (!order.includes(c)) order.push(c);
  };
  if (catalog?.length) {
    for (const c of catalog) add(c.name);
    for (const key of keys) add(keyToColumn.get(key)!);
  } else {
    for (const key of keys) add(keyToColumn.get(key)!);
    for (const d of declaredNames) if (matchName(d, order) === undefined) add(foldIdentifier(d));
  }
  return { columns: order.map(typeFor), keyToColumn };
}
