/**
 * A loan's "true" attributes, drawn from realistic distributions with its own random generator.
 * Layout-specific spelling and the mess (sentinels, blanks, NULL strings, floats) come later, in
 * origination.ts, so the same loan reads the same whatever the layout.
 */
import type { Agency } from './definitions.js';
import { firstMonthOfQuarter, yearOfMonth, type Month, type Quarter } from './periods.js';
import {
  conformingLimit,
  LENDER_WEIGHTS,
  marketRate,
  MSA_CODES,
  STATE_POPULATION,
  STATE_ZIP3,
  typicalUpb,
  UNMAPPED_SPELLINGS,
  type Reference,
} from './reference.js';
import { hash, Rng, Weighted } from './rng.js';

export type Purpose = 'P' | 'C' | 'R';

export interface Loan {
  agency: Agency;
  /** Position in its quarter's file (0-based). */
  index: number;
  loanId: string;
  quarter: Quarter;
  origMonth: Month;
  firstPayment: Month;
  maturity: Month;
  /** First reporting period (loan age 0): the month before the first payment. */
  firstPeriod: Month;
  state: string;
  zip3: string;
  msa: string;
  /** P purchase, C cash-out refi, R no-cash-out refi (Freddie writes N, or rarely R). */
  purpose: Purpose;
  fthb: boolean;
  propertyType: 'SF' | 'PU' | 'CO' | 'MH' | 'CP';
  occupancy: 'P' | 'S' | 'I';
  units: number;
  borrowers: number;
  channel: 'R' | 'B' | 'C' | 'T';
  creditScore: number;
  coCreditScore: number | null;
  ltv: number;
  cltv: number;
  dti: number;
  upb: number;
  /** Note rate in thousandths of a percent (3875 = 3.875%). */
  rate1000: number;
  term: number;
  miPct: number;
  seller: string;
  servicer: string;
  /** Monthly delinquency-risk multiplier. */
  risk: number;
  /** An early-payment-default loan: very likely to go delinquent and default. */
  troubled: boolean;
  /** Continues after the attributes: the origination layout's mess draws. */
  rng: Rng;
  /** Seed of the monthly history, independent of the origination layout. */
  perfSeed: number;
}

const AGENCY_CODE: Record<Agency, number> = { fannie: 1, freddie: 2 };

export function loanSeed(seed: number, agency: Agency, quarter: Quarter, index: number): number {
  return hash(seed, AGENCY_CODE[agency], quarter, index);
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

export function loanId(agency: Agency, quarter: Quarter, index: number): string {
  const year = Math.floor(quarter / 4);
  if (agency === 'freddie') return `F${pad(year % 100, 2)}Q${(quarter % 4) + 1}${pad(index + 1, 7)}`;
  // Fannie: 12 digits, a bijective scramble of the index within the quarter (index < 10^8)
  const scrambled = (index * 7919 + (hash('fannie-id', quarter) % 100_000_000)) % 100_000_000;
  return `1${pad(quarter % 1000, 3)}${pad(scrambled, 8)}`;
}

export type LenderRole = 'seller' | 'servicer';

/** Lender pools per agency, role and year (cached). */
export class Lenders {
  private readonly cache = new Map<string, Weighted<string>>();

  constructor(private readonly ref: Reference) {}

  pool(agency: Agency, role: LenderRole, year: number): Weighted<string> {
    const key = `${agency}|${role}|${year}`;
    let w = this.cache.get(key);
    if (!w) {
      const names: string[] = [];
      const weights: number[] = [];
      for (const raw of this.ref.servicerMap.keys()) {
        if (agency === 'fannie' && (raw === 'Other sellers' || raw === 'Other servicers')) continue;
        if (agency === 'freddie' && raw === 'OTHER') continue;
        if (role === 'seller' && raw === 'Other servicers') continue;
        if (role === 'servicer' && raw === 'Other sellers') continue;
        const spec = LENDER_WEIGHTS[raw] ?? { w: 1 };
        if ((spec.from !== undefined && year < spec.from) || (spec.to !== undefined && year > spec.to)) continue;
        names.push(raw);
        weights.push(spec.w);
      }
      for (const raw of UNMAPPED_SPELLINGS) {
        names.push(raw);
        weights.push(0.12);
      }
      w = new Weighted(names, weights);
      this.cache.set(key, w);
    }
    return w;
  }
}

export class LoanFactory {
  private readonly states: Weighted<string>;
  private readonly lenders: Lenders;

  constructor(
    ref: Reference,
    private readonly seed: number,
  ) {
    this.states = new Weighted(
      ref.states,
      ref.states.map((s) => STATE_POPULATION[s] ?? 0.1),
    );
    this.lenders = new Lenders(ref);
  }

  get lenderPools(): Lenders {
    return this.lenders;
  }

  make(agency: Agency, quarter: Quarter, index: number): Loan {
    const s = loanSeed(this.seed, agency, quarter, index);
    const rng = new Rng(s);
    const origMonth = firstMonthOfQuarter(quarter) + rng.int(0, 2);
    const year = yearOfMonth(origMonth);
    const firstPayment = origMonth + (rng.chance(0.85) ? 2 : 1);
    const termDraw = rng.next();
    const term = termDraw < 0.84 ? 360 : termDraw < 0.94 ? 180 : termDraw < 0.97 ? 240 : termDraw < 0.99 ? 120 : 300;

    const state = this.states.draw(rng);
    const ranges = STATE_ZIP3[state] ?? [[100, 999]];
    const [lo, hi] = rng.pick(ranges);
    const zip3 = pad(rng.int(lo, hi), 3);
    const msa = rng.chance(0.8) ? rng.pick(MSA_CODES) : '';

    const refiBoom = marketRate(year) < marketRate(year - 1) - 0.3;
    const pDraw = rng.next();
    const purpose: Purpose = refiBoom
      ? pDraw < 0.35 ? 'P' : pDraw < 0.55 ? 'C' : 'R'
      : pDraw < 0.55 ? 'P' : pDraw < 0.78 ? 'C' : 'R';
    const fthb = purpose === 'P' && rng.chance(0.45);
    const tDraw = rng.next();
    const propertyType = tDraw < 0.64 ? 'SF' : tDraw < 0.9 ? 'PU' : tDraw < 0.98 ? 'CO' : tDraw < 0.992 ? 'MH' : 'CP';
    const oDraw = rng.next();
    const occupancy = oDraw < 0.88 ? 'P' : oDraw < 0.95 ? 'I' : 'S';
    const uDraw = rng.next();
    const multi = occupancy === 'I' ? 0.15 : 0.02;
    const units = uDraw < 1 - multi ? 1 : uDraw < 1 - multi / 3 ? 2 : rng.chance(0.5) ? 3 : 4;
    const bDraw = rng.next();
    const borrowers = bDraw < 0.48 ? 1 : bDraw < 0.98 ? 2 : bDraw < 0.995 ? 3 : 4;
    const cDraw = rng.next();
    const channel =
      agency === 'freddie'
        ? cDraw < 0.5 ? 'R' : cDraw < 0.8 ? 'C' : cDraw < 0.95 ? 'B' : 'T'
        : cDraw < 0.5 ? 'R' : cDraw < 0.82 ? 'C' : 'B';

    // credit score ~ N(745, 45) clipped to 300–850, a few deliberately low (Tukey outliers)
    let creditScore = Math.round(745 + 45 * rng.normal() - (purpose === 'C' ? 8 : 0));
    if (rng.chance(0.006)) creditScore = rng.int(480, 600);
    creditScore = Math.min(850, Math.max(300, creditScore));
    const coCreditScore = borrowers >= 2 ? Math.min(850, Math.max(300, Math.round(creditScore + 35 * rng.normal()))) : null;

    // LTV: purchases cluster at 80/90/95/97; refinances lower; cash-out capped at 80
    let ltv: number;
    if (purpose === 'P') {
      const d = rng.next();
      ltv = d < 0.3 ? 80 : d < 0.38 ? 90 : d < 0.5 ? 95 : d < 0.58 ? 97 : Math.round(40 + 60 * rng.next());
    } else {
      ltv = Math.round(65 + 15 * rng.normal());
      ltv = Math.min(purpose === 'C' ? 80 : 97, Math.max(8, ltv));
    }
    if (purpose === 'R' && rng.chance(0.002)) ltv = rng.int(101, 140); // relief refinance (HARP-like)
    const cltv = rng.chance(0.1) ? Math.max(ltv, Math.min(ltv + rng.int(1, 15), 105)) : ltv;

    // DTI ~ N(36, 9) within 1–50, a few very low (Tukey outliers)
    let dti = Math.round(36 + 9 * rng.normal());
    dti = Math.min(50, Math.max(6, dti));
    if (rng.chance(0.004)) dti = rng.int(1, 4);

    // balance: log-normal around the year's typical loan, to the nearest $1,000
    const limit = conformingLimit(year);
    let upb = Math.round((typicalUpb(year) * Math.exp(0.5 * rng.normal()) * (term <= 180 ? 0.7 : 1)) / 1000) * 1000;
    upb = Math.min(Math.round((limit * 1.5) / 1000) * 1000, Math.max(12_000, upb));
    if (rng.chance(0.003)) upb = rng.int(8, 20) * 1000;

    // note rate: the year's market rate plus risk adjustments, mostly in eighths
    let rate = marketRate(year) + 0.25 * rng.normal();
    if (creditScore < 680) rate += 0.375;
    if (ltv > 90) rate += 0.125;
    if (occupancy === 'I') rate += 0.5;
    if (term <= 180) rate -= 0.6;
    rate = Math.max(1.5, rate);
    const rate1000 = rng.chance(0.8) ? Math.round(rate * 8) * 125 : Math.round(rate * 100) * 10;

    const miPct = ltv <= 80 ? 0 : ltv <= 85 ? 12 : ltv <= 90 ? 25 : ltv <= 95 ? 30 : 35;

    const seller = this.lenders.pool(agency, 'seller', year).draw(rng);
    let servicer = this.lenders.pool(agency, 'servicer', year).draw(rng);
    if (rng.chance(0.55)) {
      if (agency === 'freddie' && seller === 'Other sellers') servicer = 'Other servicers';
      else if (seller !== 'Other sellers') servicer = seller;
    }

    const troubled = rng.chance(0.006);
    let risk = 1;
    if (creditScore < 660) risk *= 3;
    else if (creditScore < 700) risk *= 1.8;
    else if (creditScore > 780) risk *= 0.6;
    if (dti > 43) risk *= 1.4;
    if (ltv > 90) risk *= 1.3;

    return {
      agency,
      index,
      loanId: loanId(agency, quarter, index),
      quarter,
      origMonth,
      firstPayment,
      maturity: firstPayment + term - 1,
      firstPeriod: firstPayment - 1,
      state,
      zip3,
      msa,
      purpose,
      fthb,
      propertyType,
      occupancy,
      units,
      borrowers,
      channel,
      creditScore,
      coCreditScore,
      ltv,
      cltv,
      dti,
      upb,
      rate1000,
      term,
      miPct,
      seller,
      servicer,
      risk,
      troubled,
      rng,
      perfSeed: hash(s, 'performance'),
    };
  }
}
