/**
 * Origination rows as the agencies spell them, with the real mess, and the clean.loans record the
 * SQL models must derive from exactly those strings.
 */
import {
  FREDDIE_SENTINEL,
  isMissing,
  mapCode,
  parseMmSlashYyyy,
  parseMmyyyy,
  parseYyyymm,
  toNumber,
  type Agency,
} from './definitions.js';
import { FA, FO, NC } from './layouts.js';
import type { Loan } from './loans.js';
import { firstMonthOfQuarter, fmt, yearOfMonth } from './periods.js';
import { conformingLimit, type Reference } from './reference.js';
import type { Rng } from './rng.js';

/** How a Fannie legacy quarter's files were handled before they reached us (see README). */
export type FannieStyle = 'official' | 'nulls' | 'floats';

/** One clean.loans row, before the partition statistics (imputation, outlier flags). */
export interface CleanLoan {
  agency: Agency;
  loanId: string;
  sourceQuarter: string;
  channel: string | null;
  sellerNameRaw: string | null;
  servicerNameRaw: string | null;
  origInterestRate: number | null;
  origUpb: number | null;
  origLoanTerm: number | null;
  /** Month index of the first payment date. */
  firstPaymentMonth: number | null;
  vintageYear: number | null;
  origLtv: number | null;
  origCltv: number | null;
  dti: number | null;
  creditScore: number | null;
  firstTimeHomebuyer: string | null;
  loanPurpose: string | null;
  propertyType: string | null;
  occupancy: string | null;
  numUnits: number | null;
  numBorrowers: number | null;
  propertyState: string | null;
  zip3: string | null;
  miPct: number | null;
}

const rateStr = (rate1000: number) => String(rate1000 / 1000);

/** An integer, now and then written as a float (`4.0`). */
function intStr(rng: Rng, v: number, width = 0): string {
  if (rng.chance(0.003)) return `${v}.0`;
  const s = String(v);
  return width > 0 ? s.padStart(width, '0') : s;
}

/** A missing value: mostly the layout's own spelling (sentinel or blank), sometimes blank or `NULL`. */
function missing(rng: Rng, usual: string): string {
  const d = rng.next();
  return d < 0.85 ? usual : d < 0.93 ? (usual === '' ? 'NULL' : '') : 'NULL';
}

export function freddieOriginationFields(loan: Loan, fieldCount: number): string[] {
  const r = loan.rng;
  const f = new Array<string>(32).fill('');
  f[FO.credit_score] = r.chance(0.004) ? missing(r, '9999') : intStr(r, loan.creditScore);
  f[FO.first_payment_date] = fmt.yyyymm(loan.firstPayment);
  f[FO.first_time_homebuyer_flag] = r.chance(0.003) ? '9' : loan.fthb ? 'Y' : 'N';
  f[FO.maturity_date] = fmt.yyyymm(loan.maturity);
  f[FO.msa] = loan.msa === '' && r.chance(0.05) ? 'NULL' : loan.msa;
  f[FO.mi_pct] = r.chance(0.002) ? '999' : loan.miPct === 0 ? (r.chance(0.9) ? '000' : '0') : String(loan.miPct);
  f[FO.number_of_units] = r.chance(0.0005) ? '99' : intStr(r, loan.units);
  f[FO.occupancy_status] = r.chance(0.0005) ? '9' : loan.occupancy;
  f[FO.original_cltv] = r.chance(0.003) ? missing(r, '999') : intStr(r, loan.cltv);
  f[FO.original_dti] = r.chance(0.007) ? missing(r, '999') : intStr(r, loan.dti);
  f[FO.original_upb] = String(loan.upb);
  f[FO.original_ltv] = r.chance(0.0005) ? '999' : intStr(r, loan.ltv);
  f[FO.original_interest_rate] = rateStr(loan.rate1000);
  f[FO.channel] = r.chance(0.003) ? '9' : loan.channel;
  f[FO.ppm_flag] = 'N';
  f[FO.amortization_type] = 'FRM';
  f[FO.property_state] = loan.state;
  f[FO.property_type] = r.chance(0.0005) ? '99' : loan.propertyType;
  f[FO.postal_code] = `${loan.zip3}00`;
  f[FO.loan_sequence_number] = loan.loanId;
  f[FO.loan_purpose] = r.chance(0.0005) ? '9' : loan.purpose === 'R' ? (r.chance(0.01) ? 'R' : 'N') : loan.purpose;
  f[FO.original_loan_term] = intStr(r, loan.term);
  f[FO.number_of_borrowers] = r.chance(0.002) ? '99' : intStr(r, loan.borrowers, 2);
  f[FO.seller_name] = loan.seller;
  f[FO.servicer_name] = loan.servicer;
  f[FO.super_conforming_flag] = loan.upb > conformingLimit(yearOfMonth(loan.origMonth)) ? 'Y' : '';
  f[FO.pre_relief_refinance_loan_seq_number] = '';
  const p = r.next();
  f[FO.program_indicator] = p < 0.95 ? '9' : p < 0.99 ? 'H' : 'F';
  f[FO.relief_refinance_indicator] = loan.ltv > 100 ? 'Y' : '';
  const v = r.next();
  f[FO.property_valuation_method] = v < 0.8 ? '2' : v < 0.9 ? '1' : v < 0.98 ? '3' : '9';
  f[FO.interest_only_indicator] = 'N';
  f[FO.mi_cancellation_indicator] = loan.miPct > 0 ? 'N' : '7';
  return f.slice(0, fieldCount);
}

export function fannieAcquisitionFields(loan: Loan, style: FannieStyle): string[] {
  const r = loan.rng;
  const blank = () => missing(r, '');
  const f = new Array<string>(25).fill('');
  f[FA.loan_id] = loan.loanId;
  f[FA.channel] = loan.channel;
  f[FA.seller_name] = loan.seller;
  f[FA.orig_interest_rate] = rateStr(loan.rate1000);
  f[FA.orig_upb] = String(loan.upb);
  f[FA.orig_loan_term] = intStr(r, loan.term);
  f[FA.origination_date] = fmt.mmSlashYyyy(loan.origMonth);
  f[FA.first_payment_date] = fmt.mmSlashYyyy(loan.firstPayment);
  f[FA.orig_ltv] = intStr(r, loan.ltv);
  f[FA.orig_cltv] = r.chance(style === 'nulls' ? 0.6 : 0.02) ? blank() : intStr(r, loan.cltv);
  f[FA.num_borrowers] = r.chance(0.001) ? blank() : intStr(r, loan.borrowers);
  f[FA.dti] = r.chance(0.015) ? blank() : intStr(r, loan.dti);
  f[FA.borrower_credit_score] = r.chance(0.004) ? blank() : intStr(r, loan.creditScore);
  f[FA.first_time_home_buyer] = r.chance(0.003) ? 'U' : loan.fthb ? 'Y' : 'N';
  f[FA.loan_purpose] = r.chance(0.0005) ? 'U' : loan.purpose;
  f[FA.property_type] = loan.propertyType;
  f[FA.num_units] = intStr(r, loan.units);
  f[FA.occupancy_status] = r.chance(0.0005) ? 'U' : loan.occupancy;
  f[FA.property_state] = loan.state;
  f[FA.zip3] = loan.zip3;
  f[FA.mi_pct] = loan.miPct > 0 ? String(loan.miPct) : '';
  f[FA.product_type] = 'FRM';
  f[FA.coborrower_credit_score] = loan.coCreditScore === null ? '' : String(loan.coCreditScore);
  f[FA.mi_type] = loan.miPct > 0 ? '1' : '';
  f[FA.relocation_mortgage_indicator] = 'N';
  // 2000-era files carry one extra trailing field: the quarter's first month as YYYYMM
  if (style === 'nulls') f.push(fmt.yyyymm(firstMonthOfQuarter(loan.quarter)));
  return f;
}

/** The fixed (per-loan) fields of the 108-field file; the monthly ones are filled per row. */
export function fannieCurrentFixedFields(loan: Loan): string[] {
  const r = loan.rng;
  const blank = () => missing(r, '');
  const f = new Array<string>(108).fill('');
  f[NC.loan_id] = loan.loanId;
  f[NC.channel] = loan.channel;
  f[NC.seller_name] = loan.seller;
  f[NC.orig_interest_rate] = rateStr(loan.rate1000);
  f[NC.orig_upb] = `${loan.upb}.00`;
  f[NC.orig_loan_term] = intStr(r, loan.term);
  f[NC.origination_date] = fmt.mmyyyy(loan.origMonth);
  f[NC.first_payment_date] = fmt.mmyyyy(loan.firstPayment);
  f[NC.maturity_date] = fmt.mmyyyy(loan.maturity);
  f[NC.orig_ltv] = intStr(r, loan.ltv);
  f[NC.orig_cltv] = r.chance(0.02) ? blank() : intStr(r, loan.cltv);
  f[NC.num_borrowers] = r.chance(0.001) ? blank() : intStr(r, loan.borrowers);
  f[NC.dti] = r.chance(0.015) ? blank() : intStr(r, loan.dti);
  f[NC.borrower_credit_score] = r.chance(0.004) ? blank() : intStr(r, loan.creditScore);
  f[NC.coborrower_credit_score] = loan.coCreditScore === null ? '' : String(loan.coCreditScore);
  f[NC.first_time_home_buyer] = r.chance(0.003) ? 'U' : loan.fthb ? 'Y' : 'N';
  f[NC.loan_purpose] = r.chance(0.0005) ? 'U' : loan.purpose;
  f[NC.property_type] = loan.propertyType;
  f[NC.num_units] = intStr(r, loan.units);
  f[NC.occupancy_status] = r.chance(0.0005) ? 'U' : loan.occupancy;
  f[NC.property_state] = loan.state;
  f[NC.msa] = loan.msa === '' ? '00000' : loan.msa;
  f[NC.zip3] = loan.zip3;
  f[NC.mi_pct] = loan.miPct > 0 ? String(loan.miPct) : '';
  f[NC.amortization_type] = 'FRM';
  f[NC.prepayment_penalty_indicator] = 'N';
  f[NC.interest_only_indicator] = 'N';
  f[NC.mi_type] = loan.miPct > 0 ? '1' : '';
  f[NC.servicing_activity_indicator] = 'N';
  f[NC.homeready_program_indicator] = '7';
  f[NC.relocation_mortgage_indicator] = 'N';
  f[NC.property_valuation_method] = 'A';
  f[NC.high_balance_loan_indicator] = loan.upb > conformingLimit(yearOfMonth(loan.origMonth)) ? 'Y' : 'N';
  f[NC.hltv_refinance_option_indicator] = 'N';
  f[NC.alternative_delinquency_resolution] = '7';
  return f;
}

/** clean.loans from a Freddie origination row (26 to 32 fields). */
export function cleanFreddie(ref: Reference, f: readonly string[], sourceQuarter: string): CleanLoan {
  const S = FREDDIE_SENTINEL;
  const fp = parseYyyymm(f[FO.first_payment_date]);
  const postal = f[FO.postal_code];
  return {
    agency: 'freddie',
    loanId: f[FO.loan_sequence_number] as string,
    sourceQuarter,
    channel: mapCode(ref.codeMap, 'channel', 'freddie', f[FO.channel]),
    sellerNameRaw: isMissing(f[FO.seller_name]) ? null : (f[FO.seller_name] as string),
    servicerNameRaw: isMissing(f[FO.servicer_name]) ? null : (f[FO.servicer_name] as string),
    origInterestRate: toNumber(f[FO.original_interest_rate]),
    origUpb: toNumber(f[FO.original_upb]),
    origLoanTerm: toNumber(f[FO.original_loan_term]),
    firstPaymentMonth: fp,
    vintageYear: fp === null ? null : yearOfMonth(fp),
    origLtv: toNumber(f[FO.original_ltv], S.ltv),
    origCltv: toNumber(f[FO.original_cltv], S.cltv),
    dti: toNumber(f[FO.original_dti], S.dti),
    creditScore: toNumber(f[FO.credit_score], S.creditScore),
    firstTimeHomebuyer: mapCode(ref.codeMap, 'first_time_homebuyer', 'freddie', f[FO.first_time_homebuyer_flag]),
    loanPurpose: mapCode(ref.codeMap, 'loan_purpose', 'freddie', f[FO.loan_purpose]),
    propertyType: mapCode(ref.codeMap, 'property_type', 'freddie', f[FO.property_type]),
    occupancy: mapCode(ref.codeMap, 'occupancy', 'freddie', f[FO.occupancy_status]),
    numUnits: toNumber(f[FO.number_of_units], S.units),
    numBorrowers: toNumber(f[FO.number_of_borrowers], S.borrowers),
    propertyState: isMissing(f[FO.property_state]) ? null : (f[FO.property_state] as string),
    zip3: isMissing(postal) ? null : postal.slice(0, 3),
    miPct: toNumber(f[FO.mi_pct], S.miPct),
  };
}

interface FannieFieldIndex {
  loan_id: number;
  channel: number;
  seller_name: number;
  orig_interest_rate: number;
  orig_upb: number;
  orig_loan_term: number;
  first_payment_date: number;
  orig_ltv: number;
  orig_cltv: number;
  num_borrowers: number;
  dti: number;
  borrower_credit_score: number;
  first_time_home_buyer: number;
  loan_purpose: number;
  property_type: number;
  num_units: number;
  occupancy_status: number;
  property_state: number;
  zip3: number;
  mi_pct: number;
}

function cleanFannie(ref: Reference, f: readonly string[], sourceQuarter: string, I: FannieFieldIndex, fp: number | null): CleanLoan {
  return {
    agency: 'fannie',
    loanId: f[I.loan_id] as string,
    sourceQuarter,
    channel: mapCode(ref.codeMap, 'channel', 'fannie', f[I.channel]),
    sellerNameRaw: isMissing(f[I.seller_name]) ? null : (f[I.seller_name] as string),
    servicerNameRaw: null, // from the monthly rows
    origInterestRate: toNumber(f[I.orig_interest_rate]),
    origUpb: toNumber(f[I.orig_upb]),
    origLoanTerm: toNumber(f[I.orig_loan_term]),
    firstPaymentMonth: fp,
    vintageYear: fp === null ? null : yearOfMonth(fp),
    origLtv: toNumber(f[I.orig_ltv]),
    origCltv: toNumber(f[I.orig_cltv]),
    dti: toNumber(f[I.dti]),
    creditScore: toNumber(f[I.borrower_credit_score]),
    firstTimeHomebuyer: mapCode(ref.codeMap, 'first_time_homebuyer', 'fannie', f[I.first_time_home_buyer]),
    loanPurpose: mapCode(ref.codeMap, 'loan_purpose', 'fannie', f[I.loan_purpose]),
    propertyType: mapCode(ref.codeMap, 'property_type', 'fannie', f[I.property_type]),
    occupancy: mapCode(ref.codeMap, 'occupancy', 'fannie', f[I.occupancy_status]),
    numUnits: toNumber(f[I.num_units]),
    numBorrowers: toNumber(f[I.num_borrowers]),
    propertyState: isMissing(f[I.property_state]) ? null : (f[I.property_state] as string),
    zip3: isMissing(f[I.zip3]) ? null : (f[I.zip3] as string),
    miPct: toNumber(f[I.mi_pct]),
  };
}

export function cleanFannieAcquisition(ref: Reference, f: readonly string[], sourceQuarter: string): CleanLoan {
  return cleanFannie(ref, f, sourceQuarter, FA, parseMmSlashYyyy(f[FA.first_payment_date]));
}

export function cleanFannieCurrent(ref: Reference, f: readonly string[], sourceQuarter: string): CleanLoan {
  return cleanFannie(ref, f, sourceQuarter, NC, parseMmyyyy(f[NC.first_payment_date]));
}
