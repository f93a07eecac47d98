/**
 * How a `load:` spec maps onto COPY text format: the constants the line encoder works with and
 * the WITH clause of the COPY statement.
 *
 * The file's own delimiter is used as COPY's DELIMITER, so ordinary fields pass through byte for
 * byte. COPY's NULL string is '' when '' is one of `null_values` (then empty fields need no
 * rewriting, the common case for the loan files) and COPY's default `\N` otherwise; other null
 * values (e.g. 'NULL') are rewritten to that string.
 */
import { quoteLiteral } from '../adapters/postgres/index.js';
import type { LoadSpec } from './types.js';

/** Byte classes of the scan loop; the non-delimiter ones double as per-line flags. */
export const BYTE_NUL = 1;
export const BYTE_CR = 2;
export const BYTE_BACKSLASH = 4;
export const BYTE_QUOTE = 8;
export const BYTE_DELIMITER = 128;

export interface LineFormat {
  /** byteClass[b]: 0 for an ordinary byte, else one of the BYTE_* classes. */
  byteClass: Uint8Array;
  /** The delimiter byte (also COPY's DELIMITER). */
  delimiter: number;
  /** The quote byte, or -1 without quoting. */
  quote: number;
  /** Number of raw columns. */
  columns: number;
  minColumns: number;
  extraColumns: 'ignore' | 'error';
  /** COPY's NULL string as bytes: empty, or `\N`. */
  copyNull: Buffer;
  /** Values that must be rewritten to copyNull (every null value other than copyNull itself). */
  rewriteNulls: Buffer[];
  /** rewriteLengths[n] === 1 when some value in rewriteNulls has n bytes (n < 256). */
  rewriteLengths: Uint8Array | null;
  /** Delimiter + copyNull: appended once per missing field when a short row is padded. */
  padUnit: Buffer;
  latin1: boolean;
}

const BACKSLASH_N = Buffer.from('\\N');

export function lineFormat(spec: LoadSpec): LineFormat {
  const encoding = spec.encoding === 'latin1' ? 'latin1' : 'utf8';
  const emptyIsNull = spec.nullValues.includes('');
  const copyNull = emptyIsNull ? Buffer.alloc(0) : BACKSLASH_N;
  const rewriteNulls = [...new Set(spec.nullValues.filter((v) => v !== ''))].map((v) => Buffer.from(v, encoding));
  let rewriteLengths: Uint8Array | null = null;
  for (const v of rewriteNulls) {
    if (v.length >= 256) continue;
    rewriteLengths ??= new Uint8Array(256);
    rewriteLengths[v.length] = 1;
  }
  const delimiter = spec.delimiter.charCodeAt(0);
  const quote = spec.quote === null ? -1 : spec.quote.charCodeAt(0);
  return {
    byteClass: byteClasses(delimiter, quote),
    delimiter,
    quote,
    columns: spec.columns.length,
    minColumns: spec.minColumns,
    extraColumns: spec.extraColumns,
    copyNull,
    rewriteNulls,
    rewriteLengths,
    padUnit: Buffer.concat([Buffer.from([delimiter]), copyNull]),
    latin1: encoding === 'latin1',
  };
}

function byteClasses(delimiter: number, quote: number): Uint8Array {
  const t = new Uint8Array(256);
  t[0] = BYTE_NUL;
  t[13] = BYTE_CR;
  t[92] = BYTE_BACKSLASH;
  if (quote >= 0) t[quote] = BYTE_QUOTE;
  t[delimiter] = BYTE_DELIMITER;
  return t;
}

/** `(FORMAT text, DELIMITER '|', NULL '')`: the options of the COPY statement for this format. */
export function copyOptionsSql(format: LineFormat): string {
  const delimiter = String.fromCharCode(format.delimiter);
  const nul = format.copyNull.length === 0 ? "''" : quoteLiteral('\\N');
  return `(FORMAT text, DELIMITER ${quoteLiteral(delimiter)}, NULL ${nul})`;
}
