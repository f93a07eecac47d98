/**
 * One raw line -> one COPY text-format row (without the trailing `_line` suffix and newline),
 * or the reason the line is a bad row.
 *
 * Fast path (almost every line): one byte loop counts delimiters and notes the rare bytes COPY
 * text format cares about (NUL, CR, backslash, the quote). A line with none of them and a
 * null-value rewrite is copied through unchanged, cut after the last declared column or padded
 * with NULLs. Only lines with such bytes take the slow path, which splits the fields and escapes
 * them (`\` -> `\\`, CR -> `\r`, and inside quoted fields the delimiter -> `\<delimiter>`).
 *
 * Quoting (when `quote` is set) is simple CSV style on one line: a field that starts with the
 * quote ends at the next lone quote, `""` inside is a literal quote, and the delimiter may occur
 * inside. A quoted field does not continue on the next line (an unterminated quote is a bad row).
 */
import type { ByteCounter } from './byte-counter.js';
import type { CopyBuffer } from './copy-buffer.js';
import { BYTE_DELIMITER, BYTE_NUL, BYTE_QUOTE, type LineFormat } from './line-format.js';

/** Line flag: a field equals a null value that must be rewritten (the byte classes are flags too). */
const F_NULL = 64;

const BACKSLASH = 92;
const CR = 13;
const LF = 10;

/** Does buf[start, end) equal one of the null values to rewrite? */
export function isRewrittenNull(fmt: LineFormat, buf: Uint8Array, start: number, end: number): boolean {
  const len = end - start;
  if (fmt.rewriteLengths === null || len >= 256 || fmt.rewriteLengths[len] !== 1) return false;
  outer: for (const v of fmt.rewriteNulls) {
    if (v.length !== len) continue;
    for (let k = 0; k < len; k++) if (buf[start + k] !== v[k]) continue outer;
    return true;
  }
  return false;
}

function fieldCountError(fmt: LineFormat, found: number): string | null {
  if (found < fmt.minColumns) {
    const expected = fmt.minColumns === fmt.columns ? `${fmt.columns}` : `${fmt.minColumns} to ${fmt.columns}`;
    return `expected ${expected} fields, found ${found}`;
  }
  if (found > fmt.columns && fmt.extraColumns === 'error') return `expected ${fmt.columns} fields, found ${found} (extra_columns: error)`;
  return null;
}

function pad(fmt: LineFormat, out: CopyBuffer, fields: number): void {
  for (let k = fields; k < fmt.columns; k++) out.bytes(fmt.padUnit);
}

/**
 * Does buf[start, end) contain a byte or value that needs more than counting delimiters (NUL, CR,
 * backslash, the quote, a null value to rewrite)? Checked once per chunk with native searches,
 * so that lines of a clean chunk take the counting loop.
 */
export function needsClassifying(fmt: LineFormat, buf: Buffer, start: number, end: number): boolean {
  const body = buf.subarray(start, end);
  if (body.indexOf(0) >= 0 || body.indexOf(13) >= 0 || body.indexOf(92) >= 0) return true;
  if (fmt.quote >= 0 && body.indexOf(fmt.quote) >= 0) return true;
  return fmt.rewriteNulls.some((v) => body.indexOf(v) >= 0);
}

/**
 * Encodes buf[start, end) (no line terminator) into `out`. Returns null when a row was written,
 * or the reason for a bad row (then nothing was written). `plain`: a delimiter counter over `buf`,
 * given when the caller knows the line has none of the bytes needsClassifying looks for.
 */
export function encodeLine(fmt: LineFormat, buf: Uint8Array, start: number, end: number, out: CopyBuffer, plain?: ByteCounter): string | null {
  if (!plain) return encodeClassified(fmt, buf, start, end, out);
  const fields = plain.count(start, end) + 1;
  const bad = fieldCountError(fmt, fields);
  if (bad !== null) return bad;
  out.copy(buf, start, fields > fmt.columns ? nthDelimiter(buf, start, fmt.delimiter, fmt.columns) : end);
  pad(fmt, out, fields);
  return null;
}

/** Position of the n-th delimiter at or after start (it exists). */
function nthDelimiter(buf: Uint8Array, start: number, D: number, n: number): number {
  let seen = 0;
  for (let i = start; ; i++) if (buf[i] === D && ++seen === n) return i;
}

function encodeClassified(fmt: LineFormat, buf: Uint8Array, start: number, end: number, out: CopyBuffer): string | null {
  const columns = fmt.columns;
  const nulls = fmt.rewriteLengths;
  let fields = 1;
  let flags = 0;
  let cut = -1;
  let fieldStart = start;
  const classes = fmt.byteClass;
  for (let i = start; i < end; i++) {
    const k = classes[buf[i] as number] as number;
    if (k === 0) continue;
    if (k === BYTE_DELIMITER) {
      if (nulls !== null && isRewrittenNull(fmt, buf, fieldStart, i)) flags |= F_NULL;
      if (fields === columns) cut = i;
      fields++;
      fieldStart = i + 1;
    } else {
      flags |= k;
    }
  }
  if (nulls !== null && isRewrittenNull(fmt, buf, fieldStart, end)) flags |= F_NULL;
  if (flags & BYTE_NUL) return 'NUL byte';
  if (flags & BYTE_QUOTE) return encodeQuotedLine(fmt, buf, start, end, out);
  const bad = fieldCountError(fmt, fields);
  if (bad !== null) return bad;
  if (flags === 0) {
    out.copy(buf, start, cut >= 0 ? cut : end);
    pad(fmt, out, fields);
  } else if (flags === F_NULL) {
    encodeRewritingNulls(fmt, buf, start, end, out);
  } else {
    encodeFields(fmt, buf, start, end, out);
  }
  return null;
}

/**
 * Null values to rewrite and no byte to escape (a file spelling its nulls `NULL` on every line):
 * the bytes between the null values are copied in runs, not field by field and byte by byte.
 */
function encodeRewritingNulls(fmt: LineFormat, buf: Uint8Array, start: number, end: number, out: CopyBuffer): void {
  const D = fmt.delimiter;
  let field = 0;
  let fieldStart = start;
  let runStart = start;
  for (let i = start; ; i++) {
    if (i < end && buf[i] !== D) continue;
    if (isRewrittenNull(fmt, buf, fieldStart, i)) {
      out.copy(buf, runStart, fieldStart);
      out.bytes(fmt.copyNull);
      runStart = i; // the delimiter after the null value starts the next run
    }
    field++;
    // The end of the line, or of the last declared column (extra fields are dropped).
    if (i >= end || field === fmt.columns) {
      out.copy(buf, runStart, i);
      break;
    }
    fieldStart = i + 1;
  }
  pad(fmt, out, field);
}

/** Slow path without quotes: field by field, null values rewritten, `\` and CR escaped. */
function encodeFields(fmt: LineFormat, buf: Uint8Array, start: number, end: number, out: CopyBuffer): void {
  const D = fmt.delimiter;
  let field = 0;
  let fieldStart = start;
  for (let i = start; i <= end; i++) {
    if (i < end && buf[i] !== D) continue;
    if (field < fmt.columns) {
      if (field > 0) out.byte(D);
      writeValue(fmt, buf, fieldStart, i, out);
    }
    field++;
    fieldStart = i + 1;
  }
  pad(fmt, out, field);
}

/** One field's value, escaped for COPY text format (or COPY's NULL string for a null value). */
function writeValue(fmt: LineFormat, buf: Uint8Array, start: number, end: number, out: CopyBuffer): void {
  if (isRewrittenNull(fmt, buf, start, end)) {
    out.bytes(fmt.copyNull);
    return;
  }
  let runStart = start;
  for (let i = start; i < end; i++) {
    const c = buf[i] as number;
    const esc = c === BACKSLASH ? BACKSLASH : c === CR ? 114 : c === LF ? 110 : c === fmt.delimiter ? c : -1;
    if (esc < 0) continue;
    out.copy(buf, runStart, i);
    out.byte(BACKSLASH);
    out.byte(esc);
    runStart = i + 1;
  }
  out.copy(buf, runStart, end);
}

/** Splits a line with quoted fields into values; a string is the reason for a bad row. */
export function splitQuoted(fmt: LineFormat, buf: Uint8Array, start: number, end: number): Uint8Array[] | string {
  const D = fmt.delimiter;
  const Q = fmt.quote;
  const values: Uint8Array[] = [];
  let i = start;
  for (;;) {
    if (i < end && buf[i] === Q) {
      const parts: number[] = [];
      let j = i + 1;
      for (;;) {
        if (j >= end) return `unterminated quoted field (field ${values.length + 1})`;
        const c = buf[j] as number;
        if (c === Q && j + 1 < end && buf[j + 1] === Q) {
          parts.push(Q);
          j += 2;
        } else if (c === Q) {
          break;
        } else {
          parts.push(c);
          j++;
        }
      }
      values.push(Uint8Array.from(parts));
      i = j + 1;
      if (i < end && buf[i] !== D) return `unexpected character after a closing quote (field ${values.length})`;
    } else {
      let j = i;
      while (j < end && buf[j] !== D) j++;
      values.push(buf.subarray(i, j));
      i = j;
    }
    if (i >= end) return values;
    i++; // the delimiter
  }
}

function encodeQuotedLine(fmt: LineFormat, buf: Uint8Array, start: number, end: number, out: CopyBuffer): string | null {
  const values = splitQuoted(fmt, buf, start, end);
  if (typeof values === 'string') return values;
  const bad = fieldCountError(fmt, values.length);
  if (bad !== null) return bad;
  const n = Math.min(values.length, fmt.columns);
  for (let k = 0; k < n; k++) {
    if (k > 0) out.byte(fmt.delimiter);
    const v = values[k] as Uint8Array;
    writeValue(fmt, v, 0, v.length, out);
  }
  pad(fmt, out, values.length);
  return null;
}
