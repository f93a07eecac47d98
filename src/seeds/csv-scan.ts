/**
 * Pass 1 over a seed, fast: a byte-level scanner that infers column types straight from the
 * file's bytes and finds out whether PostgreSQL's own CSV parser can load the file as it is.
 *
 * Why: csv-parse costs ~0.5 µs per field, and the seed path used to pay it twice (inference,
 * then re-encoding every row for COPY). This scanner looks at every value (dbt does too; no
 * sampling) without building strings for the common ones, and when nothing in the file needs
 * rewriting, pass 2 streams the raw bytes into `COPY ... (FORMAT csv)` (raw-csv-copy.ts), so it
 * costs what psql's \copy costs.
 *
 * It handles one shape of CSV, the one RFC 4180 describes and nearly every seed has: fields
 * either unquoted (no quote, delimiter, CR or LF inside) or fully quoted with `""` for a quote;
 * one line ending for the whole file (LF or CRLF); UTF-8 without NUL bytes; a single-byte
 * delimiter. On anything else (a stray quote, mixed line endings, a row with the wrong number of
 * fields, invalid UTF-8, ...) it gives up and the caller runs the csv-parse inference, which
 * either accepts the file exactly as before or reports the problem at its line as before. So
 * errors and edge cases keep one implementation; this file only has to be right about the
 * files it accepts.
 *
 * Within that shape, the raw bytes still differ from what dbt's rules load in a few cases, and
 * the scan records the first such `reencode` reason (the caller then re-encodes as before):
 * a NULL spelled `null` or blanks (PostgreSQL's CSV NULL is only the empty string), a typed
 * value with blanks around it (it is sent trimmed), a blank line between rows (csv-parse skips
 * it; COPY would not), a header spanning lines, and a lone `\.` line (COPY's end-of-data mark).
 * An empty quoted field `""` is fine: COPY's FORCE_NULL makes it NULL, as dbt does.
 */
import { isUtf8 } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';
import { incompleteTail } from './utf8-guard.js';
import { classifyAscii, classifyValue, isNullValue, Kind, lexAscii, mergeKinds, UNSURE, type Lexed } from './infer-types.js';

export interface CsvScan {
  /** Header fields as csv-parse would give them. */
  header: string[];
  /** Data rows (header and blank lines excluded). */
  rows: number;
  /** Per column: the merged kind of every non-null value (NONE for forced columns). */
  kinds: Kind[];
  /** Per column: a non-null value has blanks around it (only matters for typed columns). */
  padded: boolean[];
  /** Why the raw bytes cannot be given to COPY as they are; undefined when they can. */
  reencode: string | undefined;
  /** File offset of the header's first byte (after a BOM and leading blank lines). */
  start: number;
  /** File offset just past the last row (trailing blank lines excluded). */
  end: number;
  /** The file's line ending: CRLF (true) or LF. */
  crlf: boolean;
}

/** A data row as error paths see it: its number (1-based), file offset and the line breaks inside it. */
export interface RowBytes {
  index: number;
  start: number;
  innerLf: number;
  innerCr: number;
}

/** The file is outside the shape the scanner handles; csv-parse has to read it. */
export interface ScanGaveUp {
  gaveUp: string;
}

const LF = 10;
const CR = 13;
const QUOTE = 34;
const BACKSLASH = 92;
const DOT = 46;

/** Bytes read per call; a record longer than the buffer makes it grow. */
const CHUNK = 1024 * 1024;
/** Same bound as csv-parse's max_record_size: an unclosed quote must not read the whole file. */
const MAX_RECORD = 64 * 1024 * 1024;

/** First bytes of the values lexAscii reads: digits, `+`, `-`, `.`. */
const LEXABLE = new Uint8Array(256);
for (const c of '0123456789+-.') LEXABLE[c.charCodeAt(0)] = 1;

/** scan() results besides a byte offset. */
const NEED_MORE = -1;
const GAVE_UP = -2;

/** b[s, s + 4) spells `null` in any case. */
function isNullWord(b: Uint8Array, s: number): boolean {
  return ((b[s] as number) | 0x20) === 110 && ((b[s + 1] as number) | 0x20) === 117 && ((b[s + 2] as number) | 0x20) === 108 && ((b[s + 3] as number) | 0x20) === 108;
}

class Scanner {
  header: string[] | undefined;
  rows = 0;
  kinds: Kind[] = [];
  padded: boolean[] = [];
  reencode: string | undefined;
  gaveUp: string | undefined;
  start = 0;
  end = 0;
  /** 0 until the first line ending, then LF or CR (for CRLF). */
  eol = 0;
  private columns = 0;
  /** Still classifying this column (false once text, or forced by column_types). */
  private classify: boolean[] = [];
  /** A blank line came after the header, and no row since. */
  private blankPending = false;
  private pendingHeader: string[] = [];
  /** Error paths (findRow): called with each data row, before its checks; true stops the scan. */
  onRow: ((row: RowBytes) => boolean) | undefined;
  found: RowBytes | undefined;
  private readonly lexed: Lexed = { kind: UNSURE };
  /** Bytes that end an unquoted field (or make it invalid): the delimiter, CR, LF and `"`. */
  private readonly stop = new Uint8Array(256);

  constructor(
    private readonly delimiter: number,
    private readonly onHeader: (header: string[]) => readonly boolean[],
  ) {
    for (const c of [delimiter, CR, LF, QUOTE]) this.stop[c] = 1;
  }

  /**
   * Scans the complete records of buf[0, n) (buf starts at file offset `base`). Returns where the
   * first incomplete record starts (everything before is done), or GAVE_UP.
   */
  scan(buf: Buffer, n: number, base: number, final: boolean): number {
    let p = 0;
    if (base === 0) {
      // A UTF-8 BOM is not data (csv-parse drops it; COPY skips it with the header line).
      if (n < 3 && !final) return 0;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) p = 3;
    }
    while (p < n) {
      const next = this.record(buf, p, n, final, base);
      if (next === NEED_MORE) return p;
      if (next === GAVE_UP) return GAVE_UP;
      p = next;
    }
    return p;
  }

  private giveUp(why: string): number {
    this.gaveUp ??= why;
    return GAVE_UP;
  }

  /** One record starting at p: returns the offset after its line ending, NEED_MORE or GAVE_UP. */
  private record(buf: Buffer, p: number, n: number, final: boolean, base: number): number {
    const recStart = p;
    const d = this.delimiter;
    const first = buf[p] as number;
    if (first === LF || first === CR) {
      const after = this.lineEnd(buf, p, n, final);
      if (after < 0) return after;
      // A blank line: csv-parse skips it. Before the header or after the last row it is simply
      // left out of the byte range; between rows COPY would see it, so re-encode.
      if (this.header !== undefined) this.blankPending = true;
      return after;
    }
    const inHeader = this.header === undefined;
    if (inHeader) this.pendingHeader = [];
    let col = 0;
    for (;;) {
      let s: number;
      let e: number;
      let escaped = false;
      let known: Kind | typeof UNSURE = UNSURE;
      if (p < n && buf[p] === QUOTE) {
        s = p + 1;
        let q = s;
        for (;;) {
          q = buf.indexOf(QUOTE, q);
          if (q === -1 || q >= n) {
            if (final) return this.giveUp('a quoted field is never closed');
            return NEED_MORE;
          }
          if (q + 1 >= n && !final) return NEED_MORE; // is it `""` or the closing quote?
          if (q + 1 < n && buf[q + 1] === QUOTE) {
            escaped = true;
            q += 2;
            continue;
          }
          break;
        }
        e = q;
        p = q + 1;
        if (p < n) {
          const c = buf[p];
          if (c !== d && c !== LF && c !== CR) return this.giveUp('a character after a closing quote');
        }
      } else {
        s = p;
        // A column still being classified: read a number or date shape first, which finds the
        // field's end and its kind in one pass when the value is nothing more than that shape.
        const lexing = !inHeader && col < this.columns && this.classify[col] === true && LEXABLE[buf[p] as number] === 1;
        if (lexing) p = lexAscii(buf, p, n, this.lexed);
        const lexEnd = p;
        const stop = this.stop;
        while (p < n && stop[buf[p] as number] === 0) p++;
        if (p < n && buf[p] === QUOTE) return this.giveUp('a quote inside an unquoted field');
        e = p;
        if (p >= n && !final) return NEED_MORE;
        if (lexing && e === lexEnd) known = this.lexed.kind;
      }
      if (inHeader) this.pendingHeader.push(decode(buf, s, e, escaped));
      else if (known !== UNSURE) this.merge(col, known); // digits, signs and dots: never NULL, never padded
      else if (col < this.columns) this.field(buf, col, s, e, escaped);
      col++;
      if (p >= n) break; // the last record, without a line ending
      if (buf[p] === d) {
        p++;
        if (p >= n && !final) return NEED_MORE;
        if (p >= n) {
          // The file ends right after a delimiter: one more, empty field.
          if (inHeader) this.pendingHeader.push('');
          col++;
          break;
        }
        continue;
      }
      p = this.lineEnd(buf, p, n, final);
      if (p < 0) return p;
      break;
    }
    return this.endRecord(buf, recStart, p, col, base);
  }

  /** At a CR or LF: checks it is the file's line ending; returns the offset after it. */
  private lineEnd(buf: Buffer, p: number, n: number, final: boolean): number {
    let kind: number;
    let after: number;
    if (buf[p] === LF) {
      kind = LF;
      after = p + 1;
    } else {
      if (p + 1 >= n) return final ? this.giveUp('a carriage return without a line feed') : NEED_MORE;
      if (buf[p + 1] !== LF) return this.giveUp('a carriage return without a line feed');
      kind = CR;
      after = p + 2;
    }
    if (this.eol === 0) this.eol = kind;
    else if (this.eol !== kind) return this.giveUp('mixed line endings');
    return after;
  }

  private endRecord(buf: Buffer, recStart: number, after: number, fields: number, base: number): number {
    if (this.header === undefined) {
      const header = this.pendingHeader;
      this.header = header;
      this.columns = header.length;
      const forced = this.onHeader(header);
      this.kinds = new Array<Kind>(header.length).fill(Kind.NONE);
      this.padded = new Array<boolean>(header.length).fill(false);
      this.classify = header.map((_, i) => forced[i] !== true);
      // PostgreSQL's HEADER option skips one line; keep it simple when the header has several.
      if (header.some((h) => h.includes('\n') || h.includes('\r'))) this.reencode ??= 'the header spans several lines';
      this.start = base + recStart;
      this.end = base + after;
      return after;
    }
    if (this.onRow !== undefined && this.visit(buf, recStart, after, base)) return this.giveUp('stopped');
    if (fields !== this.columns) return this.giveUp('a row with the wrong number of fields');
    if (this.blankPending) this.reencode ??= 'a blank line between rows';
    // `\.` alone on a line ends COPY's input (a one-column seed could have that value).
    if (fields === 1 && buf[recStart] === BACKSLASH && buf[recStart + 1] === DOT) {
      const c = recStart + 2 === after ? LF : buf[recStart + 2];
      if (c === LF || c === CR) this.reencode ??= 'a line holding only \\.';
    }
    this.rows++;
    this.end = base + after;
    return after;
  }

  /** Error paths: describes the row in buf[recStart, after) to onRow; true to stop there. */
  private visit(buf: Buffer, recStart: number, after: number, base: number): boolean {
    // Every CR or LF but the line ending is inside quotes (unquoted fields cannot hold one).
    const ending = buf[after - 1] === LF ? (buf[after - 2] === CR ? 2 : 1) : 0;
    const row: RowBytes = { index: this.rows + 1, start: base + recStart, innerLf: 0, innerCr: 0 };
    for (let i = recStart; i < after - ending; i++) {
      if (buf[i] === LF) row.innerLf++;
      else if (buf[i] === CR) row.innerCr++;
    }
    if (!(this.onRow as (row: RowBytes) => boolean)(row)) return false;
    this.found = row;
    return true;
  }

  /**
   * One value (bytes [s, e), `""` still doubled when escaped): the null rule, padding, and the
   * column's kind. A record cut by the end of the buffer is scanned again from its start, which
   * is harmless: merging the same kind twice changes nothing and the flags only ever turn on.
   */
  private field(buf: Buffer, col: number, s: number, e: number, escaped: boolean): void {
    if (s === e) return; // NULL; an empty quoted field too, thanks to FORCE_NULL
    const a = buf[s] as number;
    const z = buf[e - 1] as number;
    if (a <= 32 || a >= 127 || z <= 32 || z >= 127) {
      // Blanks (maybe Unicode ones) or non-ASCII at an end: decide on the decoded string.
      const v = decode(buf, s, e, escaped);
      if (isNullValue(v)) {
        this.reencode ??= 'a NULL written as blanks or "null"';
        return;
      }
      if (!this.classify[col]) return;
      if (v.trim() !== v) this.padded[col] = true;
      this.merge(col, classifyValue(v));
      return;
    }
    if (e - s === 4 && isNullWord(buf, s)) {
      this.reencode ??= 'a NULL written as "null"';
      return;
    }
    if (!this.classify[col]) return;
    // A value with a quote in it is text; otherwise the byte classifier, or the string one.
    let k = escaped ? Kind.TEXT : classifyAscii(buf, s, e);
    if (k === UNSURE) k = classifyValue(buf.toString('utf8', s, e));
    this.merge(col, k as Kind);
  }

  private merge(col: number, kind: Kind): void {
    const k = mergeKinds(this.kinds[col] as Kind, kind);
    this.kinds[col] = k;
    if (k === Kind.TEXT) this.classify[col] = false;
  }
}

function decode(buf: Buffer, s: number, e: number, escaped: boolean): string {
  const v = buf.toString('utf8', s, e);
  return escaped ? v.replaceAll('""', '"') : v;
}

/**
 * Reads a seed chunk by chunk through the Scanner. Besides the scan itself it hands out the bytes
 * scanned so far that COPY should get (`takeReady`), so a load can stream what pass 1 has already
 * looked at (overlapped-load.ts). Every chunk gets a fresh buffer: handed-out bytes stay valid.
 */
export class CsvScanReader {
  private buf = Buffer.alloc(0);
  /** File offset of buf[0]. */
  private base = 0;
  /** buf[keep, len) was not scanned yet (an incomplete record, a cut character). */
  private keep = 0;
  private len = 0;
  /** buf[0, checked) is known to be UTF-8 without NUL. */
  private checked = 0;
  /** File offset up to which takeReady handed bytes out; 0 until the header is known. */
  private sent = 0;
  private gaveUp: string | undefined;
  /** The whole file was read, or the scan gave up. */
  done = false;

  private constructor(
    private readonly handle: FileHandle,
    private readonly scanner: Scanner,
    private readonly chunk: number,
  ) {}

  static async open(file: string, delimiter: number, onHeader: (header: string[]) => readonly boolean[], chunk = CHUNK, onRow?: (row: RowBytes) => boolean): Promise<CsvScanReader> {
    const scanner = new Scanner(delimiter, onHeader);
    scanner.onRow = onRow;
    return new CsvScanReader(await open(file, 'r'), scanner, chunk);
  }

  /** The row onRow stopped at. */
  get found(): RowBytes | undefined {
    return this.scanner.found;
  }

  /** Reads and scans the next chunk. */
  async step(): Promise<void> {
    if (this.done) return;
    const carry = this.len - this.keep;
    if (carry > MAX_RECORD) return this.stop('a record longer than 64 MiB');
    // A record longer than a chunk is scanned again from its start after each read; reading at
    // least as much as is carried keeps those re-scans linear in the record's length.
    const want = Math.max(this.chunk, carry);
    const buf = Buffer.allocUnsafe(carry + want);
    this.buf.copy(buf, 0, this.keep, this.len);
    const { bytesRead } = await this.handle.read(buf, carry, want, null);
    const final = bytesRead === 0;
    const len = carry + bytesRead;
    const checked = this.checked - this.keep;
    const base = this.base + this.keep;
    // Before scanning, so the header is never judged on broken bytes (csv-parse's path reads
    // the file again and names the line). A character cut by the chunk's end waits for the rest.
    const upTo = final ? len : len - incompleteTail(buf.subarray(0, len));
    const fresh = buf.subarray(checked, upTo);
    if (!isUtf8(fresh)) return this.stop('invalid UTF-8');
    if (fresh.indexOf(0) !== -1) return this.stop('a NUL byte');
    const scanned = this.scanner.scan(buf, upTo, base, final);
    if (scanned === GAVE_UP) return this.stop(this.scanner.gaveUp ?? 'unknown');
    this.buf = buf;
    this.base = base;
    this.len = len;
    this.keep = scanned;
    this.checked = upTo;
    if (final) this.done = true;
  }

  private stop(why: string): void {
    this.gaveUp ??= why;
    this.done = true;
  }

  /**
   * The bytes scanned since the last call that belong to COPY's input: from the header to the end
   * of the last complete row. Bytes held back after it (blank lines that may turn out to be
   * trailing) come out with the next row; if one does follow, `reencode` is set, and a caller
   * that checks it after each step never asks for them.
   */
  takeReady(): Buffer {
    const { start, end } = this.scanner;
    const from = Math.max(this.sent, start);
    if (this.scanner.header === undefined || end <= from) return Buffer.alloc(0);
    if (from < this.base) throw new Error(`internal: seed bytes from offset ${from} are no longer buffered`);
    this.sent = end;
    return this.buf.subarray(from - this.base, end - this.base);
  }

  /** The scan so far: the final one once `done`. */
  result(): CsvScan | ScanGaveUp {
    const s = this.scanner;
    if (this.gaveUp !== undefined) return { gaveUp: this.gaveUp };
    if (s.header === undefined) return { gaveUp: 'no header' };
    return { header: s.header, rows: s.rows, kinds: s.kinds, padded: s.padded, reencode: s.reencode, start: s.start, end: s.end, crlf: s.eol === CR };
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/**
 * Scans the whole file once. `onHeader` gets the header fields before any row is read (it
 * validates them and may throw) and returns which columns are forced by column_types (not
 * classified). Resolves to the scan, or to why the file needs csv-parse. Read errors reject.
 */
export async function scanSeedCsv(
  file: string,
  delimiter: number,
  onHeader: (header: string[]) => readonly boolean[],
  /** Bytes per read; tests use tiny ones to cut records everywhere. */
  chunk = CHUNK,
): Promise<CsvScan | ScanGaveUp> {
  const reader = await CsvScanReader.open(file, delimiter, onHeader, chunk);
  try {
    while (!reader.done) await reader.step();
    return reader.result();
  } finally {
    await reader.close();
  }
}

/**
 * Error paths: reads the file again and gives `stop` each data row (before its field count is
 * checked, so a bad row can be found too) until it returns true. Resolves to that row, or to
 * undefined when there is none or the file is outside the scanner's shape.
 */
export async function findRow(file: string, delimiter: number, stop: (row: RowBytes) => boolean): Promise<RowBytes | undefined> {
  // Every column "forced": nothing is classified, only rows are delimited.
  const reader = await CsvScanReader.open(file, delimiter, (h) => h.map(() => true), CHUNK, stop);
  try {
    while (!reader.done) await reader.step();
    return reader.found;
  } finally {
    await reader.close();
  }
}
