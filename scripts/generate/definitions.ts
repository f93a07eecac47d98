/**
 * The staging and cleaning rules, in TypeScript: what a raw text value means once the SQL models
 * have typed it. The ground truth applies these to the exact strings written to the files, so it
 * states what the SQL must produce (see README.md, "Definitions").
 */
import type { ServicerMapEntry } from './reference.js';

export type Agency = 'fannie' | 'freddie';

/** Missing in every layout: the empty string and the literal string `NULL`. */
export function isMissing(s: string | undefined): s is undefined | '' | 'NULL' {
  return s === undefined || s === '' || s === 'NULL';
}

/**
 * A number as the staging models read it: missing → NULL; integers written as floats (`4.0`)
 * accepted; a value equal to one of the sentinels → NULL.
 */
export function toNumber(s: string | undefined, sentinel?: number): number | null {
  if (isMissing(s)) return null;
  const n = Number(s);
  if (!Number.isFinite(n)) return null;
  if (sentinel !== undefined && n === sentinel) return null;
  return n;
}

/** Freddie's sentinels (Fannie has none; its missing values are blanks). */
export const FREDDIE_SENTINEL = {
  creditScore: 9999,
  ltv: 999,
  cltv: 999,
  dti: 999,
  miPct: 999,
  units: 99,
  borrowers: 99,
} as const;

export type CodeDimension = 'channel' | 'property_type' | 'occupancy' | 'loan_purpose' | 'first_time_homebuyer';

/**
 * A code through seeds/code_map.csv: the row for (dimension, agency, code), else (dimension,
 * 'both', code); an empty value (e.g. Freddie `9`, Fannie `U`) and a missing or unknown code → NULL.
 */
export function mapCode(codeMap: Map<string, string>, dim: CodeDimension, agency: Agency, raw: string | undefined): string | null {
  if (isMissing(raw)) return null;
  const v = codeMap.get(`${dim}|${agency}|${raw}`) ?? codeMap.get(`${dim}|both|${raw}`);
  return v === undefined || v === '' ? null : v;
}

/**
 * Delinquency status → months delinquent and REO flag: a non-negative integer (`0`, `3`, `03`) is
 * the months; `RA` and `R` are REO (months NULL, is_reo TRUE); `X`, `XX`, negative numbers, blanks
 * and `NULL` → months NULL, is_reo FALSE.
 */
export function parseStatus(s: string | undefined): { months: number | null; reo: boolean } {
  if (isMissing(s)) return { months: null, reo: false };
  if (s === 'RA' || s === 'R') return { months: null, reo: true };
  if (/^\d+$/.test(s)) return { months: Number(s), reo: false };
  return { months: null, reo: false };
}

/** Month index (year * 12 + month - 1) from each layout's date spelling; NULL when missing. */
export function parseYyyymm(s: string | undefined): number | null {
  if (isMissing(s) || !/^\d{6}$/.test(s)) return null;
  return Number(s.slice(0, 4)) * 12 + Number(s.slice(4, 6)) - 1;
}
export function parseMmSlashYyyy(s: string | undefined): number | null {
  const m = isMissing(s) ? null : /^(\d{2})\/(\d{4})$/.exec(s);
  return m ? Number(m[2]) * 12 + Number(m[1]) - 1 : null;
}
export function parseMmDdYyyy(s: string | undefined): number | null {
  const m = isMissing(s) ? null : /^(\d{2})\/\d{2}\/(\d{4})$/.exec(s);
  return m ? Number(m[2]) * 12 + Number(m[1]) - 1 : null;
}
export function parseMmyyyy(s: string | undefined): number | null {
  const m = isMissing(s) ? null : /^(\d{2})(\d{4})$/.exec(s);
  return m ? Number(m[2]) * 12 + Number(m[1]) - 1 : null;
}

/** The same pattern works in PostgreSQL: regexp_replace(s, '( (NATIONAL ASSOCIATION|...|LP))+$', ''). */
export const SUFFIX_RE = /( (NATIONAL ASSOCIATION|CORPORATION|COMPANY|CORP|INC|LLC|FSB|NA|LP))+$/;

/**
 * standardize_name(): upper case; delete `.` and `'`; every other character outside A-Z and 0-9
 * becomes a space; collapse runs of spaces and trim; strip the trailing run of corporate suffix
 * words (NATIONAL ASSOCIATION, CORPORATION, COMPANY, CORP, INC, LLC, FSB, NA, LP) that follows a
 * space (so the first word is never stripped); '' → NULL.
 */
export function standardizeName(raw: string | undefined): string | null {
  if (isMissing(raw)) return null;
  let s = raw.toUpperCase().replace(/[.']/g, '');
  s = s.replace(/[^A-Z0-9]+/g, ' ').trim();
  s = s.replace(SUFFIX_RE, '');
  return s === '' ? null : s;
}

/** A seller or servicer name: the seed's standard_name on an exact raw_name match, else standardize_name(). */
export function resolveName(map: Map<string, ServicerMapEntry>, raw: string | undefined): string | null {
  if (isMissing(raw)) return null;
  const hit = map.get(raw);
  return hit ? hit.standardName : standardizeName(raw);
}

/** PostgreSQL's percentile_cont over sorted non-NULL values (linear interpolation, float8). */
export function percentileCont(sorted: ArrayLike<number>, p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const pos = p * (n - 1);
  const first = Math.floor(pos);
  const second = Math.ceil(pos);
  const lo = sorted[first] as number;
  if (first === second) return lo;
  const hi = sorted[second] as number;
  return lo + (pos - first) * (hi - lo);
}

/** PostgreSQL's percentile_disc: the value at 1-based position ceil(p * n) (at least 1). */
export function percentileDisc(sorted: ArrayLike<number>, p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const row = Math.max(1, Math.ceil(p * n));
  return sorted[row - 1] as number;
}

export interface Fences {
  lo: number;
  hi: number;
}

/** Tukey fences [q1 − k·(q3 − q1), q3 + k·(q3 − q1)], computed in that order, in float8. */
export function tukeyFences(values: number[], k = 1.5): Fences | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const q1 = percentileCont(sorted, 0.25) as number;
  const q3 = percentileCont(sorted, 0.75) as number;
  return { lo: q1 - k * (q3 - q1), hi: q3 + k * (q3 - q1) };
}

export function isOutlier(v: number | null, f: Fences | null): boolean | null {
  if (v === null || f === null) return null;
  return v < f.lo || v > f.hi;
}

export function median(values: number[]): number | null {
  return percentileDisc(Float64Array.from(values).sort(), 0.5);
}

/** Zero balance codes: prepaid, and the defaults (third-party sale, short sale, deed-in-lieu/REO, note sale). */
export const PREPAID_CODES: ReadonlySet<string> = new Set(['01']);
export const DEFAULT_CODES: ReadonlySet<string> = new Set(['02', '03', '09', '15']);

export const quarterLabel = (monthIndex: number): string =>
  `${Math.floor(monthIndex / 12)}Q${Math.floor((monthIndex % 12) / 3) + 1}`;
