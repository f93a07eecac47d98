/**
 * The TypeScript side of the cleaning rules the SQL macros implement (README "Definitions"):
 * standardize_name, PostgreSQL's percentile_cont / percentile_disc, Tukey fences, status parsing.
 */
import { describe, expect, it } from 'vitest';
import {
  isOutlier,
  mapCode,
  parseStatus,
  percentileCont,
  percentileDisc,
  resolveName,
  standardizeName,
  toNumber,
  tukeyFences,
} from '../../../scripts/generate/definitions.js';
import { loadReference } from '../../../scripts/generate/reference.js';

describe('standardize_name', () => {
  it.each([
    ['Wells Fargo Bank, N.A.', 'WELLS FARGO BANK'],
    ['WELLS FARGO BANK,  NA', 'WELLS FARGO BANK'],
    ['ROCKET MORTGAGE,  LLC', 'ROCKET MORTGAGE'],
    ['QUICKEN LOANS, INC.', 'QUICKEN LOANS'],
    ['FIRST TENNESSEE BANK NATIONAL ASSOCIATION', 'FIRST TENNESSEE BANK'],
    ['AMERIHOME MORTGAGE COMPANY, LLC', 'AMERIHOME MORTGAGE'],
    ['PROVIDENT FUNDING ASSOCIATES, L.P.', 'PROVIDENT FUNDING ASSOCIATES'],
    ['FREEDOM MORTGAGE CORP.', 'FREEDOM MORTGAGE'],
    ['FLAGSTAR BANK, FSB', 'FLAGSTAR BANK'],
    ['LOANDEPOT.COM, LLC', 'LOANDEPOTCOM'],
    ["O'BRIEN   mortgage inc", 'OBRIEN MORTGAGE'],
    ['NATIONSTAR MORTGAGE LLC DBA MR. COOPER', 'NATIONSTAR MORTGAGE LLC DBA MR COOPER'],
    ['UNITED SHORE FINANCIAL SERVICES, LLC D/B/A UNITED WHOLESALE MORTGAGE', 'UNITED SHORE FINANCIAL SERVICES LLC D B A UNITED WHOLESALE MORTGAGE'],
    ['CHASE HOME FINANCE (CIE 1)', 'CHASE HOME FINANCE CIE 1'],
    ['NA', 'NA'],
    ['LLC INC', 'LLC'],
    [' , ', null],
    ['', null],
    ['NULL', null],
  ])('%j → %j', (raw, expected) => {
    expect(standardizeName(raw)).toBe(expected);
  });

  it('the seed wins on an exact match, else the rule', () => {
    const ref = loadReference();
    expect(resolveName(ref.servicerMap, 'WELLS FARGO BANK,  NA')).toBe('WELLS FARGO BANK');
    expect(resolveName(ref.servicerMap, 'U.S. BANK N.A.')).toBe('U.S. BANK');
    expect(resolveName(ref.servicerMap, 'U.S. BANK, N.A.')).toBe('US BANK');
    expect(resolveName(ref.servicerMap, 'Other servicers')).toBe('OTHER');
  });
});

describe('PostgreSQL percentiles', () => {
  it('percentile_cont interpolates linearly between the neighbouring rows', () => {
    expect(percentileCont([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(percentileCont([1, 2, 3, 4], 0.75)).toBe(3.25);
    expect(percentileCont([10, 20, 30, 40, 50], 0.25)).toBe(20);
    expect(percentileCont([7], 0.75)).toBe(7);
    expect(percentileCont([], 0.5)).toBeNull();
  });

  it('percentile_disc(0.5) is the smallest value whose cumulative share reaches 0.5', () => {
    expect(percentileDisc([1, 2, 3, 4], 0.5)).toBe(2);
    expect(percentileDisc([1, 2, 3], 0.5)).toBe(2);
    expect(percentileDisc([5], 0.5)).toBe(5);
    expect(percentileDisc([], 0.5)).toBeNull();
  });

  it('Tukey fences are [q1 − 1.5·IQR, q3 + 1.5·IQR], inclusive; NULL values stay NULL', () => {
    const f = tukeyFences([1, 2, 3, 4, 100]);
    expect(f).toEqual({ lo: -1, hi: 7 }); // q1 2, q3 4
    expect(isOutlier(7, f)).toBe(false);
    expect(isOutlier(7.5, f)).toBe(true);
    expect(isOutlier(-1, f)).toBe(false);
    expect(isOutlier(100, f)).toBe(true);
    expect(isOutlier(null, f)).toBeNull();
  });
});

describe('staging rules', () => {
  it('numbers: blanks and NULL are missing, floats for integers accepted, sentinels → NULL', () => {
    expect(toNumber('4.0')).toBe(4);
    expect(toNumber('')).toBeNull();
    expect(toNumber('NULL')).toBeNull();
    expect(toNumber('9999', 9999)).toBeNull();
    expect(toNumber('02', 99)).toBe(2);
  });

  it('delinquency status: months, REO, unknown', () => {
    expect(parseStatus('0')).toEqual({ months: 0, reo: false });
    expect(parseStatus('03')).toEqual({ months: 3, reo: false });
    expect(parseStatus('RA')).toEqual({ months: null, reo: true });
    expect(parseStatus('R')).toEqual({ months: null, reo: true });
    for (const s of ['X', 'XX', '-2', '-1', '', 'NULL']) expect(parseStatus(s)).toEqual({ months: null, reo: false });
  });

  it('codes through the code map: agency rows, then both; empty values and unknown codes → NULL', () => {
    const { codeMap } = loadReference();
    expect(mapCode(codeMap, 'loan_purpose', 'freddie', 'N')).toBe('no_cash_out_refi');
    expect(mapCode(codeMap, 'loan_purpose', 'fannie', 'R')).toBe('no_cash_out_refi');
    expect(mapCode(codeMap, 'loan_purpose', 'freddie', 'R')).toBe('refi_not_specified');
    expect(mapCode(codeMap, 'property_type', 'fannie', 'SF')).toBe('single_family');
    expect(mapCode(codeMap, 'property_type', 'freddie', '99')).toBeNull();
    expect(mapCode(codeMap, 'first_time_homebuyer', 'fannie', 'U')).toBeNull();
    expect(mapCode(codeMap, 'channel', 'freddie', '9')).toBeNull();
    expect(mapCode(codeMap, 'channel', 'fannie', 'T')).toBeNull();
  });
});
