/**
 * Reference data: the project's seeds (servicer-name map, code map, US states) read from `seeds/`,
 * so the generator's names, codes and states are exactly the ones the SQL models join to, plus
 * the generator's own tables (population weights, ZIP3 ranges, rates by year, lender weights).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_SEEDS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../seeds');

/** A minimal RFC 4180 reader for the seeds (quoted fields, doubled quotes, no embedded newlines). */
export function parseCsv(text: string): Array<Record<string, string>> {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const split = (line: string): string[] => {
    const out: string[] = [];
    let i = 0;
    let cur = '';
    let quoted = false;
    while (i < line.length) {
      const ch = line[i] as string;
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') {
          cur += '"';
          i += 2;
          continue;
        }
        if (ch === '"') quoted = false;
        else cur += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ',') {
        out.push(cur);
        cur = '';
      } else cur += ch;
      i++;
    }
    out.push(cur);
    return out;
  };
  const header = split(lines[0] ?? '');
  return lines.slice(1).map((l) => {
    const cells = split(l);
    const row: Record<string, string> = {};
    header.forEach((h, j) => (row[h] = cells[j] ?? ''));
    return row;
  });
}

export interface ServicerMapEntry {
  rawName: string;
  standardName: string;
  parentGroup: string;
  isMasked: boolean;
}

export interface Reference {
  servicerMap: Map<string, ServicerMapEntry>;
  /** `dimension|agency|code` → value ('' = not available). */
  codeMap: Map<string, string>;
  states: string[];
}

export function loadReference(seedsDir = DEFAULT_SEEDS_DIR): Reference {
  const read = (name: string) => parseCsv(readFileSync(join(seedsDir, name), 'utf8'));
  const servicerMap = new Map<string, ServicerMapEntry>();
  for (const r of read('servicer_name_map.csv')) {
    servicerMap.set(r.raw_name ?? '', {
      rawName: r.raw_name ?? '',
      standardName: r.standard_name ?? '',
      parentGroup: r.parent_group ?? '',
      isMasked: r.is_masked === 'true',
    });
  }
  const codeMap = new Map<string, string>();
  for (const r of read('code_map.csv')) codeMap.set(`${r.dimension}|${r.agency}|${r.code}`, r.value ?? '');
  const states = read('us_states.csv').map((r) => r.state_code ?? '');
  return { servicerMap, codeMap, states };
}

/** Approximate 2020 census populations (millions); Puerto Rico scaled down (few agency loans). */
export const STATE_POPULATION: Record<string, number> = {
  AL: 5.02, AK: 0.73, AZ: 7.15, AR: 3.01, CA: 39.5, CO: 5.77, CT: 3.61, DE: 0.99, DC: 0.69, FL: 21.5,
  GA: 10.7, HI: 1.46, ID: 1.84, IL: 12.8, IN: 6.79, IA: 3.19, KS: 2.94, KY: 4.51, LA: 4.66, ME: 1.36,
  MD: 6.18, MA: 7.03, MI: 10.1, MN: 5.71, MS: 2.96, MO: 6.15, MT: 1.08, NE: 1.96, NV: 3.1, NH: 1.38,
  NJ: 9.29, NM: 2.12, NY: 20.2, NC: 10.4, ND: 0.78, OH: 11.8, OK: 3.96, OR: 4.24, PA: 13.0, RI: 1.1,
  SC: 5.12, SD: 0.89, TN: 6.91, TX: 29.1, UT: 3.27, VT: 0.64, VA: 8.63, WA: 7.71, WV: 1.79, WI: 5.89,
  WY: 0.58, GU: 0.15, PR: 1.0, VI: 0.09,
};

/** ZIP3 prefixes by state (inclusive ranges, approximate USPS allocation). */
export const STATE_ZIP3: Record<string, Array<[number, number]>> = {
  MA: [[10, 27]], RI: [[28, 29]], NH: [[30, 38]], ME: [[39, 49]], VT: [[50, 59]], CT: [[60, 69]],
  NJ: [[70, 89]], PR: [[6, 7], [9, 9]], VI: [[8, 8]], NY: [[100, 149]], PA: [[150, 196]], DE: [[197, 199]],
  DC: [[200, 205]], MD: [[206, 219]], VA: [[220, 246]], WV: [[247, 268]], NC: [[270, 289]],
  SC: [[290, 299]], GA: [[300, 319]], FL: [[320, 349]], AL: [[350, 369]], TN: [[370, 385]],
  MS: [[386, 397]], KY: [[400, 427]], OH: [[430, 459]], IN: [[460, 479]], MI: [[480, 499]],
  IA: [[500, 528]], WI: [[530, 549]], MN: [[550, 567]], SD: [[570, 577]], ND: [[580, 588]],
  MT: [[590, 599]], IL: [[600, 629]], MO: [[630, 658]], KS: [[660, 679]], NE: [[680, 693]],
  LA: [[700, 714]], AR: [[716, 729]], OK: [[730, 749]], TX: [[750, 799]], CO: [[800, 816]],
  WY: [[820, 831]], ID: [[832, 838]], UT: [[840, 847]], AZ: [[850, 865]], NM: [[870, 884]],
  NV: [[889, 898]], CA: [[900, 961]], HI: [[967, 968]], GU: [[969, 969]], OR: [[970, 979]],
  WA: [[980, 994]], AK: [[995, 999]],
};

/** A few real MSA codes, for the msa fields (not used by any mart). */
export const MSA_CODES = ['35620', '31080', '16980', '19100', '26420', '47900', '33100', '37980', '12060', '14460', '41860', '38060', '40140', '19820', '42660', '33460', '41740', '45300', '19740', '41180'];

/** Average 30-year fixed rate by year (Freddie Mac PMMS, rounded): vintage rates and prepayment incentive. */
const RATE_BY_YEAR: Record<number, number> = {
  1999: 7.4, 2000: 8.05, 2001: 6.95, 2002: 6.55, 2003: 5.85, 2004: 5.85, 2005: 5.85, 2006: 6.4, 2007: 6.35,
  2008: 6.05, 2009: 5.05, 2010: 4.7, 2011: 4.45, 2012: 3.65, 2013: 4.0, 2014: 4.15, 2015: 3.85, 2016: 3.65,
  2017: 4.0, 2018: 4.55, 2019: 3.95, 2020: 3.1, 2021: 2.95, 2022: 5.35, 2023: 6.8, 2024: 6.7, 2025: 6.6,
};

export function marketRate(year: number): number {
  if (RATE_BY_YEAR[year] !== undefined) return RATE_BY_YEAR[year];
  return year < 1999 ? 7.5 : 6.5;
}

/** Median-ish original balance by year (grows with house prices). */
export function typicalUpb(year: number): number {
  const y = Math.min(Math.max(year, 1999), 2025);
  return 130_000 * Math.pow(1.035, y - 1999);
}

/** Conforming loan limit (one unit, baseline) by year, approximate. */
export function conformingLimit(year: number): number {
  if (year <= 2000) return 252_700;
  if (year <= 2005) return 359_650;
  if (year <= 2016) return 417_000;
  const table: Record<number, number> = { 2017: 424_100, 2018: 453_100, 2019: 484_350, 2020: 510_400, 2021: 548_250, 2022: 647_200, 2023: 726_200, 2024: 766_550 };
  return table[year] ?? 806_500;
}

/**
 * How often each seed spelling is drawn (relative weights); unlisted spellings weigh 1.
 * Optional [from, to] years restrict a spelling to the years the company used it.
 */
export const LENDER_WEIGHTS: Record<string, { w: number; from?: number; to?: number }> = {
  'WELLS FARGO BANK, N.A.': { w: 14 },
  'WELLS FARGO BANK, NA': { w: 4 },
  'WELLS FARGO BANK,  NA': { w: 2 },
  'JPMORGAN CHASE BANK, NATIONAL ASSOCIATION': { w: 6 },
  'JPMORGAN CHASE BANK, NA': { w: 4 },
  'JP MORGAN CHASE BANK, NA': { w: 3 },
  'CHASE HOME FINANCE': { w: 2, to: 2011 },
  'CHASE HOME FINANCE, LLC': { w: 2, to: 2011 },
  'CHASE HOME FINANCE (CIE 1)': { w: 1, to: 2011 },
  'BANK OF AMERICA, N.A.': { w: 8 },
  'QUICKEN LOANS INC.': { w: 6, to: 2019 },
  'QUICKEN LOANS, LLC': { w: 6, from: 2019, to: 2021 },
  'ROCKET MORTGAGE, LLC': { w: 8, from: 2021 },
  'UNITED SHORE FINANCIAL SERVICES, LLC': { w: 3, from: 2013, to: 2020 },
  'UNITED SHORE FINANCIAL SERVICES, LLC D/B/A UNITED WHOLESALE MORTGAGE': { w: 3, from: 2018, to: 2020 },
  'UNITED WHOLESALE MORTGAGE, LLC': { w: 5, from: 2020 },
  'NATIONSTAR MORTGAGE, LLC': { w: 4 },
  'NATIONSTAR MORTGAGE LLC DBA MR. COOPER': { w: 3, from: 2018 },
  'SUNTRUST MORTGAGE INC.': { w: 2, to: 2019 },
  'TRUIST BANK': { w: 2, from: 2020 },
  'CALIBER HOME LOANS, INC.': { w: 3, from: 2013 },
  'LOANDEPOT.COM, LLC': { w: 3, from: 2012 },
  'FREEDOM MORTGAGE CORPORATION': { w: 3 },
  'FREEDOM MORTGAGE CORP.': { w: 1 },
  'CITIMORTGAGE, INC.': { w: 4 },
  'PNC BANK, N.A.': { w: 2 },
  'PNC BANK, NA': { w: 1 },
  'U.S. BANK N.A.': { w: 4 },
  'FLAGSTAR BANK, FSB': { w: 2 },
  'PROVIDENT FUNDING ASSOCIATES, L.P.': { w: 2 },
  'LAKEVIEW LOAN SERVICING, LLC': { w: 2 },
  'DITECH FINANCIAL LLC': { w: 1, from: 2015, to: 2019 },
  'GREEN TREE SERVICING, LLC': { w: 1, to: 2015 },
  'GMAC MORTGAGE, LLC': { w: 2, to: 2012 },
  'FANNIE MAE/SETERUS, INC. AS SUBSERVICER': { w: 1, to: 2019 },
  'FDIC, RECEIVER, INDYMAC FEDERAL BANK FSB': { w: 1, to: 2010 },
  'J.P. MORGAN MADISON AVENUE SECURITIES TRUST, SERIES 2014-1': { w: 0.3, from: 2014 },
  'WELLS FARGO CREDIT RISK TRANSFER SECURITIES TRUST 2015': { w: 0.3, from: 2015 },
  OTHER: { w: 30 },
  'Other sellers': { w: 30 },
  'Other servicers': { w: 25 },
};

/**
 * Spellings deliberately absent from the seed (the "no exact match" warning test). They go through
 * standardize_name instead; each is rare.
 */
export const UNMAPPED_SPELLINGS = [
  'Wells Fargo Bank, N.A.',
  'QUICKEN LOANS, INC.',
  'NATIONSTAR MORTGAGE LLC',
  'ROCKET MORTGAGE,  LLC',
  'PENNYMAC LOAN SERVICES, LLC',
  'SPECIALIZED LOAN SERVICING LLC',
];
