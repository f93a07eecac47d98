/**
 * The real-world mess is in the generated files: sentinels, blanks, NULL strings, floats for
 * integers, servicer spellings (double spaces, unmapped ones), outliers, REO and unknown statuses,
 * zero balance codes, and a few malformed rows exactly where the ground truth says.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GroundTruth } from '../../../scripts/generate/index.js';
import { entryLines, generate } from './helpers.js';

let out: string;
let gt: GroundTruth;
/** Rows (split on `|`) of every well-formed line, per layout. */
const rows: Record<string, string[][]> = {};

beforeAll(async () => {
  const r = await generate({ quarters: '2019Q1:2020Q2', loansPerQuarter: 1500, seed: 42 });
  out = r.out;
  gt = r.groundTruth;
  for (const e of gt.files) {
    const bad = new Set(e.malformed_lines);
    const list = (rows[e.layout] ??= []);
    entryLines(out, e.file, e.member).forEach((line, i) => {
      if (!bad.has(i + 1)) list.push(line.split('|'));
    });
  }
});

const col = (layout: string, i: number) => rows[layout]!.map((r) => r[i]);
const some = (values: Array<string | undefined>, pred: (v: string) => boolean) => values.some((v) => v !== undefined && pred(v));

describe('Freddie origination', () => {
  const L = 'freddie_origination';
  it('sentinels: 9999 credit score, 999 CLTV/DTI/MI %, 99 units/borrowers/property type, 9 flags', () => {
    expect(some(col(L, 0), (v) => v === '9999')).toBe(true);
    expect(some(col(L, 8), (v) => v === '999')).toBe(true);
    expect(some(col(L, 9), (v) => v === '999')).toBe(true);
    expect(some(col(L, 5), (v) => v === '999')).toBe(true);
    expect(some([...col(L, 6), ...col(L, 22), ...col(L, 17)], (v) => v === '99')).toBe(true);
    for (const i of [2, 13]) expect(some(col(L, i), (v) => v === '9'), `field ${i + 1}`).toBe(true);
    expect(some(col(L, 0), (v) => Number(v) > 850 && v !== '9999')).toBe(false);
  });

  it('blanks, NULL strings and floats for integers', () => {
    expect(some(col(L, 4), (v) => v === '')).toBe(true);
    expect(rows[L]!.some((r) => r.includes('NULL'))).toBe(true);
    const ints = [0, 6, 8, 9, 11, 21, 22].flatMap((i) => col(L, i));
    expect(some(ints, (v) => /^\d+\.0$/.test(v))).toBe(true);
  });

  it('masked lenders and real spellings, the two-space one included', () => {
    expect(some(col(L, 23), (v) => v === 'Other sellers')).toBe(true);
    expect(some(col(L, 24), (v) => v === 'Other servicers')).toBe(true);
    expect(some([...col(L, 23), ...col(L, 24)], (v) => v === 'WELLS FARGO BANK,  NA')).toBe(true);
  });
});

describe('Fannie legacy', () => {
  it('acquisition: blank credit scores and DTIs, U flags, OTHER seller', () => {
    const L = 'fannie_acquisition';
    expect(some(col(L, 12), (v) => v === '')).toBe(true);
    expect(some(col(L, 11), (v) => v === '')).toBe(true);
    expect(some(col(L, 13), (v) => v === 'U')).toBe(true);
    expect(some(col(L, 2), (v) => v === 'OTHER')).toBe(true);
  });

  it('performance: servicer only on the first row and on changes, NULL strings, floats, unknown statuses', () => {
    const L = 'fannie_performance';
    const byLoan = new Map<string, string[][]>();
    for (const r of rows[L]!) {
      const list = byLoan.get(r[0]!) ?? [];
      list.push(r);
      byLoan.set(r[0]!, list);
    }
    let named = 0;
    let transferred = 0;
    for (const list of byLoan.values()) {
      const names = list.filter((r) => r[2] !== '' && r[2] !== 'NULL').length;
      if (names > 0) named++;
      if (names > 1) transferred++;
      if (list.length >= 3) expect(names).toBeLessThan(list.length);
    }
    expect(named).toBeGreaterThan(byLoan.size * 0.9);
    expect(transferred).toBeGreaterThan(0);
    expect(some(col(L, 2), (v) => v === 'NULL')).toBe(true);
    expect(some(col(L, 5), (v) => /^\d+\.0$/.test(v))).toBe(true);
    expect(some(col(L, 10), (v) => v === 'X')).toBe(true);
    expect(some(col(L, 10), (v) => v === '-2')).toBe(true);
  });
});

describe('monthly histories', () => {
  it('delinquencies, prepayments (01), defaults (02/03/09/15), REO statuses RA and R, unknown XX', () => {
    const statuses = [...col('freddie_performance', 3)];
    expect(some(statuses, (v) => v === 'RA' || v === 'R')).toBe(true);
    expect(some(statuses, (v) => v === 'XX')).toBe(true);
    expect(some(statuses, (v) => Number(v) >= 3)).toBe(true);
    const zb = [...col('freddie_performance', 8), ...col('fannie_performance', 12)];
    expect(some(zb, (v) => v === '01')).toBe(true);
    expect(some(zb, (v) => ['02', '03', '09', '15'].includes(v))).toBe(true);
  });
});

describe('names, outliers, imputation', () => {
  it('lists the spellings with no exact seed match, and they are in the files', () => {
    const seed = readFileSync(join(import.meta.dirname, '../../../seeds/servicer_name_map.csv'), 'utf8');
    expect(gt.unmapped_names.servicer.length).toBeGreaterThan(0);
    for (const name of [...gt.unmapped_names.servicer, ...gt.unmapped_names.seller]) {
      expect(seed.includes(`${name}\n`) || seed.includes(`"${name}"`), name).toBe(false);
    }
    const all = [...col('freddie_origination', 24), ...col('fannie_performance', 2)];
    expect(all).toContain(gt.unmapped_names.servicer[0]);
  });

  it('has credit score outliers and imputed credit scores in both agencies', () => {
    for (const a of ['fannie', 'freddie'] as const) {
      expect(gt.counts.credit_score_outliers[a]).toBeGreaterThan(0);
      expect(gt.counts.credit_score_imputed[a]).toBeGreaterThan(0);
    }
  });
});

describe('malformed rows', () => {
  it('are at the recorded lines, few per file, with too few fields', () => {
    const minFields: Record<string, number> = { freddie_origination: 26, freddie_performance: 23, fannie_acquisition: 25, fannie_performance: 31 };
    expect(gt.malformed_rows.length).toBeGreaterThan(0);
    for (const e of gt.files) expect(e.malformed_lines.length).toBeLessThanOrEqual(2);
    for (const m of gt.malformed_rows) {
      const lines = entryLines(out, m.file, m.member);
      const line = lines[m.line - 1]!;
      expect(line.split('|').length, `${m.file}:${m.line}`).toBe(m.fields);
      expect(m.fields).toBeLessThan(minFields[m.layout]!);
      // a damaged copy of the row before it
      const previous = lines[m.line - 2]!;
      if (m.kind === 'truncated') expect(previous.startsWith(line)).toBe(true);
      else expect(line).toBe(previous.split('|').join(','));
    }
    const entry = gt.files[0]!;
    expect(entry.lines - entry.malformed_lines.length).toBe(entry.rows_loaded);
  });
});
