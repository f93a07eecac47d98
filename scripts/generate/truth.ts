/**
 * The ground truth: every mart's expected rows, computed from the generated records (the clean
 * values of exactly the strings written), independently of any SQL. Monthly rows are aggregated as
 * they are generated, so memory stays proportional to the loans of one quarter.
 */
import {
  DEFAULT_CODES,
  isMissing,
  isOutlier,
  median,
  PREPAID_CODES,
  quarterLabel,
  resolveName,
  tukeyFences,
  type Agency,
} from './definitions.js';
import type { LayoutId } from './layouts.js';
import type { CleanLoan } from './origination.js';
import type { Reference } from './reference.js';

/** A clean.loans row with the partition statistics applied and names standardized. */
export interface FinalLoan extends CleanLoan {
  sellerName: string | null;
  servicerName: string | null;
  creditScoreFilled: number | null;
  creditScoreIsImputed: boolean;
  creditScoreIsOutlier: boolean | null;
  dtiIsOutlier: boolean | null;
  origUpbIsOutlier: boolean | null;
}

export type PartitionedLoan = Omit<FinalLoan, 'sellerName' | 'servicerName'>;

/**
 * Imputation and Tukey flags over one partition (agency, source quarter): the loans of one file.
 * Returns the loans in the same order, names not yet resolved (servicer may come later).
 */
export function applyPartition(loans: CleanLoan[]): PartitionedLoan[] {
  const cs: number[] = [];
  const dti: number[] = [];
  const upb: number[] = [];
  for (const l of loans) {
    if (l.creditScore !== null) cs.push(l.creditScore);
    if (l.dti !== null) dti.push(l.dti);
    if (l.origUpb !== null) upb.push(l.origUpb);
  }
  const csFences = tukeyFences(cs);
  const dtiFences = tukeyFences(dti);
  const upbFences = tukeyFences(upb);
  const csMedian = median(cs);
  // the records are extended in place (no copies: a quarter can hold millions of loans)
  return loans.map((l) => {
    const p = l as PartitionedLoan;
    p.creditScoreFilled = l.creditScore ?? csMedian;
    p.creditScoreIsImputed = l.creditScore === null;
    p.creditScoreIsOutlier = isOutlier(l.creditScore, csFences);
    p.dtiIsOutlier = isOutlier(l.dti, dtiFences);
    p.origUpbIsOutlier = isOutlier(l.origUpb, upbFences);
    return p;
  });
}

/** One loan's monthly rows, aggregated as they are generated (clean.loan_outcomes plus the quarterly mart). */
export class LoanMonths {
  firstPeriod = -1;
  lastPeriod = -1;
  monthsObserved = 0;
  maxMonthsDelinquent: number | null = null;
  zeroBalanceCode: string | null = null;
  private cell: PerfCell | null = null;
  private cellQuarter = -1;

  constructor(
    private readonly truth: Truth,
    private readonly agency: Agency,
    private readonly state: string | null,
  ) {}

  /** One clean.loan_months row: period (month index), months delinquent, zero balance code as written. */
  add(period: number, monthsDelinquent: number | null, zeroBalanceRaw: string): void {
    if (this.monthsObserved === 0) this.firstPeriod = period;
    this.lastPeriod = period;
    this.monthsObserved++;
    if (monthsDelinquent !== null && (this.maxMonthsDelinquent === null || monthsDelinquent > this.maxMonthsDelinquent)) {
      this.maxMonthsDelinquent = monthsDelinquent;
    }
    const zb = isMissing(zeroBalanceRaw) ? null : zeroBalanceRaw;
    if (zb !== null) this.zeroBalanceCode = zb;
    this.truth.loanMonths[this.agency]++;

    const q = Math.floor(period / 3);
    if (q !== this.cellQuarter || this.cell === null) {
      this.cellQuarter = q;
      this.cell = this.truth.perfCell(this.state, this.agency, quarterLabel(period));
      this.cell.loans_observed++;
    }
    const c = this.cell;
    c.loan_months++;
    if (monthsDelinquent !== null && monthsDelinquent >= 2) c.dq60_plus_loan_months++;
    if (zb !== null && PREPAID_CODES.has(zb)) c.prepayments++;
    if (zb !== null && DEFAULT_CODES.has(zb)) c.defaults++;
  }
}

interface PerfCell {
  property_state: string | null;
  agency: Agency;
  period_quarter: string;
  loans_observed: number;
  loan_months: number;
  dq60_plus_loan_months: number;
  prepayments: number;
  defaults: number;
}

class Avg {
  sum = 0;
  n = 0;
  add(v: number | null): void {
    if (v !== null) {
      this.sum += v;
      this.n++;
    }
  }
  get value(): number | null {
    return this.n === 0 ? null : this.sum / this.n;
  }
  get total(): number | null {
    return this.n === 0 ? null : this.sum;
  }
}

interface OriginationCell {
  property_state: string | null;
  agency: Agency;
  vintage_year: number | null;
  loans: number;
  upb: Avg;
  cs: Avg;
  ltv: Avg;
  dti: Avg;
  rate: Avg;
  fthbY: number;
  fthbN: number;
  csOutliers: number;
  csImputed: number;
}

interface OutcomeCell {
  loans: number;
  ever90: number;
  defaults: number;
  prepays: number;
}

interface ServicerCell {
  servicer_name: string;
  agency: Agency;
  loans: number;
  upb: Avg;
  cs: Avg;
  states: Set<string>;
  ever90: number;
}

export interface MalformedRow {
  /** Path of the file on disk, relative to the output folder, with `/`. */
  file: string;
  /** The member inside a .zip, else null. */
  member: string | null;
  /** 1-based line number within the file (or member). */
  line: number;
  fields: number;
  layout: LayoutId;
  kind: 'truncated' | 'wrong_delimiter';
}

export interface FileEntry {
  file: string;
  member: string | null;
  layout: LayoutId;
  source_quarter: string;
  /** Fields of every well-formed row. */
  fields: number;
  /** Lines in the file, malformed ones included. */
  lines: number;
  rows_loaded: number;
  malformed_lines: number[];
  status: 'written' | 'unchanged';
}

export type Row = Record<string, string | number | null>;

export interface GroundTruth {
  generator: {
    version: 1;
    seed: number;
    agency: 'both' | Agency;
    format: 'legacy' | 'current';
    zip: boolean;
    loans_per_quarter: number;
    quarters: string[];
    release: string;
    release_last_period: string;
    old_freddie_layouts: number;
    malformed: boolean;
  };
  /** How the e2e test compares numbers. */
  tolerance: { relative: number };
  files: FileEntry[];
  malformed_rows: MalformedRow[];
  counts: {
    raw_rows: Record<LayoutId, number>;
    raw_quarantined: Record<LayoutId, number>;
    raw_distinct_loans: Record<Agency, number>;
    clean_loans: Record<Agency, number>;
    clean_loan_months: Record<Agency, number>;
    clean_loan_outcomes: Record<Agency, number>;
    credit_score_imputed: Record<Agency, number>;
    credit_score_outliers: Record<Agency, number>;
  };
  /**
   * Raw names with no exact match in servicer_name_map.raw_name: sellers and servicers as written in
   * any loaded raw row, and the servicer_name_raw values of clean.loans.
   */
  unmapped_names: { seller: string[]; servicer: string[]; servicer_in_clean_loans: string[] };
  marts: {
    state_origination_summary: Row[];
    state_dimension_counts: Row[];
    state_performance_quarterly: Row[];
    vintage_outcomes: Row[];
    servicer_scorecard: Row[];
  };
}

const rate = (num: number, den: number): number | null => (den === 0 ? null : num / den);
const dimValue = (v: string | number | null): string => (v === null ? 'unknown' : String(v));

export class Truth {
  readonly loanMonths: Record<Agency, number> = { fannie: 0, freddie: 0 };
  readonly loans: Record<Agency, number> = { fannie: 0, freddie: 0 };
  readonly outcomes: Record<Agency, number> = { fannie: 0, freddie: 0 };
  readonly imputed: Record<Agency, number> = { fannie: 0, freddie: 0 };
  readonly outliers: Record<Agency, number> = { fannie: 0, freddie: 0 };
  private readonly origination = new Map<string, OriginationCell>();
  private readonly dimensions = new Map<string, Row>();
  private readonly perf = new Map<string, PerfCell>();
  private readonly vintage = new Map<string, OutcomeCell & { agency: Agency; vintage_year: number | null; property_state: string | null }>();
  private readonly servicers = new Map<string, ServicerCell>();
  private readonly unmappedSellers = new Set<string>();
  private readonly unmappedServicers = new Set<string>();
  private readonly unmappedCleanServicers = new Set<string>();

  constructor(private readonly ref: Reference) {}

  perfCell(state: string | null, agency: Agency, quarter: string): PerfCell {
    const key = `${state}|${agency}|${quarter}`;
    let c = this.perf.get(key);
    if (!c) {
      c = { property_state: state, agency, period_quarter: quarter, loans_observed: 0, loan_months: 0, dq60_plus_loan_months: 0, prepayments: 0, defaults: 0 };
      this.perf.set(key, c);
    }
    return c;
  }

  /** A raw seller or servicer name seen in a loaded row. */
  seeName(role: 'seller' | 'servicer', raw: string | null | undefined): void {
    if (isMissing(raw ?? undefined) || raw === null || raw === undefined) return;
    if (!this.ref.servicerMap.has(raw)) (role === 'seller' ? this.unmappedSellers : this.unmappedServicers).add(raw);
  }

  /** Adds one clean.loans row (and its outcome, when it has monthly rows) to every mart. */
  addLoan(partitioned: PartitionedLoan, months: LoanMonths | null): FinalLoan {
    const l = partitioned as FinalLoan;
    l.sellerName = resolveName(this.ref.servicerMap, partitioned.sellerNameRaw ?? undefined);
    l.servicerName = resolveName(this.ref.servicerMap, partitioned.servicerNameRaw ?? undefined);
    const a = l.agency;
    this.loans[a]++;
    const rawServicer = l.servicerNameRaw;
    if (rawServicer !== null && !this.ref.servicerMap.has(rawServicer)) this.unmappedCleanServicers.add(rawServicer);
    if (l.creditScoreIsImputed) this.imputed[a]++;
    if (l.creditScoreIsOutlier === true) this.outliers[a]++;
    const hasOutcome = months !== null && months.monthsObserved > 0;
    if (hasOutcome) this.outcomes[a]++;
    const ever90 = hasOutcome && months.maxMonthsDelinquent !== null && months.maxMonthsDelinquent >= 3;
    const zb = hasOutcome ? months.zeroBalanceCode : null;
    const isDefault = zb !== null && DEFAULT_CODES.has(zb);
    const isPrepaid = zb !== null && PREPAID_CODES.has(zb);

    // state_origination_summary
    const oKey = `${l.propertyState}|${a}|${l.vintageYear}`;
    let o = this.origination.get(oKey);
    if (!o) {
      o = { property_state: l.propertyState, agency: a, vintage_year: l.vintageYear, loans: 0, upb: new Avg(), cs: new Avg(), ltv: new Avg(), dti: new Avg(), rate: new Avg(), fthbY: 0, fthbN: 0, csOutliers: 0, csImputed: 0 };
      this.origination.set(oKey, o);
    }
    o.loans++;
    o.upb.add(l.origUpb);
    o.cs.add(l.creditScore);
    o.ltv.add(l.origLtv);
    o.dti.add(l.dti);
    o.rate.add(l.origInterestRate);
    if (l.firstTimeHomebuyer === 'Y') o.fthbY++;
    if (l.firstTimeHomebuyer === 'N') o.fthbN++;
    if (l.creditScoreIsOutlier === true) o.csOutliers++;
    if (l.creditScoreIsImputed) o.csImputed++;

    // state_dimension_counts
    const dims: Array<[string, string | number | null]> = [
      ['loan_purpose', l.loanPurpose],
      ['first_time_homebuyer', l.firstTimeHomebuyer],
      ['property_type', l.propertyType],
      ['channel', l.channel],
      ['occupancy', l.occupancy],
      ['num_borrowers', l.numBorrowers],
    ];
    for (const [dimension, v] of dims) {
      const value = dimValue(v);
      const key = `${l.propertyState}|${a}|${dimension}|${value}`;
      const row = this.dimensions.get(key);
      if (row) (row.loan_count as number)++;
      else this.dimensions.set(key, { property_state: l.propertyState, agency: a, dimension, value, loan_count: 1 });
    }

    // vintage_outcomes
    const vKey = `${a}|${l.vintageYear}|${l.propertyState}`;
    let v = this.vintage.get(vKey);
    if (!v) {
      v = { agency: a, vintage_year: l.vintageYear, property_state: l.propertyState, loans: 0, ever90: 0, defaults: 0, prepays: 0 };
      this.vintage.set(vKey, v);
    }
    v.loans++;
    if (ever90) v.ever90++;
    if (isDefault) v.defaults++;
    if (isPrepaid) v.prepays++;

    // servicer_scorecard
    const name = l.servicerName ?? 'unknown';
    const sKey = `${name}|${a}`;
    let s = this.servicers.get(sKey);
    if (!s) {
      s = { servicer_name: name, agency: a, loans: 0, upb: new Avg(), cs: new Avg(), states: new Set(), ever90: 0 };
      this.servicers.set(sKey, s);
    }
    s.loans++;
    s.upb.add(l.origUpb);
    s.cs.add(l.creditScore);
    if (l.propertyState !== null) s.states.add(l.propertyState);
    if (ever90) s.ever90++;
    return l;
  }

  marts(): GroundTruth['marts'] {
    const sortBy = (keys: string[]) => (x: Row, y: Row) => {
      for (const k of keys) {
        const a = x[k] ?? '';
        const b = y[k] ?? '';
        if (a < b) return -1;
        if (a > b) return 1;
      }
      return 0;
    };
    return {
      state_origination_summary: [...this.origination.values()]
        .map((o) => ({
          property_state: o.property_state,
          agency: o.agency,
          vintage_year: o.vintage_year,
          loan_count: o.loans,
          total_orig_upb: o.upb.total,
          avg_orig_upb: o.upb.value,
          avg_credit_score: o.cs.value,
          avg_orig_ltv: o.ltv.value,
          avg_dti: o.dti.value,
          avg_orig_interest_rate: o.rate.value,
          first_time_homebuyer_share: rate(o.fthbY, o.fthbY + o.fthbN),
          credit_score_outlier_count: o.csOutliers,
          credit_score_imputed_count: o.csImputed,
        }))
        .sort(sortBy(['property_state', 'agency', 'vintage_year'])),
      state_dimension_counts: [...this.dimensions.values()].sort(sortBy(['property_state', 'agency', 'dimension', 'value'])),
      state_performance_quarterly: [...this.perf.values()]
        .map((c) => ({
          property_state: c.property_state,
          agency: c.agency,
          period_quarter: c.period_quarter,
          loans_observed: c.loans_observed,
          loan_months: c.loan_months,
          dq60_plus_loan_months: c.dq60_plus_loan_months,
          dq60_plus_rate: rate(c.dq60_plus_loan_months, c.loan_months),
          prepayments: c.prepayments,
          defaults: c.defaults,
        }))
        .sort(sortBy(['property_state', 'agency', 'period_quarter'])),
      vintage_outcomes: [...this.vintage.values()]
        .map((v) => ({
          agency: v.agency,
          vintage_year: v.vintage_year,
          property_state: v.property_state,
          loans: v.loans,
          ever_90dpd_rate: rate(v.ever90, v.loans),
          default_rate: rate(v.defaults, v.loans),
          prepay_rate: rate(v.prepays, v.loans),
        }))
        .sort(sortBy(['agency', 'vintage_year', 'property_state'])),
      servicer_scorecard: [...this.servicers.values()]
        .map((s) => ({
          servicer_name: s.servicer_name,
          agency: s.agency,
          loan_count: s.loans,
          total_orig_upb: s.upb.total,
          avg_credit_score: s.cs.value,
          states_served: s.states.size,
          ever_90dpd_rate: rate(s.ever90, s.loans),
        }))
        .sort(sortBy(['servicer_name', 'agency'])),
    };
  }

  unmappedNames(): GroundTruth['unmapped_names'] {
    return {
      seller: [...this.unmappedSellers].sort(),
      servicer: [...this.unmappedServicers].sort(),
      servicer_in_clean_loans: [...this.unmappedCleanServicers].sort(),
    };
  }
}
