/**
 * Column type inference for seeds, modelled on what dbt does on PostgreSQL.
 *
 * dbt runs agate's TypeTester with, in order: Integer, Number, Date (`%Y-%m-%d`), DateTime
 * (`%Y-%m-%d %H:%M:%S`), ISODateTime, Boolean (only `true` / `false`, any case) and Text; the
 * first type that accepts every non-null value of a column wins, and `''` / `null` (any case,
 * surrounding blanks ignored) are NULL for every type. dbt-postgres then maps Number to
 * `integer` (no decimals) or `float8`, Date to `date`, DateTime to `timestamp without time zone`,
 * Boolean to `boolean`, Text to `text`. strata keeps that shape, with these deliberate changes
 * (see README.md for the reasoning):
 *
 * - integers that do not fit int4 become `bigint` (dbt says `integer` and the load fails), and
 *   beyond int8 `numeric`;
 * - decimals become `numeric`, not `float8` (exact, and `round(x, 2)` works);
 * - only plain numerals count as numbers: agate also strips `$`, `%` and `,` grouping, which
 *   COPY could not load into a number column, so such columns stay `text`;
 * - timestamps may use `T` or a space, omit seconds, carry fractions; a column whose values
 *   carry a UTC offset (`Z`, `+02:00`) becomes `timestamp with time zone` (dbt would drop the
 *   offset into a `timestamp without time zone`);
 * - a column with no non-null value (or a header-only file) is `text` (dbt: `integer`).
 *
 * Like dbt, `1`/`0` columns are integers (Number is tried before Boolean), `yes`/`no` stay text,
 * dates mixed with timestamps are text, and `007` is the integer 7 (use column_types to keep
 * zip codes as text).
 */

export type InferredType =
  | 'integer'
  | 'bigint'
  | 'numeric'
  | 'boolean'
  | 'date'
  | 'timestamp without time zone'
  | 'timestamp with time zone'
  | 'text';

/**
 * Per-column inference state, as small integers so the hot loop compares numbers. Kinds of one
 * family widen (INT4 < INT8 < NUMERIC; TIMESTAMP < TIMESTAMPTZ); different families give TEXT.
 */
export const Kind = {
  NONE: 0,
  INT4: 1,
  INT8: 2,
  NUMERIC: 3,
  DATE: 4,
  TIMESTAMP: 5,
  TIMESTAMPTZ: 6,
  BOOLEAN: 7,
  TEXT: 8,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

const FAMILY: readonly number[] = [0, 1, 1, 1, 2, 3, 3, 4, 5];

const TYPE_OF: readonly InferredType[] = [
  'text', // NONE: no value at all
  'integer',
  'bigint',
  'numeric',
  'date',
  'timestamp without time zone',
  'timestamp with time zone',
  'boolean',
  'text',
];

export function kindToType(kind: Kind): InferredType {
  return TYPE_OF[kind] as InferredType;
}

export function mergeKinds(a: Kind, b: Kind): Kind {
  if (a === b || b === Kind.NONE) return a;
  if (a === Kind.NONE) return b;
  return FAMILY[a] === FAMILY[b] ? (Math.max(a, b) as Kind) : Kind.TEXT;
}

/**
 * dbt's null values: empty or `null` (any case) once surrounding whitespace is removed. (Python's
 * strip also removes Unicode blanks such as U+00A0 around a value; the fast path below only
 * looks at ASCII ones, a difference no real seed should notice.)
 */
export function isNullValue(value: string): boolean {
  const n = value.length;
  if (n === 0) return true;
  if (value.charCodeAt(0) > 32 && value.charCodeAt(n - 1) > 32) {
    return n === 4 && value.toLowerCase() === 'null';
  }
  const t = value.trim();
  return t.length === 0 || (t.length === 4 && t.toLowerCase() === 'null');
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
// date, then an optional time (T or space, HH:MM[:SS[.frac]]) and an optional UTC offset.
const DATETIME = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

const INT4_MAX = '2147483647';
const INT8_MAX = '9223372036854775807';

/** Integer width from the digits alone (no BigInt in the hot loop). */
function integerKind(v: string): Kind {
  const negative = v.charCodeAt(0) === 45; // '-'
  let digits = v.charCodeAt(0) === 45 || v.charCodeAt(0) === 43 ? v.slice(1) : v;
  digits = digits.replace(/^0+(?=\d)/, '');
  // |min| is max + 1 for two's complement: -2147483648 is still an int4.
  const fits = (max: string): boolean =>
    digits.length < max.length || (digits.length === max.length && (digits <= max || (negative && BigInt(digits) === BigInt(max) + 1n)));
  if (fits(INT4_MAX)) return Kind.INT4;
  if (fits(INT8_MAX)) return Kind.INT8;
  return Kind.NUMERIC;
}

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const DAYS_IN_MONTH: readonly number[] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDate(y: number, m: number, d: number): boolean {
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  return d <= (m === 2 && isLeapYear(y) ? 29 : (DAYS_IN_MONTH[m - 1] as number));
}

function dateTimeKind(v: string): Kind {
  const m = DATETIME.exec(v);
  if (!m || !validDate(Number(m[1]), Number(m[2]), Number(m[3]))) return Kind.TEXT;
  if (m[4] === undefined) return Kind.DATE;
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59) return Kind.TEXT;
  return m[7] === undefined ? Kind.TIMESTAMP : Kind.TIMESTAMPTZ;
}

/** The kind of one non-null CSV value (call isNullValue first). */
export function classifyValue(value: string): Kind {
  const v = value.trim();
  const c = v.charCodeAt(0);
  const digit = c >= 48 && c <= 57;
  if (digit || c === 43 || c === 45 || c === 46) {
    if (INTEGER.test(v)) return integerKind(v);
    if (DECIMAL.test(v)) return Kind.NUMERIC;
    return digit ? dateTimeKind(v) : Kind.TEXT;
  }
  if (v.length === 4 || v.length === 5) {
    const lower = v.toLowerCase();
    if (lower === 'true' || lower === 'false') return Kind.BOOLEAN;
  }
  return Kind.TEXT;
}

/** Returned by classifyAscii for a value it leaves to classifyValue. */
export const UNSURE = -1;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** The number written by bytes[at] and bytes[at + 1], or -1 when they are not two digits. */
function twoDigits(bytes: Uint8Array, at: number): number {
  const a = bytes[at] as number;
  const b = bytes[at + 1] as number;
  return isDigit(a) && isDigit(b) ? (a - 48) * 10 + (b - 48) : -1;
}

/** Where lexAscii puts the kind of what it read. */
export interface Lexed {
  kind: Kind | typeof UNSURE;
}

/**
 * classifyValue for the common shapes, straight from the file's bytes (no string is made), and
 * without knowing where the value ends: reads the longest `[+-]digits[.digits]` or `YYYY-MM-DD`
 * at bytes[start] (not past `limit`) and returns where it stopped. `out.kind` is then the kind
 * of bytes[start, stop) -- short integers, plain decimals, valid dates -- or UNSURE (long
 * integers, a lone sign or dot). The scanner finds a typed field's end and its kind in one pass
 * this way; when the field goes on past the stop, the kind does not apply to it.
 */
export function lexAscii(bytes: Uint8Array, start: number, limit: number, out: Lexed): number {
  let p = start;
  const c = bytes[p] as number;
  if (c === 43 || c === 45) p++; // sign
  const intStart = p;
  while (p < limit && isDigit(bytes[p] as number)) p++;
  const intDigits = p - intStart;
  const next = p < limit ? (bytes[p] as number) : -1;
  if (next === 46) {
    p++;
    const fracStart = p;
    while (p < limit && isDigit(bytes[p] as number)) p++;
    out.kind = intDigits + (p - fracStart) > 0 ? Kind.NUMERIC : UNSURE;
    return p;
  }
  if (next === 45 && intDigits === 4 && intStart === start && p + 6 <= limit && bytes[p + 3] === 45) {
    // YYYY-MM-DD
    const month = twoDigits(bytes, p + 1);
    const day = twoDigits(bytes, p + 4);
    if (month >= 0 && day >= 0) {
      const year = (twoDigits(bytes, start) as number) * 100 + twoDigits(bytes, start + 2);
      out.kind = validDate(year, month, day) ? Kind.DATE : UNSURE;
      return p + 6;
    }
  }
  // Up to 9 digits always fit int4 (999,999,999 < 2^31); longer ones need integerKind.
  out.kind = intDigits === 0 ? UNSURE : intDigits <= 9 ? Kind.INT4 : UNSURE;
  return p;
}

const scratch: Lexed = { kind: UNSURE };

/**
 * classifyValue for bytes[start, end) in the common cases, else UNSURE: decode the value and call
 * classifyValue, which stays the one definition of the rules (a unit test checks that both always
 * agree). The caller guarantees that bytes[start] and bytes[end - 1] are printable ASCII, so there
 * is nothing to trim.
 */
export function classifyAscii(bytes: Uint8Array, start: number, end: number): Kind | typeof UNSURE {
  const c = bytes[start] as number;
  if (isDigit(c) || c === 43 || c === 45 || c === 46) return lexAscii(bytes, start, end, scratch) === end ? scratch.kind : UNSURE;
  // Neither a sign, a digit nor a dot first: text, unless it could be true / false (any case).
  return end - start === 4 || end - start === 5 ? UNSURE : Kind.TEXT;
}

/**
 * Accumulates kinds over the rows of a file. Columns with a forced type (column_types) and
 * columns already known to be text are not classified again, which keeps text-heavy seeds cheap.
 */
export class TypeTracker {
  private readonly kinds: Kind[];
  private readonly done: boolean[];

  constructor(columnCount: number, forced: readonly boolean[] = []) {
    this.kinds = new Array<Kind>(columnCount).fill(Kind.NONE);
    this.done = Array.from({ length: columnCount }, (_, i) => forced[i] === true);
  }

  add(record: readonly string[]): void {
    const { kinds, done } = this;
    for (let i = 0; i < kinds.length; i++) {
      if (done[i]) continue;
      const v = record[i] as string;
      if (isNullValue(v)) continue;
      const k = mergeKinds(kinds[i] as Kind, classifyValue(v));
      kinds[i] = k;
      if (k === Kind.TEXT) done[i] = true;
    }
  }

  types(): InferredType[] {
    return this.kinds.map(kindToType);
  }
}

/** Convenience for tests and one-off callers: the type of a column given all its values. */
export function inferColumnType(values: Iterable<string>): InferredType {
  let kind: Kind = Kind.NONE;
  for (const v of values) {
    if (isNullValue(v)) continue;
    kind = mergeKinds(kind, classifyValue(v));
    if (kind === Kind.TEXT) break;
  }
  return kindToType(kind);
}
