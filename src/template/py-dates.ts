/**
 * `modules.datetime`'s dates and durations, as dbt macros use them:
 * `modules.datetime.date.today() - modules.datetime.timedelta(days=7)`, `.strftime('%Y%m%d')`,
 * `datetime.strptime(var('start'), '%Y-%m-%d')`, `date(2024, 1, 31)`, `(end - start).days`.
 *
 * - `PyDate`: a calendar date (prints `2024-01-31`, as Python's str()).
 * - `PyTimedelta`: days, seconds and microseconds, normalised as Python's (prints `7 days, 0:00:00`).
 * - datetimes are py-datetime.ts' PyDatetime (UTC, printed as ISO 8601 as `run_started_at` is).
 *
 * Arithmetic (date ± timedelta, date - date, timedelta ± timedelta, timedelta * int) goes through
 * python-operators.ts' `+` and `-`, which ask `dateArithmetic` first. Comparisons order dates,
 * datetimes and timedeltas by their value.
 */
import { bindArgs } from './context-globals.js';
import { MONTHS, pad, PyDatetime } from './py-datetime.js';
import { isNumeric, toFloat } from './python-float.js';
import { pythonTypeName } from './python-repr.js';

const DAY_MS = 86_400_000;
const DAY_US = 86_400_000_000;

export class PyTimedelta {
  readonly days: number;
  readonly seconds: number;
  readonly microseconds: number;
  /** From a number of microseconds (any sign), normalised as Python's: 0 <= seconds < 86400, 0 <= microseconds < 10^6. */
  constructor(totalMicroseconds: number) {
    const us = Math.round(totalMicroseconds);
    this.days = Math.floor(us / DAY_US);
    const rest = us - this.days * DAY_US;
    this.seconds = Math.floor(rest / 1e6);
    this.microseconds = rest - this.seconds * 1e6;
  }
  /** `timedelta(days=0, seconds=0, microseconds=0, milliseconds=0, minutes=0, hours=0, weeks=0)`: ints or floats, as Python's. */
  static of(...args: unknown[]): PyTimedelta {
    const k = bindArgs(args, ['days', 'seconds', 'microseconds', 'milliseconds', 'minutes', 'hours', 'weeks']);
    const n = (name: string) => {
      if (!(name in k)) return 0;
      const v = k[name];
      if (!isNumeric(v)) throw new TypeError(`unsupported type for timedelta ${name} component: ${pythonTypeName(v)}`);
      return Number(v);
    };
    return new PyTimedelta(((((n('weeks') * 7 + n('days')) * 24 + n('hours')) * 60 + n('minutes')) * 60 + n('seconds')) * 1e6 + n('milliseconds') * 1e3 + n('microseconds'));
  }
  get totalMicroseconds(): number {
    return this.days * DAY_US + this.seconds * 1e6 + this.microseconds;
  }
  total_seconds(): unknown {
    return toFloat(this.totalMicroseconds / 1e6);
  }
  valueOf(): number {
    return this.totalMicroseconds;
  }
  /** Python's str(): `1 day, 2:03:04`, `-1 day, 23:00:00`, `0:00:01.500000`. */
  toString(): string {
    const h = Math.floor(this.seconds / 3600);
    const m = Math.floor((this.seconds % 3600) / 60);
    const s = this.seconds % 60;
    const clock = `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}${this.microseconds ? `.${String(this.microseconds).padStart(6, '0')}` : ''}`;
    return this.days ? `${this.days} day${Math.abs(this.days) === 1 ? '' : 's'}, ${clock}` : clock;
  }
}

export class PyDate {
  readonly #utc: Date;
  constructor(year: number, month: number, day: number) {
    if (![year, month, day].every(Number.isInteger)) throw new TypeError('integer argument expected');
    if (month < 1 || month > 12) throw new Error('ValueError: month must be in 1..12');
    const when = new Date(Date.UTC(year, month - 1, day));
    if (year < 1 || year > 9999 || when.getUTCDate() !== day) throw new Error('ValueError: day is out of range for month');
    when.setUTCFullYear(year); // years 1-99 too (Date.UTC reads them as 19xx)
    this.#utc = when;
  }
  static fromTime(ms: number): PyDate {
    const d = new Date(ms);
    return new PyDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
  }
  static today(): PyDate {
    return PyDate.fromTime(Date.now());
  }
  static fromisoformat(text: unknown): PyDate {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(text));
    if (!m) throw new Error(`ValueError: Invalid isoformat string: '${String(text)}'`);
    return new PyDate(Number(m[1]), Number(m[2]), Number(m[3]));
  }
  get year(): number {
    return this.#utc.getUTCFullYear();
  }
  get month(): number {
    return this.#utc.getUTCMonth() + 1;
  }
  get day(): number {
    return this.#utc.getUTCDate();
  }
  /** Midnight UTC of the date, in milliseconds since the epoch. */
  get time(): number {
    return this.#utc.getTime();
  }
  weekday(): number {
    return (this.#utc.getUTCDay() + 6) % 7;
  }
  isoweekday(): number {
    return this.weekday() + 1;
  }
  replace(...args: unknown[]): PyDate {
    const k = bindArgs(args, ['year', 'month', 'day']);
    return new PyDate(Number(k['year'] ?? this.year), Number(k['month'] ?? this.month), Number(k['day'] ?? this.day));
  }
  strftime(format: unknown): string {
    return new PyDatetime(this.#utc).strftime(format);
  }
  isoformat(): string {
    return `${pad(this.year, 4)}-${pad(this.month)}-${pad(this.day)}`;
  }
  valueOf(): number {
    return this.#utc.getTime();
  }
  toString(): string {
    return this.isoformat();
  }
  toJSON(): string {
    return this.isoformat();
  }
}

/** What each strptime directive reads; a parenthesised one is a field strptime uses. */
const STRPTIME_DIRECTIVES: Record<string, string> = {
  Y: '(\\d{4})', y: '(\\d{2})', m: '(\\d{1,2})', d: '(\\d{1,2})', H: '(\\d{1,2})', I: '(\\d{1,2})', M: '(\\d{1,2})', S: '(\\d{1,2})', f: '(\\d{1,6})',
  b: '([A-Za-z]{3})', B: '([A-Za-z]+)', p: '(AM|PM|am|pm)', j: '(\\d{1,3})', a: '[A-Za-z]{3}', A: '[A-Za-z]+', z: '([+-]\\d{4}|Z)', '%': '%',
};

/**
 * The minutes east of UTC of a `Z`, `+0100` or `+01:00` (none: 0). Python's ValueError for one
 * of a day or more.
 */
function offsetMinutes(zone: string | undefined): number {
  if (!zone || zone === 'Z') return 0;
  const minutes = (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)));
  if (Math.abs(minutes) >= 24 * 60) {
    const t = new PyTimedelta(minutes * 60e6);
    const fields = [t.days ? `days=${t.days}` : '', t.seconds ? `seconds=${t.seconds}` : ''].filter(Boolean).join(', ');
    throw new Error(`ValueError: offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24), not datetime.timedelta(${fields}).`);
  }
  return minutes;
}

/**
 * The datetime (UTC) at a time of a date, the time given at `offset` minutes east of UTC. Python's
 * errors for a time out of range (hour 25 is not the next day's 1:00).
 */
function atTime(date: PyDate, hour: number, minute: number, second: number, microsecond: number, offset = 0): PyDatetime {
  const fields = { hour: [hour, 23], minute: [minute, 59], second: [second, 59], microsecond: [microsecond, 999_999] } as const;
  for (const [name, [value, max]] of Object.entries(fields)) {
    if (!Number.isInteger(value)) throw new TypeError('integer argument expected');
    if (value < 0 || value > max) throw new Error(`ValueError: ${name} must be in 0..${max}`);
  }
  return new PyDatetime(new Date(date.time + ((hour * 60 + minute - offset) * 60 + second) * 1000 + Math.floor(microsecond / 1000)));
}

/** Python's `datetime.strptime` for the common directives (UTC). */
function strptime(text: unknown, format: unknown): PyDatetime {
  const s = String(text);
  const f = String(format);
  const parts = { Y: 1900, m: 1, d: 1, H: 0, M: 0, S: 0, f: 0, pm: undefined as boolean | undefined };
  const fields: string[] = [];
  let pattern = '';
  for (let i = 0; i < f.length; i++) {
    const c = f[i]!;
    if (c !== '%') {
      pattern += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      continue;
    }
    const d = f[++i];
    if (d === undefined || !(d in STRPTIME_DIRECTIVES)) throw new Error(`ValueError: '${d ?? ''}' is a bad directive in format '${f}'`);
    pattern += STRPTIME_DIRECTIVES[d];
    if (STRPTIME_DIRECTIVES[d]!.startsWith('(')) fields.push(d);
  }
  const m = new RegExp(`^${pattern}$`).exec(s);
  if (!m) throw new Error(`ValueError: time data '${s}' does not match format '${f}'`);
  let offset = 0;
  let dayOfYear: number | undefined;
  fields.forEach((d, i) => {
    const v = m[i + 1]!;
    if (d === 'Y') parts.Y = Number(v);
    else if (d === 'y') parts.Y = Number(v) + (Number(v) < 69 ? 2000 : 1900);
    else if (d === 'm') parts.m = Number(v);
    else if (d === 'd') parts.d = Number(v);
    else if (d === 'H' || d === 'I') parts.H = Number(v);
    else if (d === 'M') parts.M = Number(v);
    else if (d === 'S') parts.S = Number(v);
    else if (d === 'f') parts.f = Number(v.padEnd(6, '0'));
    else if (d === 'b' || d === 'B') {
      const i2 = MONTHS.findIndex((name) => (d === 'b' ? name.slice(0, 3) : name).toLowerCase() === v.toLowerCase());
      if (i2 < 0) throw new Error(`ValueError: time data '${s}' does not match format '${f}'`);
      parts.m = i2 + 1;
    } else if (d === 'p') parts.pm = v.toLowerCase() === 'pm';
    else if (d === 'j') dayOfYear = Number(v);
    else if (d === 'z') offset = offsetMinutes(v);
  });
  if (parts.pm !== undefined) parts.H = (parts.H % 12) + (parts.pm ? 12 : 0);
  const date = dayOfYear !== undefined ? PyDate.fromTime(Date.UTC(parts.Y, 0, 1) + (dayOfYear - 1) * DAY_MS) : new PyDate(parts.Y, parts.m, parts.d);
  if (parts.H > 23 || parts.M > 59 || parts.S > 61) throw new Error(`ValueError: time data '${s}' does not match format '${f}'`);
  return atTime(date, parts.H, parts.M, parts.S, parts.f, offset);
}

/** `datetime(year, month, day, hour=0, minute=0, second=0, microsecond=0)` (UTC). */
function makeDatetime(...args: unknown[]): PyDatetime {
  const k = bindArgs(args, ['year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond']);
  const date = new PyDate(Number(k['year']), Number(k['month']), Number(k['day']));
  const n = (name: string) => Number(k[name] ?? 0);
  return atTime(date, n('hour'), n('minute'), n('second'), n('microsecond'));
}

/** The milliseconds of a datetime or date (dates at midnight UTC). */
function timeOf(v: PyDatetime | PyDate): number {
  return v instanceof PyDate ? v.time : v.timestamp() * 1000;
}

/**
 * `a + b` / `a - b` when a date, datetime or timedelta is involved: the result, or undefined when
 * neither operand is one. A pair Python does not add (date + date) is its TypeError.
 */
export function dateArithmetic(op: '+' | '-', a: unknown, b: unknown): unknown {
  const isTemporal = (v: unknown) => v instanceof PyDate || v instanceof PyDatetime || v instanceof PyTimedelta;
  if (!isTemporal(a) && !isTemporal(b)) return undefined;
  const sign = op === '+' ? 1 : -1;
  if (b instanceof PyTimedelta) {
    if (a instanceof PyTimedelta) return new PyTimedelta(a.totalMicroseconds + sign * b.totalMicroseconds);
    if (a instanceof PyDate) return PyDate.fromTime(a.time + sign * b.days * DAY_MS);
    if (a instanceof PyDatetime) return new PyDatetime(new Date(timeOf(a) + sign * Math.trunc(b.totalMicroseconds / 1000)));
  }
  if (op === '+' && a instanceof PyTimedelta && (b instanceof PyDate || b instanceof PyDatetime)) return dateArithmetic('+', b, a);
  if (op === '-' && ((a instanceof PyDate && b instanceof PyDate) || (a instanceof PyDatetime && b instanceof PyDatetime))) {
    return new PyTimedelta((timeOf(a) - timeOf(b)) * 1000);
  }
  throw new TypeError(`unsupported operand type(s) for ${op}: '${pythonTypeName(a)}' and '${pythonTypeName(b)}'`);
}

/** The order of two dates or two timedeltas (negative, zero, positive), or undefined for other values. */
export function temporalOrder(a: unknown, b: unknown): number | undefined {
  if ((a instanceof PyDate && b instanceof PyDate) || (a instanceof PyTimedelta && b instanceof PyTimedelta)) return Number(a) - Number(b);
  return undefined;
}

/** `timedelta * n`. */
export function scaleTimedelta(a: unknown, b: unknown): PyTimedelta | undefined {
  if (a instanceof PyTimedelta && typeof b === 'number') return new PyTimedelta(a.totalMicroseconds * b);
  if (b instanceof PyTimedelta && typeof a === 'number') return new PyTimedelta(b.totalMicroseconds * a);
  return undefined;
}

/** `datetime.fromisoformat`: `2024-01-31`, `2024-01-31T12:30[:45[.123456]]`, with `Z` or `+01:00`. */
function datetimeFromIso(text: unknown): PyDatetime {
  const t = String(text);
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(t);
  if (!m) throw new Error(`ValueError: Invalid isoformat string: '${t}'`);
  const date = new PyDate(Number(m[1]), Number(m[2]), Number(m[3]));
  return atTime(date, Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), Number((m[7] ?? '0').padEnd(6, '0')), offsetMinutes(m[8]));
}

/** `modules.datetime`. */
export function datetimeModule(clock: () => Date): Record<string, unknown> {
  const date = Object.assign((...args: unknown[]) => {
    const k = bindArgs(args, ['year', 'month', 'day']);
    return new PyDate(Number(k['year']), Number(k['month']), Number(k['day']));
  }, { today: () => PyDate.fromTime(clock().getTime()), fromisoformat: PyDate.fromisoformat });
  const now = () => new PyDatetime(clock());
  const datetime = Object.assign(makeDatetime, { now, utcnow: now, strptime, fromisoformat: datetimeFromIso });
  return { date, datetime, timedelta: PyTimedelta.of };
}
