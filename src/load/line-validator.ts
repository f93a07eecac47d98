/**
 * The streaming validation stage between a raw file and COPY: raw bytes in, COPY text-format
 * rows out, each row followed by its `_line` (the physical line number in the file). Bad lines
 * (wrong field count after padding, invalid UTF-8, a NUL byte, a broken quote) are set aside in
 * `badRows` and skipped; past `max_bad_rows` (or at the first with `on_bad_row: fail`) the
 * stream fails with a LOAD error, which makes the COPY send CopyFail so nothing of the file stays.
 *
 * Cost per chunk: `buffer.isUtf8` on the complete lines (native; only a failing chunk is checked
 * line by line), `indexOf` for newlines, one byte loop per line (line-encoder.ts), one copy into
 * the output buffer, and sha1 of the raw bytes for the ledger. Nothing is kept across chunks but
 * an incomplete last line and the bad rows (each cut to 1 KB).
 *
 * A RowFilter (the keyed reload's line hashes, line-hashes.ts) sees every good row and may keep
 * it from COPY, a line it already knows before it is even encoded; such lines are then skipped
 * lines for the COPY-row-to-line mapping.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { StrataError } from '../errors/strata-error.js';
import { ByteCounter } from './byte-counter.js';
import { CopyBuffer } from './copy-buffer.js';
import { blockKind, encodeLine, hasRareBytes, NullFields } from './line-encoder.js';
import { lineFormat, type LineFormat } from './line-format.js';
import type { LoadSpec } from './types.js';

/**
 * Sees every good row (a keyed source's line hashes, line-hashes.ts). A *simple* line (no byte to
 * escape, no quote: its raw bytes are its row's fields, nulls spelled as null values) is shown
 * to `known` first, before it is encoded; true means it is a row the filter already has (an
 * unchanged line of a keyed reload): it counts as a row of the file and is neither encoded nor
 * sent. Every other good row comes to `accept` encoded for COPY (row[rowStart, rowEnd), without
 * `_line`), with `simple` telling whether `known` saw its line just before; false keeps it from
 * COPY, and it still counts as a row.
 */
export interface RowFilter {
  /** Whether `known` takes lines at all (a keyed reload's prefilter), or only sees them. */
  readonly knows: boolean;
  known(line: Buffer, start: number, end: number): boolean;
  accept(row: Buffer, rowStart: number, rowEnd: number, simple: boolean): boolean;
}

export interface BadRow {
  /** Physical line number in the (decompressed) file, 1-based. */
  line: number;
  /** The line as text, cut to 1 KB (invalid bytes shown as U+FFFD, NUL as U+2400). */
  raw: string;
  reason: string;
}

/** Bytes of raw text kept per bad row. */
export const RAW_TEXT_LIMIT = 1024;
/** A line longer than this fails the file (a wrong delimiter or a binary file, not data). */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;
/** Output is handed to COPY in writes of about this size. */
const FLUSH_BYTES = 256 * 1024;
/** Runs of lines not sent to COPY kept to map COPY's row numbers back to file lines. */
const MAX_SKIPPED_RUNS = 1_000_000;

export class LineValidator extends Transform {
  readonly badRows: BadRow[] = [];
  /** Good rows: the file's rows. */
  rows = 0;
  /** Rows written for COPY (fewer than `rows` when a RowFilter kept some back). */
  sent = 0;
  /** Bytes read (after decompression). */
  bytes = 0;
  /** Physical lines seen so far. */
  lines = 0;
  /** sha1 (hex) of the bytes read, once the input has ended. */
  checksum: string | undefined;
  readonly format: LineFormat;
  private readonly out = new CopyBuffer();
  private readonly counter: ByteCounter;
  private readonly nullFields = new NullFields();
  private readonly hash = createHash('sha1');
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private headerPending: boolean;
  /**
   * Lines not sent to COPY (header, blank, bad, filtered) as runs: first, last, first, last, ...
   * ascending; null once there were too many runs.
   */
  private skipped: number[] | null = [];

  constructor(
    private readonly spec: LoadSpec,
    private readonly fileName: string,
    private readonly rowFilter?: RowFilter,
  ) {
    super();
    this.format = lineFormat(spec);
    this.counter = new ByteCounter(this.format.delimiter);
    this.headerPending = spec.header;
    this.out.reset(FLUSH_BYTES * 2);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.bytes += chunk.length;
      this.hash.update(chunk);
      this.consume(chunk);
      if (this.out.pos >= FLUSH_BYTES) this.flushOutput();
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.carryBytes > 0) {
        const last = Buffer.concat([...this.carry, Buffer.from('\n')]);
        this.carry = [];
        this.carryBytes = 0;
        this.processLines(last, 0, last.length);
      }
      // Every line bad: not a file of this layout (another delimiter, another source's file).
      // Loading it would report success with nothing loaded; it fails, like too many bad rows.
      if (this.rows === 0 && this.badRows.length > 0) {
        const n = this.badRows.length;
        throw new StrataError('LOAD', `${this.fileName}: none of its ${n} line${n === 1 ? '' : 's'} is a good row; nothing of this file was loaded`, {
          details: this.badRows.slice(0, 5).map((b) => `line ${b.line}: ${b.reason}`),
          hint: 'is it a file of this source? check `delimiter`, `columns`, `min_columns` and `header` of its load: block',
        });
      }
      this.flushOutput();
      this.checksum = this.hash.digest('hex');
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  /**
   * The file line of the n-th row sent to COPY (1-based), for a row the server rejects
   * (COPY's error context counts the rows it received). Undefined when it cannot be told.
   */
  lineOfCopyRow(n: number): number | undefined {
    const runs = this.skipped;
    if (runs === null) return undefined;
    let line = n;
    for (let i = 0; i < runs.length; i += 2) {
      if (runs[i]! > line) break;
      // Every line of a run that starts at or before `line` pushes it one further.
      line += runs[i + 1]! - runs[i]! + 1;
    }
    return line;
  }

  /** Splits a chunk into complete lines (processed now) and an incomplete tail (kept). */
  private consume(data: Buffer): void {
    let from = 0;
    if (this.carryBytes > 0) {
      const nl = data.indexOf(10);
      if (nl < 0) {
        this.keep(data);
        return;
      }
      const line = Buffer.concat([...this.carry, data.subarray(0, nl + 1)]);
      this.carry = [];
      this.carryBytes = 0;
      this.processLines(line, 0, line.length);
      from = nl + 1;
    }
    const last = data.lastIndexOf(10);
    if (last >= from) {
      this.processLines(data, from, last + 1);
      from = last + 1;
    }
    if (from < data.length) this.keep(data.subarray(from));
  }

  private keep(part: Buffer): void {
    this.carry.push(Buffer.from(part));
    this.carryBytes += part.length;
    if (this.carryBytes > MAX_LINE_BYTES) {
      throw new StrataError('LOAD', `${this.fileName}: line ${this.lines + 1} is longer than ${MAX_LINE_BYTES >> 20} MiB`, {
        hint: 'check `delimiter` and the line endings in the load: block; is this a text file?',
      });
    }
  }

  /** buf[from, to) holds whole lines, each ending with '\n'. */
  private processLines(buf: Buffer, from: number, to: number): void {
    // '\n' never occurs inside a UTF-8 sequence, so whole lines can be checked as one block.
    const checkLines = !this.format.latin1 && !isUtf8(buf.subarray(from, to));
    const kind = blockKind(this.format, buf, from, to);
    const plain = kind === 'classify' ? undefined : this.counter;
    plain?.use(buf);
    // With a filter most lines are never encoded: their null fields are found line by line.
    const nulls = kind !== 'nulls' ? undefined : this.rowFilter?.knows ? 'by line' : this.nullFields.find(this.format, buf, from, to);
    this.out.ensure(to - from + ((to - from) >> 2) + 64);
    let start = from;
    while (start < to) {
      const nl = buf.indexOf(10, start);
      this.line(buf, start, nl, checkLines, plain, nulls);
      start = nl + 1;
    }
  }

  private line(buf: Buffer, from: number, nl: number, checkUtf8: boolean, plain: ByteCounter | undefined, nulls: NullFields | 'by line' | undefined): void {
    const lineNo = ++this.lines;
    const end = nl > from && buf[nl - 1] === 13 ? nl - 1 : nl;
    // A UTF-8 byte order mark before the first line is not data.
    const bom = lineNo === 1 && !this.format.latin1 && end - from >= 3 && buf[from] === 0xef && buf[from + 1] === 0xbb && buf[from + 2] === 0xbf;
    const start = bom ? from + 3 : from;
    // Blank lines (no data; COPY would reject them) and the header, the first line that is not
    // blank, are not rows.
    if (end === start || this.headerPending) {
      if (end !== start) this.headerPending = false;
      this.skip(lineNo);
      return;
    }
    if (checkUtf8 && !isUtf8(buf.subarray(start, end))) {
      this.bad(lineNo, buf, start, end, 'invalid UTF-8');
      return;
    }
    const filter = this.rowFilter;
    const simple = filter !== undefined && (plain !== undefined || !hasRareBytes(this.format, buf, start, end));
    if (simple && filter.known(buf, start, end)) {
      this.rows++;
      this.skip(lineNo);
      return;
    }
    const out = this.out;
    const mark = out.pos;
    const lineNulls = nulls === 'by line' ? this.nullFields.find(this.format, buf, start, nl + 1) : nulls;
    const reason = encodeLine(this.format, buf, start, end, out, plain, lineNulls);
    if (reason !== null) {
      out.pos = mark;
      this.bad(lineNo, buf, start, end, reason);
      return;
    }
    this.rows++;
    if (filter && !filter.accept(out.data, mark, out.pos, simple)) {
      out.pos = mark;
      this.skip(lineNo);
      return;
    }
    out.byte(this.format.delimiter);
    out.uint(lineNo);
    out.byte(10);
    this.sent++;
  }

  private skip(lineNo: number): void {
    const runs = this.skipped;
    if (runs === null) return;
    if (runs.length > 0 && runs[runs.length - 1] === lineNo - 1) runs[runs.length - 1] = lineNo;
    else if (runs.length >= MAX_SKIPPED_RUNS * 2) this.skipped = null;
    else runs.push(lineNo, lineNo);
  }

  private bad(line: number, buf: Buffer, start: number, end: number, reason: string): void {
    this.skip(line);
    const cut = buf.subarray(start, Math.min(end, start + RAW_TEXT_LIMIT));
    const raw = cut.toString(this.format.latin1 ? 'latin1' : 'utf8').replaceAll('\0', '\u2400');
    this.badRows.push({ line, raw, reason });
    if (this.spec.onBadRow === 'fail') {
      throw new StrataError('LOAD', `${this.fileName}: line ${line}: ${reason}`, {
        hint: 'on_bad_row: fail stops at the first bad row; on_bad_row: quarantine sets bad rows aside and loads the rest',
      });
    }
    if (this.badRows.length > this.spec.maxBadRows) {
      throw new StrataError('LOAD', `${this.fileName}: more than max_bad_rows (${this.spec.maxBadRows}) bad rows; nothing of this file was loaded`, {
        details: this.badRows.slice(0, 5).map((b) => `line ${b.line}: ${b.reason}`),
        hint: 'fix the file, or raise max_bad_rows in the load: block of the source',
      });
    }
  }

  private flushOutput(): void {
    if (this.out.pos === 0) return;
    let bytes = this.out.take();
    // latin1 input: COPY gets UTF-8 (the session's client_encoding); ASCII needs no change.
    if (this.format.latin1 && !isAscii(bytes)) bytes = Buffer.from(bytes.toString('latin1'), 'utf8');
    this.push(bytes);
    this.out.reset(FLUSH_BYTES * 2);
  }
}
