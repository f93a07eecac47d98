/**
 * Are the keys (`load.key`) of a file version unique and without NULLs? The keyed prefilter
 * (line-hashes.ts) needs that of every good row, on the row as encoded for COPY: the encoder
 * writes each value one way only, so `"1"`, `1` and other spellings of one value are one key,
 * and an escaped delimiter (`\|`) stays inside its field.
 *
 * A global set of a few million key hashes costs a cache miss per row (~0.3-0.5 µs measured).
 * The agencies' files are sorted by loan, then period, so the cheap way comes first:
 *
 * - `grouped` (the previous version's first key column never went down, bytewise): a key can
 *   only repeat within a run of rows with the same first key field, so only the rest of the key
 *   is hashed into a set that is cleared at each new run and stays small. A first key field
 *   lower than the one before makes the keys unusable (the caller falls back).
 * - `set`: every key's hash into one set (FNV-1a 64; a collision only looks like a repeat).
 * - `watch`: no uniqueness check; only whether the first key column is grouped, stored with the
 *   version's line hashes to pick the mode of its next reload.
 */
import { Fnv1a64 } from './fnv1a-64.js';
import { KeySet } from './hash-tables.js';
import { lineFormat, type LineFormat } from './line-format.js';
import type { LoadSpec } from './types.js';

export type KeyCheckMode = 'watch' | 'grouped' | 'set';

const BACKSLASH = 92;

export class KeyCheck {
  /** grouped / set: every key so far was unique and without NULLs. */
  usable = true;
  /** The first key column never went down (bytewise) so far. */
  grouped = true;
  private readonly fmt: LineFormat;
  /** 0-based positions of the key columns among the columns, ascending. */
  private readonly columns: number[];
  /** For each key column in declared order, its index in `columns`. */
  private readonly order: number[];
  /** Start and end of each key field in the current row (in column order). */
  private readonly bounds: Int32Array;
  private readonly set = new KeySet();
  private readonly fnv = new Fnv1a64();
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

  /** One good row, encoded for COPY: row[from, to). */
  row(row: Buffer, from: number, to: number): void {
    const checking = this.mode !== 'watch' && this.usable;
    if (!checking && !this.grouped) return;
    this.findFields(row, from, to);
    const first = this.order[0]!;
    const newRun = this.nextFirstField(row, this.bounds[first * 2]!, this.bounds[first * 2 + 1]!);
    if (!checking) return;
    if (this.mode === 'grouped' && !this.grouped) {
      this.usable = false;
      return;
    }
    const fnv = this.fnv.reset();
    for (let n = 0; n < this.order.length; n++) {
      const o = this.order[n]!;
      const s = this.bounds[o * 2]!;
      const e = this.bounds[o * 2 + 1]!;
      if (this.isNull(row, s, e)) {
        this.usable = false;
        return;
      }
      // Grouped: the run already has this first field. The delimiter never occurs unescaped
      // inside an encoded field, so the joined fields hash unambiguously.
      if (this.mode === 'set' || n > 0) fnv.update(row, s, e).byte(this.fmt.delimiter);
    }
    if (this.mode === 'grouped' && newRun) this.set.clear();
    if (!this.set.add(fnv.lo, fnv.hi)) this.usable = false;
  }

  /** Records the row's key fields' bounds. Rows are padded to every column: all are found. */
  private findFields(row: Buffer, from: number, to: number): void {
    const D = this.fmt.delimiter;
    let field = 0;
    let fieldStart = from;
    let k = 0;
    for (let i = from; i <= to && k < this.columns.length; i++) {
      if (i < to && row[i] === BACKSLASH) {
        i++; // an escaped byte (`\|` included) is part of the field
        continue;
      }
      if (i < to && row[i] !== D) continue;
      if (field === this.columns[k]) {
        this.bounds[k * 2] = fieldStart;
        this.bounds[k * 2 + 1] = i;
        k++;
      }
      field++;
      fieldStart = i + 1;
    }
  }

  /** Compares the first key field with the previous row's; true when it differs (a new run). */
  private nextFirstField(row: Buffer, s: number, e: number): boolean {
    const prev = this.previousFirst;
    const prevLength = this.previousFirstLength;
    let cmp = prevLength < 0 ? 1 : 0;
    for (let i = 0; cmp === 0 && i < Math.min(e - s, prevLength); i++) cmp = row[s + i]! - prev[i]!;
    if (cmp === 0) cmp = e - s - prevLength;
    if (cmp === 0) return false;
    if (cmp < 0) this.grouped = false;
    if (e - s > prev.length) this.previousFirst = Buffer.alloc(Math.max(e - s, prev.length * 2));
    row.copy(this.previousFirst, 0, s, e);
    this.previousFirstLength = e - s;
    return true;
  }

  /** Is row[s, e) COPY's NULL string? (The encoder writes every null value as exactly that.) */
  private isNull(row: Buffer, s: number, e: number): boolean {
    const n = this.fmt.copyNull;
    if (e - s !== n.length) return false;
    for (let i = 0; i < n.length; i++) if (row[s + i] !== n[i]) return false;
    return true;
  }
}
