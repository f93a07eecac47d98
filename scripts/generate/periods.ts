/**
 * Months and quarters as small integers, and the date spellings of each layout.
 * A month index is year * 12 + (month - 1); a quarter index is year * 4 + (quarter - 1).
 */

export type Month = number;
export type Quarter = number;

export function parseQuarter(text: string): Quarter {
  const m = /^(\d{4})Q([1-4])$/.exec(text.trim());
  if (!m) throw new Error(`not a quarter: ${JSON.stringify(text)} (expected YYYYQn, e.g. 2019Q1)`);
  return Number(m[1]) * 4 + Number(m[2]) - 1;
}

export function quarterName(q: Quarter): string {
  return `${Math.floor(q / 4)}Q${(q % 4) + 1}`;
}

/** `2019Q1:2020Q4` (or a single quarter) → the quarters, inclusive. */
export function parseQuarterRange(text: string): Quarter[] {
  const [a, b = a] = text.split(':');
  const from = parseQuarter(a ?? '');
  const to = parseQuarter(b ?? '');
  if (to < from) throw new Error(`quarter range ${text} ends before it starts`);
  const out: Quarter[] = [];
  for (let q = from; q <= to; q++) out.push(q);
  return out;
}

export const monthOf = (year: number, month1: number): Month => year * 12 + month1 - 1;
export const yearOfMonth = (m: Month): number => Math.floor(m / 12);
export const month1Of = (m: Month): number => (m % 12) + 1;
export const quarterOfMonth = (m: Month): Quarter => yearOfMonth(m) * 4 + Math.floor((m % 12) / 3);
export const firstMonthOfQuarter = (q: Quarter): Month => Math.floor(q / 4) * 12 + (q % 4) * 3;
export const lastMonthOfQuarter = (q: Quarter): Month => firstMonthOfQuarter(q) + 2;

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** Cached spellings per month: the generator formats tens of millions of dates. */
class MonthFormats {
  private readonly cache = new Map<Month, readonly [string, string, string, string, string]>();

  private get(m: Month): readonly [string, string, string, string, string] {
    let f = this.cache.get(m);
    if (!f) {
      const y = yearOfMonth(m);
      const mm = pad2(month1Of(m));
      f = [`${y}${mm}`, `${mm}/${y}`, `${mm}/01/${y}`, `${mm}${y}`, `${y}-${mm}-01`];
      this.cache.set(m, f);
    }
    return f;
  }

  /** Freddie: `YYYYMM`. */
  yyyymm(m: Month): string {
    return this.get(m)[0];
  }
  /** Fannie legacy dates: `MM/YYYY`. */
  mmSlashYyyy(m: Month): string {
    return this.get(m)[1];
  }
  /** Fannie legacy reporting period: `MM/01/YYYY`. */
  mmDdYyyy(m: Month): string {
    return this.get(m)[2];
  }
  /** Fannie current layout: `MMYYYY`. */
  mmyyyy(m: Month): string {
    return this.get(m)[3];
  }
  /** ISO date of the first of the month (ground truth). */
  iso(m: Month): string {
    return this.get(m)[4];
  }
}

export const fmt = new MonthFormats();
