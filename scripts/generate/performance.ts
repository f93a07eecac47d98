/**
 * A loan's monthly history (a small Markov model: current → 30 → 60 → 90+ days delinquent, cures,
 * modifications, prepayments, defaults, REO), and its rows in each performance layout.
 *
 * The history uses its own generator and a fixed number of draws per month, so it is the same in
 * every release: a later release only appends months.
 */
import type { Lenders } from './loans.js';
import type { Loan } from './loans.js';
import { fmt, yearOfMonth, type Month } from './periods.js';
import { marketRate } from './reference.js';
import { Rng } from './rng.js';
import { NC } from './layouts.js';
import type { FannieStyle } from './origination.js';

export type ZeroBalanceCode = '' | '01' | '02' | '03' | '06' | '09' | '15' | '16';

const COVID_FROM = 2020 * 12 + 3; // April 2020
const COVID_TO = 2020 * 12 + 8; // September 2020
const FORBEARANCE_TO = 2021 * 12 + 5; // June 2021

const round2 = (x: number) => Math.round(x * 100) / 100;

export class Trajectory {
  /** The current row's month, loan age, months delinquent (true state), and so on. */
  month: Month;
  age = -1;
  d = 0;
  unknownStatus = false;
  zb: ZeroBalanceCode = '';
  /** Balance at the end of the month (on a zero-balance row: the balance removed). */
  balance: number;
  rate1000: number;
  modified = false;
  modifiedThisMonth = false;
  /** The servicer from this month on, when it changed this month (or on the first row). */
  servicerChange: string | null = null;
  servicer: string;
  forbearance = false;
  /** Due date of the last paid installment. */
  lastPaid: Month;

  private readonly rng: Rng;
  private readonly payment: number;
  private done = false;

  constructor(
    private readonly loan: Loan,
    private readonly lenders: Lenders,
    private readonly end: Month,
  ) {
    this.rng = new Rng(loan.perfSeed);
    this.month = loan.firstPeriod - 1;
    this.balance = loan.upb;
    this.rate1000 = loan.rate1000;
    this.servicer = loan.servicer;
    this.lastPaid = loan.firstPeriod;
    const r = loan.rate1000 / 1000 / 1200;
    this.payment = (loan.upb * r) / (1 - Math.pow(1 + r, -loan.term));
  }

  /** Advances to the next reported month; false when past the release's last month or after a zero balance. */
  step(): boolean {
    if (this.done) return false;
    this.month++;
    this.age++;
    if (this.month > this.end) {
      this.done = true;
      return false;
    }
    const rng = this.rng;
    const u1 = rng.next();
    const u2 = rng.next();
    const u3 = rng.next();
    const u4 = rng.next();
    const u5 = rng.next();
    const loan = this.loan;
    const covid = this.month >= COVID_FROM && this.month <= COVID_TO;
    this.unknownStatus = u1 < 0.0005;
    this.modifiedThisMonth = false;
    this.servicerChange = null;

    if (this.age === 0) {
      this.servicerChange = this.servicer;
    } else {
      if (u2 < 0.004) {
        const next = this.lenders.pool(loan.agency, 'servicer', yearOfMonth(this.month)).draw(new Rng(Math.floor(u5 * 4294967296)));
        if (next !== this.servicer) {
          this.servicer = next;
          this.servicerChange = next;
        }
      }
      if (this.d === 0) {
        const incentive = Math.max(0, this.rate1000 / 1000 - marketRate(yearOfMonth(this.month)) - 0.25);
        let smm = Math.min(0.06, 0.004 + incentive * 0.012);
        if (this.age < 3) smm *= 0.3;
        const pDq = loan.troubled ? 0.25 : 0.0025 * loan.risk * (covid ? 4 : 1);
        if (u3 < smm) this.zb = '01';
        else if (u3 < smm + pDq) this.d = 1;
        else if (u3 < smm + pDq + 0.0002) this.zb = '06';
        else if (this.modified && u3 < smm + pDq + 0.0002 + 0.004) this.zb = '16';
      } else {
        const d = this.d;
        const pCure = (loan.troubled ? 0.05 : d === 1 ? 0.45 : d === 2 ? 0.3 : 0.12) * (covid ? 0.5 : 1);
        const pPrepay = 0.01;
        const pTerm = d >= 4 ? (loan.troubled ? 0.2 : 0.1) : 0;
        const pMod = d >= 3 ? 0.06 : 0;
        if (u3 < pCure) this.d = 0;
        else if (u3 < pCure + pPrepay) this.zb = '01';
        else if (u3 < pCure + pPrepay + pTerm) this.zb = u4 < 0.4 ? '09' : u4 < 0.65 ? '03' : u4 < 0.85 ? '02' : '15';
        else if (u3 < pCure + pPrepay + pTerm + pMod) {
          this.d = 0;
          this.modified = true;
          this.modifiedThisMonth = true;
          this.rate1000 = Math.max(2000, this.rate1000 - 1000);
        } else this.d = d + 1;
      }
      if (this.zb === '' && this.d === 0) {
        const interest = this.balance * (this.rate1000 / 1000 / 1200);
        this.balance = Math.max(0, round2(this.balance - (this.payment - interest)));
        this.lastPaid = this.month;
        // paid off at maturity (zero balance code 01)
        if (this.balance <= 0.005 || this.age >= loan.term) this.zb = '01';
      }
    }
    this.forbearance = this.d > 0 && this.month >= COVID_FROM && this.month <= FORBEARANCE_TO;
    if (this.zb !== '') this.done = true;
    return true;
  }
}

const floatStr = (n: number) => (Number.isInteger(n) ? `${n}.0` : String(n));

/** The delinquency status written on the last rendered row (for the ground truth). */
export interface RowInfo {
  status: string;
}

const isDefaultCode = (zb: ZeroBalanceCode) => zb === '02' || zb === '03' || zb === '09' || zb === '15';

/**
 * A Freddie monthly row (23, 26 or 32 fields), in FREDDIE_PERFORMANCE_FIELDS order. Built as one
 * template string: tens of millions of rows, so no per-row arrays.
 */
export function freddiePerformanceRow(loan: Loan, t: Trajectory, fieldCount: number, info: RowInfo): string {
  const old = fieldCount < 32;
  const zb = t.zb;
  const upb = zb !== '' || t.age < 6 ? '0.00' : t.balance.toFixed(2);
  const status = t.unknownStatus ? 'XX' : zb === '09' ? (old ? 'R' : 'RA') : String(t.d);
  info.status = status;
  const mod = t.modifiedThisMonth ? 'Y' : t.modified ? 'P' : '';
  const zbDate = zb === '' ? '' : fmt.yyyymm(t.month);
  // 1-13: id, period, upb, status, age, remaining, defect settlement (older: repurchase flag), mod flag,
  // zero balance code and date, current rate, non-interest-bearing upb, last paid installment
  let s = `${loan.loanId}|${fmt.yyyymm(t.month)}|${upb}|${status}|${t.age}|${loan.term - t.age}|${old && zb !== '' ? 'N' : ''}|${mod}|${zb}|${zbDate}|${t.rate1000 / 1000}|0|${fmt.yyyymm(t.lastPaid)}`;
  // 14-22: mi recoveries, net sale proceeds, non-mi recoveries, expenses, legal, maintenance, taxes, misc, actual loss
  s += isDefaultCode(zb)
    ? `|0.00|${zb === '09' ? 'C' : (t.balance * 0.78).toFixed(2)}|0.00|${(-t.balance * 0.06).toFixed(2)}|||||${(-t.balance * 0.28).toFixed(2)}`
    : '|||||||||';
  // 23: cumulative modification cost
  s += t.modified ? '|0.00' : '|';
  if (fieldCount === 23) return s;
  // 24-26: step modification flag, payment deferral, estimated LTV
  const eltv = t.age < 6 ? '999' : String(Math.max(1, Math.round((loan.ltv * t.balance) / loan.upb)));
  s += `|${t.modified ? 'N' : ''}||${eltv}`;
  if (fieldCount === 26) return s;
  // 27-32: zero balance removal upb, delinquent accrued interest, disaster, borrower assistance, month mod cost, interest-bearing upb
  return `${s}|${zb === '' ? '' : t.balance.toFixed(2)}|||${t.forbearance ? 'F' : ''}||${upb}`;
}

/** The fixed part of a loan's Fannie legacy monthly rows. */
export interface FannieLegacyContext {
  style: FannieStyle;
  msa: string;
  /** Servicer named on the second row instead of the first (NULL-style files). */
  namedLate: boolean;
  maturity: string;
}

export function fannieLegacyContext(loan: Loan, style: FannieStyle): FannieLegacyContext {
  const msa = loan.msa === '' ? '0' : loan.msa;
  return {
    style,
    msa: style === 'official' ? msa : floatStr(Number(msa)),
    namedLate: style === 'nulls' && (loan.perfSeed & 0xffff) < 0.03 * 0x10000,
    maturity: fmt.mmSlashYyyy(loan.maturity),
  };
}

/** A Fannie legacy Performance row (31 fields, FANNIE_PERFORMANCE_FIELDS order). */
export function fanniePerformanceRow(loan: Loan, t: Trajectory, c: FannieLegacyContext, pendingName: string | null, info: RowInfo): string {
  const official = c.style === 'official';
  const nulls = c.style === 'nulls';
  const zb = t.zb;
  const rate = t.rate1000 / 1000;
  const rem = loan.term - t.age;
  const adj = zb === '' ? rem : 0;
  let status: string;
  if (official) status = t.unknownStatus || zb !== '' ? 'X' : String(t.d);
  else status = zb !== '' ? (zb === '01' ? '-2' : '-1') : t.unknownStatus ? '-2' : String(t.d);
  info.status = status;
  const servicer = pendingName ?? (nulls ? 'NULL' : '');
  const upb = t.age < 6 && zb === '' ? '' : official ? t.balance.toFixed(2) : floatStr(t.balance);
  // 1-14: id, period, servicer, rate, upb, age, remaining, adjusted remaining, maturity, msa, status,
  // modification flag, zero balance code and date
  let s = official
    ? `${loan.loanId}|${fmt.mmDdYyyy(t.month)}|${servicer}|${rate}|${upb}|${t.age}|${rem}|${adj}|${c.maturity}|${c.msa}|${status}|${t.modified ? 'Y' : 'N'}|${zb}|`
    : `${loan.loanId}|${fmt.mmDdYyyy(t.month)}|${servicer}|${floatStr(rate)}|${upb}|${t.age}.0|${rem}.0|${adj}.0|${c.maturity}|${c.msa}|${status}|${t.modified ? 'Y' : 'N'}|${zb === '' && nulls ? 'NULL' : zb}|`;
  if (zb !== '') s += fmt.mmSlashYyyy(t.month);
  // 15-26: last paid installment, foreclosure and disposition dates, then costs and proceeds
  s += isDefaultCode(zb)
    ? `|${fmt.mmDdYyyy(t.lastPaid)}|${fmt.mmDdYyyy(t.month)}|${fmt.mmDdYyyy(t.month + 5)}|${(t.balance * 0.05).toFixed(2)}|||||${(t.balance * 0.75).toFixed(2)}|||`
    : '||||||||||||';
  // 27-31: non-interest-bearing upb, principal forgiveness, make-whole flag, write-off, servicing activity
  s += `|||${zb !== '' ? 'N' : nulls ? 'NULL' : ''}||${nulls ? 'NULL' : 'N'}`;
  return s;
}

/** The monthly fields of the 108-field file, in file order. */
export const FANNIE_CURRENT_DYNAMIC = [
  NC.monthly_reporting_period,
  NC.servicer_name,
  NC.current_interest_rate,
  NC.current_actual_upb,
  NC.loan_age,
  NC.remaining_months_to_legal_maturity,
  NC.remaining_months_to_maturity,
  NC.current_loan_delinquency_status,
  NC.modification_flag,
  NC.zero_balance_code,
  NC.zero_balance_effective_date,
  NC.upb_at_time_of_removal,
  NC.last_paid_installment_date,
  NC.borrower_assistance_plan,
] as const;

export function fannieCurrentValues(loan: Loan, t: Trajectory, out: string[]): void {
  const zb = t.zb;
  const rem = loan.term - t.age;
  out[0] = fmt.mmyyyy(t.month);
  out[1] = t.servicer;
  out[2] = String(t.rate1000 / 1000);
  out[3] = zb !== '' || t.age < 6 ? '0.00' : t.balance.toFixed(2);
  out[4] = String(t.age);
  out[5] = String(rem);
  out[6] = zb === '' ? String(rem) : '0';
  out[7] = t.unknownStatus ? 'XX' : t.d < 10 ? `0${t.d}` : String(t.d);
  out[8] = t.modified ? 'Y' : 'N';
  out[9] = zb;
  out[10] = zb === '' ? '' : fmt.mmyyyy(t.month);
  out[11] = zb === '' ? '' : t.balance.toFixed(2);
  out[12] = zb === '' ? '' : fmt.mmyyyy(t.lastPaid);
  out[13] = t.forbearance ? 'F' : t.d > 0 ? '7' : 'N';
}

