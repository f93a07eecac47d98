/**
 * The ground truth adds up, and every mart recomputed here from the files themselves (a second,
 * independent reading of the raw layouts by field position, following README "Definitions")
 * equals it within the documented tolerance.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { standardizeName, type GroundTruth, type Row } from '../../../scripts/generate/index.js';
import { entryLines, generate } from './helpers.js';

const SEEDS = join(import.meta.dirname, '../../../seeds');

function csv(name: string): string[][] {
  return readFileSync(join(SEEDS, name), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(?:,|$)/g)].map((m) => m[1]!.replace(/^"|"$/g, '').replace(/""/g, '"')).slice(0, 4));
}

const servicerSeed = new Map(csv('servicer_name_map.csv').map((r) => [r[0]!, r[1]!]));
const codeSeed = new Map(csv('code_map.csv').map((r) => [`${r[0]}|${r[1]}|${r[2]}`, r[3] ?? '']));

const miss = (s: string | undefined) => s === undefined || s === '' || s === 'NULL';
const num = (s: string | undefined, sentinel?: number) => {
  if (miss(s)) return null;
  const n = Number(s);
  return n === sentinel ? null : n;
};
const code = (dim: string, agency: string, s: string | undefined) => {
  if (miss(s)) return null;
  const v = codeSeed.get(`${dim}|${agency}|${s}`) ?? codeSeed.get(`${dim}|both|${s}`);
  return v ? v : null;
};
const name = (raw: string | null) => (raw === null ? null : (servicerSeed.get(raw) ?? standardizeName(raw)));
const dqMonths = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : null);
const quarterOf = (year: number, month: number) => `${year}Q${Math.floor((month - 1) / 3) + 1}`;

interface Loan {
  agency: string;
  id: string;
  quarter: string;
  state: string;
  vintage: number;
  upb: number;
  rate: number;
  ltv: number | null;
  dti: number | null;
  cs: number | null;
  fthb: string | null;
  purpose: string | null;
  ptype: string | null;
  channel: string | null;
  occupancy: string | null;
  borrowers: number | null;
  servicerRaw: string | null;
  csOutlier?: boolean | null;
}

interface Month {
  agency: string;
  id: string;
  year: number;
  month: number;
  dq: number | null;
  zb: string | null;
  servicer: string | null;
}

const MIN = { freddie_origination: 26, freddie_performance: 23, fannie_acquisition: 25, fannie_performance: 31, fannie_current: 108 } as const;

/** Reads the release like the SQL models will: by field position, dropping rows with too few fields. */
function read(out: string, gt: GroundTruth): { loans: Loan[]; months: Month[] } {
  const loans = new Map<string, Loan>();
  const months: Month[] = [];
  for (const e of gt.files) {
    const q = /(\d{4}Q[1-4])/.exec(e.member ?? e.file)![1]!;
    for (const line of entryLines(out, e.file, e.member)) {
      const f = line.split('|');
      if (f.length < MIN[e.layout]) continue;
      if (e.layout === 'freddie_origination') {
        loans.set(`freddie|${f[19]}`, {
          agency: 'freddie', id: f[19]!, quarter: q, state: f[16]!, vintage: Number(f[1]!.slice(0, 4)),
          upb: Number(f[10]), rate: Number(f[12]), ltv: num(f[11], 999), dti: num(f[9], 999), cs: num(f[0], 9999),
          fthb: code('first_time_homebuyer', 'freddie', f[2]), purpose: code('loan_purpose', 'freddie', f[20]),
          ptype: code('property_type', 'freddie', f[17]), channel: code('channel', 'freddie', f[13]),
          occupancy: code('occupancy', 'freddie', f[7]), borrowers: num(f[22], 99), servicerRaw: miss(f[24]) ? null : f[24]!,
        });
      } else if (e.layout === 'fannie_acquisition') {
        loans.set(`fannie|${f[0]}`, {
          agency: 'fannie', id: f[0]!, quarter: q, state: f[18]!, vintage: Number(f[7]!.slice(3)),
          upb: Number(f[4]), rate: Number(f[3]), ltv: num(f[8]), dti: num(f[11]), cs: num(f[12]),
          fthb: code('first_time_homebuyer', 'fannie', f[13]), purpose: code('loan_purpose', 'fannie', f[14]),
          ptype: code('property_type', 'fannie', f[15]), channel: code('channel', 'fannie', f[1]),
          occupancy: code('occupancy', 'fannie', f[17]), borrowers: num(f[10]), servicerRaw: null,
        });
      } else if (e.layout === 'fannie_current') {
        loans.set(`fannie|${f[1]}`, {
          agency: 'fannie', id: f[1]!, quarter: q, state: f[30]!, vintage: Number(f[14]!.slice(2)),
          upb: Number(f[9]), rate: Number(f[7]), ltv: num(f[19]), dti: num(f[22]), cs: num(f[23]),
          fthb: code('first_time_homebuyer', 'fannie', f[25]), purpose: code('loan_purpose', 'fannie', f[26]),
          ptype: code('property_type', 'fannie', f[27]), channel: code('channel', 'fannie', f[3]),
          occupancy: code('occupancy', 'fannie', f[29]), borrowers: num(f[21]), servicerRaw: null,
        });
        months.push({ agency: 'fannie', id: f[1]!, year: Number(f[2]!.slice(2)), month: Number(f[2]!.slice(0, 2)), dq: dqMonths(f[39]), zb: miss(f[43]) ? null : f[43]!, servicer: miss(f[5]) ? null : f[5]! });
      } else if (e.layout === 'freddie_performance') {
        months.push({ agency: 'freddie', id: f[0]!, year: Number(f[1]!.slice(0, 4)), month: Number(f[1]!.slice(4)), dq: dqMonths(f[3]), zb: miss(f[8]) ? null : f[8]!, servicer: null });
      } else {
        months.push({ agency: 'fannie', id: f[0]!, year: Number(f[1]!.slice(6)), month: Number(f[1]!.slice(0, 2)), dq: dqMonths(f[10]), zb: miss(f[12]) ? null : f[12]!, servicer: miss(f[2]) ? null : f[2]! });
      }
    }
  }
  // Fannie: the last non-empty servicer of the monthly history
  const ordered = [...months].sort((a, b) => a.year * 12 + a.month - (b.year * 12 + b.month));
  for (const m of ordered) if (m.servicer !== null && m.agency === 'fannie') loans.get(`fannie|${m.id}`)!.servicerRaw = m.servicer;
  // Tukey flag on credit score per agency and source quarter
  const groups = new Map<string, Loan[]>();
  for (const l of loans.values()) groups.set(`${l.agency}|${l.quarter}`, [...(groups.get(`${l.agency}|${l.quarter}`) ?? []), l]);
  for (const list of groups.values()) {
    const v = list.map((l) => l.cs).filter((x): x is number => x !== null).sort((a, b) => a - b);
    const cont = (p: number) => {
      const pos = p * (v.length - 1);
      const lo = v[Math.floor(pos)]!;
      return lo + (pos - Math.floor(pos)) * (v[Math.ceil(pos)]! - lo);
    };
    const q1 = cont(0.25);
    const q3 = cont(0.75);
    for (const l of list) l.csOutlier = l.cs === null ? null : l.cs < q1 - 1.5 * (q3 - q1) || l.cs > q3 + 1.5 * (q3 - q1);
  }
  return { loans: [...loans.values()], months };
}

function group<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    const list = m.get(k);
    if (list) list.push(t);
    else m.set(k, [t]);
  }
  return m;
}
const avg = (xs: Array<number | null>) => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
};

function recompute(loans: Loan[], monthRows: Month[]) {
  const byLoan = group(monthRows, (m) => `${m.agency}|${m.id}`);
  const outcome = (l: Loan) => {
    const ms = (byLoan.get(`${l.agency}|${l.id}`) ?? []).sort((a, b) => a.year * 12 + a.month - (b.year * 12 + b.month));
    const dq = ms.map((m) => m.dq).filter((x): x is number => x !== null);
    const zbs = ms.map((m) => m.zb).filter((x): x is string => x !== null);
    const zb = zbs[zbs.length - 1] ?? null;
    return { ever90: dq.length > 0 && Math.max(...dq) >= 3, isDefault: ['02', '03', '09', '15'].includes(zb ?? ''), isPrepaid: zb === '01' };
  };
  const state = new Map(loans.map((l) => [`${l.agency}|${l.id}`, l.state]));
  const origination: Row[] = [...group(loans, (l) => `${l.state}|${l.agency}|${l.vintage}`).values()].map((ls) => ({
    property_state: ls[0]!.state, agency: ls[0]!.agency, vintage_year: ls[0]!.vintage, loan_count: ls.length,
    total_orig_upb: ls.reduce((a, l) => a + l.upb, 0), avg_orig_upb: avg(ls.map((l) => l.upb)), avg_credit_score: avg(ls.map((l) => l.cs)),
    avg_orig_ltv: avg(ls.map((l) => l.ltv)), avg_dti: avg(ls.map((l) => l.dti)), avg_orig_interest_rate: avg(ls.map((l) => l.rate)),
    first_time_homebuyer_share: (() => {
      const y = ls.filter((l) => l.fthb === 'Y').length;
      const n = ls.filter((l) => l.fthb === 'N').length;
      return y + n === 0 ? null : y / (y + n);
    })(),
    credit_score_outlier_count: ls.filter((l) => l.csOutlier === true).length, credit_score_imputed_count: ls.filter((l) => l.cs === null).length,
  }));
  const dims: Row[] = [];
  for (const [dimension, pick] of [
    ['loan_purpose', (l: Loan) => l.purpose], ['first_time_homebuyer', (l: Loan) => l.fthb], ['property_type', (l: Loan) => l.ptype],
    ['channel', (l: Loan) => l.channel], ['occupancy', (l: Loan) => l.occupancy], ['num_borrowers', (l: Loan) => l.borrowers],
  ] as const) {
    for (const ls of group(loans, (l) => `${l.state}|${l.agency}|${pick(l) ?? 'unknown'}`).values()) {
      dims.push({ property_state: ls[0]!.state, agency: ls[0]!.agency, dimension, value: String(pick(ls[0]!) ?? 'unknown'), loan_count: ls.length });
    }
  }
  const perf: Row[] = [...group(monthRows, (m) => `${state.get(`${m.agency}|${m.id}`)}|${m.agency}|${quarterOf(m.year, m.month)}`).values()].map((ms) => {
    const dq60 = ms.filter((m) => m.dq !== null && m.dq >= 2).length;
    return {
      property_state: state.get(`${ms[0]!.agency}|${ms[0]!.id}`)!, agency: ms[0]!.agency, period_quarter: quarterOf(ms[0]!.year, ms[0]!.month),
      loans_observed: new Set(ms.map((m) => m.id)).size, loan_months: ms.length, dq60_plus_loan_months: dq60, dq60_plus_rate: dq60 / ms.length,
      prepayments: ms.filter((m) => m.zb === '01').length, defaults: ms.filter((m) => ['02', '03', '09', '15'].includes(m.zb ?? '')).length,
    };
  });
  const vintage: Row[] = [...group(loans, (l) => `${l.agency}|${l.vintage}|${l.state}`).values()].map((ls) => {
    const o = ls.map(outcome);
    return {
      agency: ls[0]!.agency, vintage_year: ls[0]!.vintage, property_state: ls[0]!.state, loans: ls.length,
      ever_90dpd_rate: o.filter((x) => x.ever90).length / ls.length, default_rate: o.filter((x) => x.isDefault).length / ls.length,
      prepay_rate: o.filter((x) => x.isPrepaid).length / ls.length,
    };
  });
  const servicers: Row[] = [...group(loans, (l) => `${name(l.servicerRaw) ?? 'unknown'}|${l.agency}`).values()].map((ls) => ({
    servicer_name: name(ls[0]!.servicerRaw) ?? 'unknown', agency: ls[0]!.agency, loan_count: ls.length,
    total_orig_upb: ls.reduce((a, l) => a + l.upb, 0), avg_credit_score: avg(ls.map((l) => l.cs)),
    states_served: new Set(ls.map((l) => l.state)).size, ever_90dpd_rate: ls.map(outcome).filter((x) => x.ever90).length / ls.length,
  }));
  return { state_origination_summary: origination, state_dimension_counts: dims, state_performance_quarterly: perf, vintage_outcomes: vintage, servicer_scorecard: servicers };
}

const GRAIN: Record<keyof GroundTruth['marts'], string[]> = {
  state_origination_summary: ['property_state', 'agency', 'vintage_year'],
  state_dimension_counts: ['property_state', 'agency', 'dimension', 'value'],
  state_performance_quarterly: ['property_state', 'agency', 'period_quarter'],
  vintage_outcomes: ['agency', 'vintage_year', 'property_state'],
  servicer_scorecard: ['servicer_name', 'agency'],
};

/** Rows equal by grain; numbers within the ground truth's relative tolerance. */
function expectSameRows(mart: string, actual: Row[], expected: Row[], grain: string[], tolerance: number) {
  const key = (r: Row) => grain.map((g) => String(r[g])).join('|');
  const want = new Map(expected.map((r) => [key(r), r]));
  expect(new Set(actual.map(key)), mart).toEqual(new Set(want.keys()));
  for (const r of actual) {
    const e = want.get(key(r))!;
    expect(Object.keys(r).sort(), mart).toEqual(Object.keys(e).sort());
    for (const [k, v] of Object.entries(r)) {
      const w = e[k];
      if (typeof v === 'number' && typeof w === 'number') {
        expect(Math.abs(v - w) <= tolerance * Math.max(Math.abs(v), Math.abs(w)), `${mart} ${key(r)} ${k}: ${v} vs ${w}`).toBe(true);
      } else expect(v, `${mart} ${key(r)} ${k}`).toEqual(w);
    }
  }
}

function sumBy(rows: Row[], agency: string, col: string, where: (r: Row) => boolean = () => true): number {
  return rows.filter((r) => r.agency === agency && where(r)).reduce((a, r) => a + (r[col] as number), 0);
}

describe.each([
  ['legacy', { quarters: '2019Q3:2020Q2', loansPerQuarter: 300 }],
  ['current, zipped', { quarters: '2020Q1:2020Q3', loansPerQuarter: 300, format: 'current' as const, zip: true }],
])('ground truth (%s)', (_label, options) => {
  let out: string;
  let gt: GroundTruth;
  let parsed: { loans: Loan[]; months: Month[] };

  it('generates', async () => {
    const r = await generate(options);
    out = r.out;
    gt = r.groundTruth;
    expect(JSON.parse(readFileSync(join(out, 'ground_truth.json'), 'utf8'))).toEqual(gt);
    parsed = read(out, gt);
  });

  it('counts add up across layers and marts', () => {
    const c = gt.counts;
    const m = gt.marts;
    for (const a of ['fannie', 'freddie'] as const) {
      const loans = c.clean_loans[a];
      expect(loans).toBeGreaterThan(0);
      expect(c.raw_distinct_loans[a]).toBe(loans);
      expect(parsed.loans.filter((l) => l.agency === a).length).toBe(loans);
      expect(parsed.months.filter((x) => x.agency === a).length).toBe(c.clean_loan_months[a]);
      expect(sumBy(m.state_origination_summary, a, 'loan_count')).toBe(loans);
      expect(sumBy(m.vintage_outcomes, a, 'loans')).toBe(loans);
      expect(sumBy(m.servicer_scorecard, a, 'loan_count')).toBe(loans);
      for (const d of ['loan_purpose', 'first_time_homebuyer', 'property_type', 'channel', 'occupancy', 'num_borrowers']) {
        expect(sumBy(m.state_dimension_counts, a, 'loan_count', (r) => r.dimension === d), d).toBe(loans);
      }
      expect(sumBy(m.state_performance_quarterly, a, 'loan_months')).toBe(c.clean_loan_months[a]);
      expect(sumBy(m.state_origination_summary, a, 'total_orig_upb')).toBe(sumBy(m.servicer_scorecard, a, 'total_orig_upb'));
      expect(sumBy(m.state_origination_summary, a, 'credit_score_imputed_count')).toBe(c.credit_score_imputed[a]);
      expect(c.clean_loan_outcomes[a]).toBeLessThanOrEqual(loans);
    }
    const raw = c.raw_rows;
    expect(raw.freddie_origination).toBe(c.clean_loans.freddie);
    expect(raw.freddie_performance).toBe(c.clean_loan_months.freddie);
    if (gt.generator.format === 'legacy') {
      expect(raw.fannie_acquisition).toBe(c.clean_loans.fannie);
      expect(raw.fannie_performance).toBe(c.clean_loan_months.fannie);
    } else expect(raw.fannie_current).toBe(c.clean_loan_months.fannie);
    const quarantined = Object.values(c.raw_quarantined).reduce((a, b) => a + b, 0);
    expect(quarantined).toBe(gt.malformed_rows.length);
    for (const e of gt.files) expect(e.rows_loaded + e.malformed_lines.length).toBe(e.lines);
  });

  it('every mart recomputed from the files equals the ground truth', () => {
    const again = recompute(parsed.loans, parsed.months);
    for (const mart of Object.keys(GRAIN) as Array<keyof typeof GRAIN>) {
      expectSameRows(mart, again[mart], gt.marts[mart], GRAIN[mart], gt.tolerance.relative);
    }
  });
});
