/**
 * The line hashes of a file of a keyed source (`load.key`), computed while it streams through
 * the LineValidator: xxHash3-128 of every good line's row as encoded for COPY (without `_line`).
 * Stored per file version (line-hash-store.ts), they let the next version's keyed reload skip
 * the lines it already has without sending them to the server:
 *
 * - `collect`: hashes every good line (first load, plain replace, full keyed diff); every line
 *   goes to COPY.
 * - `prefilter(previous)`: a line whose hash is among the previous version's (each previous
 *   line matches at most once) is unchanged and kept from COPY; every other good line goes to
 *   COPY. Every good line's key is hashed too (64-bit FNV-1a, fnv1a-64.ts), from its encoded
 *   COPY row (so `"1"`, `1` and other spellings of one value are one key), to check that the
 *   new version's keys are unique; a repeated key (or two keys whose hashes collide), or a
 *   NULL in a key column, makes `keysUsable` false (the caller then takes the full diff, which
 *   handles both exactly as before).
 *
 * Why the encoded row and not the raw line: the encoder writes each value one way only (COPY's
 * NULL string for every null value, one escaping), so equal encoded rows are equal rows, as the
 * SQL diff compares them: a line spelled differently with the same values (CRLF, a dropped extra
 * field, `NULL` for an empty null, quotes) stays unchanged, and a line whose values a changed
 * `load:` block reads differently is changed. What an encoded row means depends only on COPY's
 * options, the encoding and the columns (line-hash-store.ts stores their fingerprint). xxHash3-128 (hash-wasm, ~0.3 µs per line here; Node's crypto md5 took ~1.2-2 µs)
 * is not a cryptographic hash, but two different lines of one file sharing a 128-bit value is
 * out of reach by chance (~2^-85 for 20M lines).
 */
import { createXXHash128, type IHasher } from 'hash-wasm';
import { Fnv1a64 } from './fnv1a-64.js';
import { HashChunks, KeySet, PreviousLines } from './hash-tables.js';
import type { LineFormat } from './line-format.js';
import type { RowFilter } from './line-validator.js';
import type { LoadSpec } from './types.js';

const BACKSLASH = 92;

export class LineHashes implements RowFilter {
  /** Every good line's hash, in line order: the set stored for this version. */
  readonly hashes = new HashChunks();
  /** Prefilter: every key so far was unique and without NULLs. */
  keysUsable = true;
  private readonly keys = new KeySet();
  private readonly keyHash = new Fnv1a64();
  /** Start and end of each key field in the row being checked (in column order). */
  private readonly keyBounds: Int32Array;

  private constructor(
    private readonly hasher: IHasher,
    private readonly previous: PreviousLines | undefined,
    /** Prefilter: 0-based positions of the key columns among the columns, ascending. */
    private readonly keyColumns: number[],
    private readonly keyOrder: number[],
  ) {
    this.keyBounds = new Int32Array(keyColumns.length * 2);
  }

  /** Hashes every good line; keeps none from COPY. */
  static async collect(): Promise<LineHashes> {
    return new LineHashes(await createXXHash128(), undefined, [], []);
  }

  /** Keeps the lines of `previous` from COPY and checks the keys of `spec.key`. */
  static async prefilter(spec: LoadSpec, previous: PreviousLines): Promise<LineHashes> {
    const positions = (spec.key ?? []).map((k) => spec.columns.indexOf(k));
    const sorted = [...positions].sort((a, b) => a - b);
    // Fields are found in column order; the key is hashed in the declared order.
    return new LineHashes(await createXXHash128(), previous, sorted, positions.map((p) => sorted.indexOf(p)));
  }

  /** Previous lines that no line of this version matched (vanished or changed rows). */
  get unmatched(): number {
    return this.previous?.untaken ?? 0;
  }

  accept(fmt: LineFormat, row: Buffer, rowStart: number, rowEnd: number): boolean {
    const h = this.hasher.init().update(row.subarray(rowStart, rowEnd)).digest('binary');
    this.hashes.push(h);
    if (this.previous === undefined) return true;
    if (this.keysUsable) this.checkKey(fmt, row, rowStart, rowEnd);
    return !this.previous.take(h);
  }

  /** Hashes the key fields of an encoded COPY row into the key set. */
  private checkKey(fmt: LineFormat, row: Buffer, from: number, to: number): void {
    const D = fmt.delimiter;
    const bounds = this.keyBounds;
    let field = 0;
    let fieldStart = from;
    let k = 0;
    for (let i = from; i <= to && k < this.keyColumns.length; i++) {
      if (i < to && row[i] === BACKSLASH) {
        i++; // an escaped byte (`\|` included) is part of the field
        continue;
      }
      if (i < to && row[i] !== D) continue;
      if (field === this.keyColumns[k]) {
        bounds[k * 2] = fieldStart;
        bounds[k * 2 + 1] = i;
        k++;
      }
      field++;
      fieldStart = i + 1;
    }
    const fnv = this.keyHash.reset();
    for (const o of this.keyOrder) {
      const s = bounds[o * 2]!;
      const e = bounds[o * 2 + 1]!;
      if (isNull(fmt, row, s, e)) {
        this.keysUsable = false;
        return;
      }
      // The delimiter never occurs unescaped inside an encoded field: the join is unambiguous.
      fnv.update(row, s, e).byte(D);
    }
    if (!this.keys.add(fnv.lo, fnv.hi)) this.keysUsable = false;
  }
}

/** Is row[s, e) COPY's NULL string? (The encoder writes every null value as exactly that.) */
function isNull(fmt: LineFormat, row: Buffer, s: number, e: number): boolean {
  const n = fmt.copyNull;
  if (e - s !== n.length) return false;
  for (let i = 0; i < n.length; i++) if (row[s + i] !== n[i]) return false;
  return true;
}
