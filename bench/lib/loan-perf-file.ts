/**
 * The synthetic raw file of the `load` scenario: pipe-delimited, 32 fields, no header, no quotes,
 * in the shape of Freddie Mac's monthly performance file (historical_data_time_YYYYQn.txt).
 * Deterministic (mulberry32): same target size and seed → same bytes.
 *
 * Loans follow one another; each has 12-120 consecutive monthly rows:
 *
 *   1  loan_sequence_number          F19Q4 + 7 digits (12 chars)
 *   2  monthly_reporting_period      YYYYMM, consecutive per loan
 *   3  current_actual_upb            amortizing balance, 2 decimals (0.00 for the first 0-6 months, as in the real files)
 *   4  current_loan_delinquency_status  mostly 0; 1, 2, 3 or RA now and then
 *   5  loan_age / 6 remaining_months_to_legal_maturity
 *   7  defect_settlement_date        blank
 *   8  modification_flag             blank, ~1% Y
 *   9  zero_balance_code / 10 zero_balance_effective_date   on a loan's last row (01, 03, 09), else blank
 *   11 current_interest_rate         e.g. 3.625
 *   12 current_non_interest_bearing_upb  0
 *   13 due_date_of_last_paid_installment YYYYMM
 *   14-23 recoveries, proceeds, expenses, costs, actual_loss: blank, numbers on the last row of
 *         a loan that ended with a loss (code 03 / 09)
 *   24 step_modification_flag / 25 payment_deferral: blank, ~1% N / Y
 *   26 estimated_ltv                 1-3 digits, or 999
 *   27 zero_balance_removal_upb / 28 delinquent_accrued_interest: on the last row, else blank
 *   29 delinquency_due_to_disaster / 30 borrower_assistance_status: blank, now and then N / F
 *   31 current_month_modification_cost  blank
 *   32 interest_bearing_upb          = current_actual_upb
 *
 * About 80-90 bytes per row, many empty fields (NULL with `null_values: ['']`). Every row is
 * valid: the loader's validation has nothing to set aside.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { mulberry32 } from '../generate-project.js';

/** Freddie Mac's names for the 32 fields of the monthly performance file. */
export const PERF_COLUMNS: readonly string[] = [
  'loan_sequence_number', 'monthly_reporting_period', 'current_actual_upb', 'current_loan_delinquency_status',
  'loan_age', 'remaining_months_to_legal_maturity', 'defect_settlement_date', 'modification_flag',
  'zero_balance_code', 'zero_balance_effective_date', 'current_interest_rate', 'current_non_interest_bearing_upb',
  'due_date_of_last_paid_installment', 'mi_recoveries', 'net_sale_proceeds', 'non_mi_recoveries',
  'total_expenses', 'legal_costs', 'maintenance_preservation_costs', 'taxes_insurance',
  'misc_expenses', 'actual_loss', 'cumulative_modification_cost', 'step_modification_flag',
  'payment_deferral', 'estimated_ltv', 'zero_balance_removal_upb', 'delinquent_accrued_interest',
  'delinquency_due_to_disaster', 'borrower_assistance_status', 'current_month_modification_cost', 'interest_bearing_upb',
];

const RATES = ['2.875', '3.125', '3.25', '3.375', '3.5', '3.625', '3.75', '3.875', '4.0', '4.125', '4.25', '4.5', '4.99'];
const DELINQ = ['1', '2', '3', 'RA'];

const period = (m: number): string => {
  // m: months since 2020-01 (0 → 202001)
  const y = 2020 + Math.floor(m / 12);
  const mm = (m % 12) + 1;
  return `${y}${mm < 10 ? '0' : ''}${mm}`;
};

const money = (cents: number): string => {
  const s = String(Math.floor(cents / 100));
  const c = cents % 100;
  return `${s}.${c < 10 ? '0' : ''}${c}`;
};

/**
 * Writes rows to `file` until it holds at least `targetBytes` (the last row is complete).
 * Returns the row count and the exact byte size.
 */
export function writePerfFile(file: string, targetBytes: number, seed: number): { rows: number; bytes: number } {
  const rnd = mulberry32(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const fd = openSync(file, 'w', 0o644);
  const CHUNK = 4 * 1024 * 1024;
  let parts: string[] = [];
  let pending = 0;
  let bytes = 0;
  let rows = 0;
  let loan = 0;
  try {
    while (bytes + pending < targetBytes) {
      loan++;
      const id = `F19Q4${String(loan).padStart(7, '0')}`;
      const months = 12 + int(109);
      const start = int(24);
      const term = int(10) < 8 ? 360 : 180;
      const rate = RATES[int(RATES.length)]!;
      const zeroUntil = int(7);
      let upb = 5_000_000 + int(60_000_000); // cents
      const monthly = Math.floor(upb / term);
      let ltv = 40 + int(60);
      const ending = int(100); // <85: still active, <97: prepaid (01), else a loss (03 / 09)
      for (let k = 0; k < months; k++) {
        const last = k === months - 1 && ending >= 85;
        const per = period(start + k);
        const bal = k < zeroUntil ? '0.00' : money(upb);
        const dq = int(100) < 4 ? DELINQ[int(DELINQ.length)]! : '0';
        const mod = int(100) === 0 ? 'Y' : '';
        let zbCode = '';
        let zbDate = '';
        let losses = '|||||||||';
        let removal = '';
        let accrued = '';
        if (last) {
          zbCode = ending < 97 ? '01' : int(2) === 0 ? '03' : '09';
          zbDate = per;
          removal = money(upb);
          if (zbCode !== '01') {
            const proceeds = Math.floor(upb * (0.6 + rnd() * 0.3));
            losses = `0.00|${money(proceeds)}|0.00|${money(int(2_000_000))}|${money(int(500_000))}|${money(int(300_000))}|${money(int(400_000))}|${money(int(100_000))}|-${money(int(5_000_000))}|0.00`;
            accrued = money(int(300_000));
          }
        }
        const step = int(100) === 0 ? 'N' : '';
        const deferral = int(100) === 0 ? 'Y' : '';
        const eltv = int(50) === 0 ? '999' : String(ltv);
        const disaster = int(20) === 0 ? 'N' : '';
        const assist = int(25) === 0 ? 'F' : '';
        // 32 fields: losses holds fields 14-23 (10 fields, 9 inner delimiters).
        const line =
          `${id}|${per}|${bal}|${dq}|${k}|${term - k}||${mod}|${zbCode}|${zbDate}|${rate}|0|${per}|` +
          `${losses}|${step}|${deferral}|${eltv}|${removal}|${accrued}|${disaster}|${assist}||${bal}\n`;
        parts.push(line);
        pending += line.length; // ASCII only: characters = bytes
        rows++;
        upb = Math.max(0, upb - monthly - int(2_000));
        if (k % 12 === 11 && ltv > 10) ltv--;
        if (pending >= CHUNK) {
          const buf = Buffer.from(parts.join(''), 'latin1');
          writeSync(fd, buf);
          bytes += buf.length;
          parts = [];
          pending = 0;
        }
        if (bytes + pending >= targetBytes) break;
      }
    }
    if (pending > 0) {
      const buf = Buffer.from(parts.join(''), 'latin1');
      writeSync(fd, buf);
      bytes += buf.length;
    }
  } finally {
    closeSync(fd);
  }
  return { rows, bytes };
}
