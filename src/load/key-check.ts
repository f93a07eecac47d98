/**
 * Are the keys (`load.key`) of a file version unique and without NULLs? The keyed prefilter
 * (line-hashes.ts) needs that of every good row, on the row as encoded for COPY: the encoder
 * writes each value one way only, so `"1"`, `1` and other spellings of one value are one key,
 * and an escaped delimiter (`\|`) stays inside its field.
 *
 * A global set of a few million key hashes costs a cache miss per row (~0.3-0.5 µs measured).
 * Loan files hold each loan's rows together (the generated Freddie files sorted by loan, the
 * Fannie ones with the loans in no order), so the cheap way comes first:
 *
 * - `grouped` (in the previous version, each value of the first key column was one run of
 *   adjacent rows): a key can only repeat within a run, so only the rest of the key is hashed
 *   into a set that is cleared at each new run and stays small; each run's first field goes into
 *   a set of run values (one insert per run, e.g. per loan, not per row). A first field seen in
 *   an earlier run makes the keys unusable (the caller falls back).
 * - `set`: every key's hash into one set (key-hash.ts, 64 bits; a collision only looks like a repeat).
 * - `watch`: no uniqueness check; only whether the first key column is grouped, stored with the
 *   version's line hashes to pick the mode of its next reload.
 *
 * Run values are 64-bit key hashes too: two values colliding only look like a value coming
 * back, which makes `grouped` false (the next reload takes `set`, or this one falls back).
 */
import { KeySet } from './hash-tables.js';
import { KeyHash } from './key-hash.js';
import { isRewrittenNull } from './line-encoder.js';
import { lineFormat, type LineFormat } from './line-format.js';
import type { LoadSpec } from './types.js';

export type KeyCheckMode = 'watch' | 'grouped' | 'set';

const BACKSLASH = 92;

export class KeyCheck {
  /** grouped / set: every key so far was unique and without NULLs. */
  usable = true;
  /** Each value of the first key column so far was one run of adjacent rows. */
  grouped = true;
  private readonly fmt: LineFormat;
  /** 0-based positions of the key columns among the columns, ascending. */
  private readonly columns: number[];
  /** For each key column in declared order, its index in `columns`. */
  private readonly order: number[];
  /** Start and end of each key field in the current row (in column order). */
  private readonly bounds: Int32Array;
  private readonly set = new KeySet();
  /** The first key field of every run so far (hashed). */
  private readonly runValues = new KeySet();
  private readonly hash = new KeyHash();
  private previousFirst = Buffer.alloc(256);
  /** Bytes of the previous row's first key field; -1 before the first row. */
  private previousFirstLength = -1;

  constructor(spec: LoadSpec, private readonly mode: KeyCheckMode) {
    this.fmt = lineFormat(spec);
    const positions = (spec.key ?? []).map((k) => spec.columns.indexOf(k));
    this.columns = [...positions].sort((a, b) => a - b);
    this.order = positions.map((p) => this.columns.indexOf(p));
    this.bounds = new Int32Array(this.columns.length * 2);
  }

  /**
   * One good row: encoded for COPY, or (`raw`) a simple line as written (line-validator.ts: no
   * byte to escape, no quote), whose fields are the encoded ones except that a null is spelled
   * as any null value. row[from, to).
   */
  row(row: Buffer, from: number, to: number, raw = false): void {
    const checking = this.mode !== 'watch' && this.usable;
    if (!checking && !this.grouped) return;
    // A line as written may stop before a key column: that column is NULL (padded) in its row.
    if (this.findFields(row, from, to) < this.columns.length) {
      this.usable = false;
      return;
    }
    const first = this.order[0]!;
    const newRun = this.nextFirstField(row, this.bounds[first * 2]!, this.bounds[first * 2 + 1]!);
    if (!checking) return;
    if (this.mode === 'grouped' && !this.grouped) {
      this.usable = false;
      return;
    }
    const hash = this.hash.reset();
    for (let n = 0; n < this.order.length; n++) {
      const o = this.order[n]!;
      const s = this.bounds[o * 2]!;
      const e = this.bounds[o * 2 + 1]!;
      if (raw ? this.isNullValue(row, s, e) : this.isNull(row, s, e)) {
        this.usable = false;
        return;
      }
      // Grouped: the run already has this first field. The delimiter never occurs unescaped
      // inside an encoded field, so the joined fields hash unambiguously.
      if (this.mode === 'set' || n > 0) hash.update(row, s, e).byte(this.fmt.delimiter);
    }
    if (this.mode === 'grouped' && newRun) this.set.clear();
    if (!this.set.add(hash.lo, hash.hi)) this.usable = false;
  }

  /** Records the row's key fields' bounds; how many were found (all of them in an encoded row, which is padded). */
  private findFields(row: Buffer, from: number, to: number): number {
    const D = this.fmt.delimiter;
    const columns = this.columns;
    const bounds = this.bounds;
    const wanted = columns.length;
    let k = 0;
    let want = columns[0]!;
    let field = 0;
    let i = from;
    // Field by field up to the last key column (locals only: this is the per-line hot path).
    for (;;) {
      const start = i;
      while (i < to) {
        const c = row[i]!;
        if (c === D) break;
        i += c === BACKSLASH ? 2 : 1; // an escaped byte (`\|` included) is part of the field
      }
      if (i > to) i = to;
      if (field === want) {
        bounds[k * 2] = start;
        bounds[k * 2 + 1] = i;
        if (++k === wanted) return k;
        want = columns[k]!;
      }
      if (i >= to) return k;
      field++;
      i++;
    }
  }

  /**
   * Compares the first key field with the previous row's; true when it differs (a new run),
   * and then a value that began an earlier run means the column is not grouped.
   */
  private nextFirstField(row: Buffer, s: number, e: number): boolean {
    const prev = this.previousFirst;
    const prevLength = this.previousFirstLength;
    let same = prevLength === e - s;
    for (let i = 0; same && i < prevLength; i++) same = row[s + i] === prev[i];
    if (same) return false;
    // Once not grouped, the run values are no longer needed (in `set` mode rows still come here).
    if (this.grouped) {
      const hash = this.hash.reset().update(row, s, e);
      if (!this.runValues.add(hash.lo, hash.hi)) this.grouped = false;
    }
    if (e - s > prev.length) this.previousFirst = Buffer.alloc(Math.max(e - s, prev.length * 2));
    row.copy(this.previousFirst, 0, s, e);
    this.previousFirstLength = e - s;
    return true;
  }

  /** Is the raw field row[s, e) a null value? */
  private isNullValue(row: Buffer, s: number, e: number): boolean {
    return (s === e && this.fmt.copyNull.length === 0) || isRewrittenNull(this.fmt, row, s, e);
  }

  /** Is row[s, e) COPY's NULL string? (The encoder writes every null value as exactly that.) */
  private isNull(row: Buffer, s: number, e: number): boolean {
    const n = this.fmt.copyNull;
    if (e - s !== n.length) return false;
    for (let i = 0; i < n.length; i++) if (row[s + i] !== n[i]) return false;
    return true;
  }
}
