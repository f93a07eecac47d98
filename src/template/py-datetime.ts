/**
 * `run_started_at` as dbt gives it: a datetime (UTC), so `run_started_at.strftime('%Y%m%d')`,
 * `.isoformat()`, `.year` and `.date()` work. Printed (`{{ run_started_at }}`, `~`, `tojson`) it is
 * the ISO 8601 text strata always printed (`2026-11-21T23:17:38.123Z`), which PostgreSQL reads as
 * a timestamptz; dbt prints Python's `2026-11-21 23:17:38.123000+00:00`, which it reads the same.
 * It is a String of that text too, so what templates did with the text before (`[:10]`,
 * `| replace('T', ' ')`, `| length`, `.split('T')`) still works. Every text it gives out is kept
 * (`printed`), so a model's SQL can be compared without the run's values (src/run/per-run-values.ts).
 */

import { PyDate } from './py-dates.js';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
/** The months' names, as `%B` prints them (`%b`: their first three letters); strptime reads them too (py-dates.ts). */
export const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** `n` with leading zeros to `width` digits, as strftime's `%m`, `%d`, `%f` print. */
export const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export class PyDatetime extends String {
  /** The texts this value printed through its methods (strftime, isoformat, date), for masking. */
  readonly printed = new Set<string>();

  readonly #when: Date;

  constructor(when: Date) {
    super(when.toISOString());
    this.#when = when;
  }

  #gave(text: string): string {
    this.printed.add(text);
    return text;
  }

  get year(): number {
    return this.#when.getUTCFullYear();
  }
  get month(): number {
    return this.#when.getUTCMonth() + 1;
  }
  get day(): number {
    return this.#when.getUTCDate();
  }
  get hour(): number {
    return this.#when.getUTCHours();
  }
  get minute(): number {
    return this.#when.getUTCMinutes();
  }
  get second(): number {
    return this.#when.getUTCSeconds();
  }
  get microsecond(): number {
    return this.#when.getUTCMilliseconds() * 1000;
  }

  /** Python's strftime directives (UTC; `%z` is +0000, `%Z` UTC). An unknown one is kept as written. */
  strftime(format: unknown): string {
    const d = this.#when;
    const dayOfYear = Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
    const hour12 = d.getUTCHours() % 12 || 12;
    const values: Record<string, string> = {
      Y: String(d.getUTCFullYear()), y: pad(d.getUTCFullYear() % 100), m: pad(d.getUTCMonth() + 1), d: pad(d.getUTCDate()),
      H: pad(d.getUTCHours()), I: pad(hour12), M: pad(d.getUTCMinutes()), S: pad(d.getUTCSeconds()), f: pad(d.getUTCMilliseconds() * 1000, 6),
      j: pad(dayOfYear, 3), a: DAYS[d.getUTCDay()]!.slice(0, 3), A: DAYS[d.getUTCDay()]!, b: MONTHS[d.getUTCMonth()]!.slice(0, 3),
      B: MONTHS[d.getUTCMonth()]!, p: d.getUTCHours() < 12 ? 'AM' : 'PM', z: '+0000', Z: 'UTC', w: String(d.getUTCDay()), '%': '%',
    };
    return this.#gave(String(format).replace(/%([a-zA-Z%])/g, (all, c: string) => values[c] ?? all));
  }

  /** Python's isoformat: `2026-11-21T23:17:38.123000+00:00`. */
  isoformat(): string {
    return this.#gave(`${this.strftime('%Y-%m-%dT%H:%M:%S.%f')}+00:00`);
  }

  /** The date part (py-dates.ts), printed as `2026-11-21`. */
  date(): PyDate {
    this.strftime('%Y-%m-%d'); // kept in `printed`, as the date prints
    return PyDate.fromTime(this.#when.getTime());
  }

  /** Seconds since the epoch, as Python's timestamp(). */
  timestamp(): number {
    return this.#when.getTime() / 1000;
  }

  override toString(): string {
    return this.#when.toISOString();
  }

  override valueOf(): string {
    return this.#when.toISOString();
  }

  toJSON(): string {
    return this.#when.toISOString();
  }
}
