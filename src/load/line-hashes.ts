/**
 * The line hashes of a file of a keyed source (`load.key`), computed while it streams through
 * the LineValidator: a 128-bit hash of every good line, stored per file version
 * (line-hash-store.ts), so that the next version's keyed reload skips the lines it already has
 * without encoding them or sending them to the server:
 *
 * - `collect`: hashes every good line (first load, plain replace, full keyed diff); every line
 *   goes to COPY.
 * - `prefilter(previous)`: a line whose hash is among the previous version's (each previous
 *   line matches at most once) is unchanged and kept from COPY; every other good line goes to
 *   COPY. Every good line's key is checked too (key-check.ts): a repeated key, or a NULL in a
 *   key column, makes `keysUsable` false (the caller then takes the full diff, which handles
 *   both exactly as before).
 *
 * What is hashed: a *simple* line (no byte COPY escapes, no quote: almost every line of a loan
 * file) as its raw bytes, before it is encoded, so that an unchanged line costs a hash and a key
 * check and nothing else (measured on a re-published Fannie file: ~0.8 µs a line in all, against
 * ~2.5 µs when each line was encoded and then hashed); any other line as its row encoded for
 * COPY. The two kinds hash with different seeds, so a raw line and an encoded row never match
 * each other. Equal raw lines are equal rows (the encoding is a function of the bytes and the
 * `load:` block, whose settings the stored set's format fingerprint covers); equal encoded rows
 * are equal rows too, since the encoder writes each value one way only. A line respelled with
 * the same values (a `NULL` for an empty null, quotes added) is not known here and is sent; the
 * keyed reload then finds it equal to its row in SQL and leaves that row as it was
 * (keyed-reload.ts). Line breaks are not part of a line: CRLF and LF versions of a file match.
 *
 * MurmurHash3 x86_128 (murmur3-128.ts, ~0.12 µs per line here, nothing allocated; hash-wasm's
 * xxHash3-128 took 0.4-0.7 µs, Node's crypto md5 1.2-2 µs) is not a cryptographic hash, but two
 * different lines of one file sharing a 128-bit value is out of reach by chance (~2^-85 for 20M
 * lines).
 */
import { murmur3x86128 } from './murmur3-128.js';
import { HashChunks, PreviousLines } from './hash-tables.js';
import { KeyCheck, type KeyCheckMode } from './key-check.js';
import type { RowFilter } from './line-validator.js';
import type { LoadSpec } from './types.js';

/** Seeds of the two kinds of line (see above). */
const RAW_SEED = 1;
const ENCODED_SEED = 0;

export class LineHashes implements RowFilter {
  /** Every good line's hash, in line order: the set stored for this version. */
  readonly hashes = new HashChunks();
  /** The hash of the simple line `known` saw last and did not know, for `accept`. */
  private readonly rawHash = new Uint8Array(16);
  private rawPending = false;
  private readonly rowHash = new Uint8Array(16);

  private constructor(
    readonly keys: KeyCheck,
    private readonly previous: PreviousLines | undefined,
  ) {}

  /** Hashes every good line; keeps none from COPY. */
  static collect(spec: LoadSpec): LineHashes {
    return new LineHashes(new KeyCheck(spec, 'watch'), undefined);
  }

  /**
   * Keeps the lines of `previous` from COPY and checks the keys of `spec.key`, the cheap way
   * when the previous version's first key column was grouped (key-check.ts).
   */
  static prefilter(spec: LoadSpec, previous: PreviousLines, keysGrouped: boolean): LineHashes {
    const mode: KeyCheckMode = keysGrouped ? 'grouped' : 'set';
    return new LineHashes(new KeyCheck(spec, mode), previous);
  }

  get knows(): boolean {
    return this.previous !== undefined;
  }

  /** Prefilter: every key was unique and without NULLs. */
  get keysUsable(): boolean {
    return this.keys.usable;
  }

  /** Previous lines that no line of this version matched (vanished or changed rows). */
  get unmatched(): number {
    return this.previous?.untaken ?? 0;
  }

  known(line: Buffer, start: number, end: number): boolean {
    const h = murmur3x86128(line, start, end, RAW_SEED, this.rawHash);
    if (this.previous === undefined || !this.previous.take(h)) {
      this.rawPending = true;
      return false;
    }
    // A previous version's good line, byte for byte: a good row now too (the format fingerprint
    // covers what decides that), not encoded.
    this.rawPending = false;
    this.hashes.push(h);
    this.keys.row(line, start, end, true);
    return true;
  }

  accept(row: Buffer, rowStart: number, rowEnd: number, simple: boolean): boolean {
    const raw = simple && this.rawPending;
    this.rawPending = false;
    const h = raw ? this.rawHash : murmur3x86128(row, rowStart, rowEnd, ENCODED_SEED, this.rowHash);
    this.hashes.push(h);
    this.keys.row(row, rowStart, rowEnd);
    // A simple line `known` did not take is not among the previous lines.
    return this.previous === undefined || raw || !this.previous.take(h);
  }
}
