/**
 * One raw line -> one COPY text-format row (without the trailing `_line` suffix and newline),
 * or the reason the line is a bad row.
 *
 * Fast path (almost every line): the caller checks each block of lines once, with native
 * searches, for the rare bytes COPY text format cares about (NUL, a CR that does not end a line,
 * backslash, the quote). In a block without them a line's delimiters are counted four bytes at a
 * time (byte-counter.ts) and the line is copied through, cut after the last declared column or
 * padded with NULLs; the fields equal to a null value to rewrite (`NULL`) were found for the
 * whole block by native searches too (NullFields), and the runs between them are copied. Only
 * lines in a block with rare bytes take the slow path, which classifies every byte, splits the
 * fields and escapes them (`\` -> `\\`, CR -> `\r`, and inside quoted fields the delimiter -> `\<delimiter>`).
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
 * How a block of whole lines buf[start, end) is encoded: 'classify' when it holds a byte that
 * needs more than counting delimiters (NUL, a CR not right before a line feed, backslash, the
 * quote) or starts with a byte order mark, else 'nulls' when a null value to rewrite occurs in
 * it, else 'plain'. Native searches over the block, so that its lines take the counting path.
 */
export function blockKind(fmt: LineFormat, buf: Buffer, start: number, end: number): 'classify' | 'nulls' | 'plain' {
  const body = buf.subarray(start, end);
  if (body.indexOf(0) >= 0 || body.indexOf(BACKSLASH) >= 0) return 'classify';
  if (fmt.quote >= 0 && body.indexOf(fmt.quote) >= 0) return 'classify';
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return 'classify';
  // A CR ending a line (CRLF) is not part of it; any other CR is data to escape.
  for (let cr = body.indexOf(CR); cr >= 0; cr = body.indexOf(CR, cr + 2)) if (body[cr + 1] !== LF) return 'classify';
  return fmt.rewriteNulls.some((v) => body.indexOf(v) >= 0) ? 'nulls' : 'plain';
}

/**
 * Does the line buf[start, end) (without its line break) hold a byte that COPY text format
 * escapes or a quote? Without one, its raw bytes are its fields as written, nulls spelled as
 * null values (a RowFilter may know the line by them, line-validator.ts).
 */
export function hasRareBytes(fmt: LineFormat, buf: Uint8Array, start: number, end: number): boolean {
  const classes = fmt.byteClass;
  for (let i = start; i < end; i++) {
    const k = classes[buf[i] as number] as number;
    if (k !== 0 && k !== BYTE_DELIMITER) return true;
  }
  return false;
}

/**
 * The fields of a block of whole lines (of kind 'nulls', see blockKind) that equal a null value
 * to rewrite, found with one native search per occurrence instead of comparing every field of
 * every line: their starts and lengths in ascending order, consumed line by line (encodeLine).
 * A null value holds no delimiter and no line break (spec.ts), so a hit with a delimiter or a
 * line's edge on both sides is a whole field.
 */
export class NullFields {
  private starts = new Int32Array(4096);
  private lengths = new Int32Array(4096);
  private count = 0;
  private next = 0;

  /** Finds the null fields of buf[start, end) (whole lines, each ending with a line feed). */
  find(fmt: LineFormat, buf: Buffer, start: number, end: number): this {
    this.count = 0;
    this.next = 0;
    const D = fmt.delimiter;
    for (const v of fmt.rewriteNulls) {
      const len = v.length;
      for (let at = buf.indexOf(v, start); at >= 0 && at + len < end; at = buf.indexOf(v, at + 1)) {
        const before = at === start ? LF : buf[at - 1];
        const after = buf[at + len];
        if ((before === D || before === LF) && (after === D || after === LF || after === CR)) this.add(at, len);
      }
    }
    // Several values: each value's hits are in order, the union is not.
    if (fmt.rewriteNulls.length > 1 && this.count > 1) this.sort();
    return this;
  }

  private add(at: number, len: number): void {
    if (this.count === this.starts.length) {
      const starts = new Int32Array(this.count * 2);
      const lengths = new Int32Array(this.count * 2);
      starts.set(this.starts);
      lengths.set(this.lengths);
      this.starts = starts;
      this.lengths = lengths;
    }
    this.starts[this.count] = at;
    this.lengths[this.count++] = len;
  }

  private sort(): void {
    const order = Array.from({ length: this.count }, (_, i) => i).sort((a, b) => this.starts[a]! - this.starts[b]!);
    const starts = Int32Array.from(order, (i) => this.starts[i]!);
    const lengths = Int32Array.from(order, (i) => this.lengths[i]!);
    this.starts.set(starts);
    this.lengths.set(lengths);
  }

  /** Copies buf[start, stop) to out with the null fields in it written as COPY's NULL string. */
  write(fmt: LineFormat, buf: Uint8Array, start: number, stop: number, out: CopyBuffer): void {
    const starts = this.starts;
    let n = this.next;
    // Null fields of earlier lines not written (header, bad lines, dropped extra fields) come first.
    while (n < this.count && starts[n]! < start) n++;
    let run = start;
    for (; n < this.count && starts[n]! < stop; n++) {
      out.copy(buf, run, starts[n]!);
      out.bytes(fmt.copyNull);
      run = starts[n]! + this.lengths[n]!;
    }
    out.copy(buf, run, stop);
    this.next = n;
  }
}

/**
 * Encodes buf[start, end) (no line terminator) into `out`. Returns null when a row was written,
 * or the reason for a bad row (then nothing was written). `plain`: a delimiter counter over `buf`,
 * given when the line is in a block that blockKind did not send to 'classify'; `nulls`: that
 * block's null fields, when it is of kind 'nulls'.
 */
export function encodeLine(
  fmt: LineFormat, buf: Uint8Array, start: number, end: number, out: CopyBuffer, plain?: ByteCounter, nulls?: NullFields,
): string | null {
  if (!plain) return encodeClassified(fmt, buf, start, end, out);
  const fields = plain.count(start, end) + 1;
  const bad = fieldCountError(fmt, fields);
  if (bad !== null) return bad;
  const stop = fields > fmt.columns ? nthDelimiter(buf, start, fmt.delimiter, fmt.columns) : end;
  if (nulls) nulls.write(fmt, buf, start, stop, out);
  else out.copy(buf, start, stop);
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
