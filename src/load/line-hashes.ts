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
 *   COPY. Every good line's key is checked too (key-check.ts): a repeated key, or a NULL in a
 *   key column, makes `keysUsable` false (the caller then takes the full diff, which handles
 *   both exactly as before).
 *
 * Why the encoded row and not the raw line: the encoder writes each value one way only (COPY's
 * NULL string for every null value, one escaping), so equal encoded rows are equal rows, as the
 * SQL diff compares them: a line spelled differently with the same values (CRLF, a dropped extra
 * field, `NULL` for an empty null, quotes) stays unchanged, and a line whose values a changed
 * `load:` block reads differently is changed. What an encoded row means depends only on COPY's
 * options, the encoding and the columns (line-hash-store.ts stores their fingerprint).
 *
 * xxHash3-128 (hash-wasm, ~0.3 µs per line here; Node's crypto md5 took ~1.2-2 µs) is not a
 * cryptographic hash, but two different lines of one file sharing a 128-bit value is out of
 * reach by chance (~2^-85 for 20M lines).
 */
import { createXXHash128, type IHasher } from 'hash-wasm';
import { HashChunks, PreviousLines } from './hash-tables.js';
import { KeyCheck, type KeyCheckMode } from './key-check.js';
import type { RowFilter } from './line-validator.js';
import type { LoadSpec } from './types.js';

export class LineHashes implements RowFilter {
  /** Every good line's hash, in line order: the set stored for this version. */
  readonly hashes = new HashChunks();

  private constructor(
    private readonly hasher: IHasher,
    readonly keys: KeyCheck,
    private readonly previous: PreviousLines | undefined,
  ) {}

  /** Hashes every good line; keeps none from COPY. */
  static async collect(spec: LoadSpec): Promise<LineHashes> {
    return new LineHashes(await createXXHash128(), new KeyCheck(spec, 'watch'), undefined);
  }

  /**
   * Keeps the lines of `previous` from COPY and checks the keys of `spec.key`, the cheap way
   * when the previous version's first key column was grouped (key-check.ts).
   */
  static async prefilter(spec: LoadSpec, previous: PreviousLines, keysGrouped: boolean): Promise<LineHashes> {
    const mode: KeyCheckMode = keysGrouped ? 'grouped' : 'set';
    return new LineHashes(await createXXHash128(), new KeyCheck(spec, mode), previous);
  }

  /** Prefilter: every key was unique and without NULLs. */
  get keysUsable(): boolean {
    return this.keys.usable;
  }

  /** Previous lines that no line of this version matched (vanished or changed rows). */
  get unmatched(): number {
    return this.previous?.untaken ?? 0;
  }

  accept(row: Buffer, rowStart: number, rowEnd: number): boolean {
    const h = this.hasher.init().update(row.subarray(rowStart, rowEnd)).digest('binary');
    this.hashes.push(h);
    this.keys.row(row, rowStart, rowEnd);
    return this.previous === undefined || !this.previous.take(h);
  }
}
