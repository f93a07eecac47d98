/**
 * In-memory sets of 16-byte hashes for the keyed reload's prefilter (line-hashes.ts): a file
 * version's line hashes (millions of them) kept as plain typed arrays, not as JavaScript strings
 * or BigInts (a Set of 2M 16-byte strings costs ~150 MB and much GC time; these cost 16-25 bytes
 * per hash). The hashes are uniformly distributed, so their first word serves as the slot.
 *
 * - HashChunks: hashes in arrival order, in chunks of CHUNK_HASHES (what is stored per part).
 * - PreviousLines: the previous version's line hashes, each taken at most once (a line repeated
 *   n times in the file is n entries; each new line with that hash takes one).
 * - KeySet: 64-bit hashes of row keys seen so far; `add` says whether one was already there.
 */

/** Bytes per hash. */
export const HASH_BYTES = 16;
/** Hashes per chunk (16 MiB): what one part row of strata_meta.load_line_hashes holds. */
export const CHUNK_HASHES = 1 << 20;

/** The first 32-bit little-endian word of hash h (at offset o). */
function word(h: Uint8Array, o: number): number {
  return (h[o]! | (h[o + 1]! << 8) | (h[o + 2]! << 16) | (h[o + 3]! << 24)) >>> 0;
}

/** Slots for `n` entries: a power of two at least twice n (load factor at most 1/2). */
function slotCount(n: number): number {
  let size = 16;
  while (size < n * 2) size *= 2;
  return size;
}

/** Hashes in arrival order, chunked: chunks start at 1 MiB and double up to CHUNK_HASHES. */
export class HashChunks {
  readonly chunks: Buffer[] = [];
  count = 0;
  private current: Buffer | undefined;
  private pos = 0;

  push(h: Uint8Array): void {
    let cur = this.current;
    if (cur === undefined || this.pos === cur.length) {
      const size = cur === undefined ? 1 << 16 : Math.min(CHUNK_HASHES, (cur.length / HASH_BYTES) * 2);
      cur = this.current = Buffer.allocUnsafe(size * HASH_BYTES);
      this.chunks.push(cur);
      this.pos = 0;
    }
    // Sixteen byte stores cost less than a subarray view and a native copy per line.
    const p = this.pos;
    for (let i = 0; i < HASH_BYTES; i++) cur[p + i] = h[i]!;
    this.pos = p + HASH_BYTES;
    this.count++;
  }

  /** The chunks trimmed to what was written (the last one is usually partial). */
  parts(): Buffer[] {
    return this.chunks.map((c, i) => (i === this.chunks.length - 1 ? c.subarray(0, this.pos) : c));
  }
}

/**
 * The previous version's line hashes; `take` marks one matching entry as seen. A re-published
 * file keeps its lines' order (new months slot in between), so the entry after the last one
 * taken is tried first: a sequential read instead of a probe into a table far larger than the
 * CPU's caches (measured: ~0.4 µs per line for the probe on 290k lines).
 */
export class PreviousLines {
  readonly count: number;
  private taken = 0;
  /** The entry after the last one taken. */
  private cursor = 0;
  /** 4 words per hash, copied (aligned) from the stored bytes. */
  private readonly words: Uint32Array;
  /** Per slot: index + 1 of a hash, 0 when empty. */
  private readonly slots: Int32Array;
  private readonly seen: Uint8Array;
  private readonly mask: number;

  constructor(parts: readonly Buffer[]) {
    const bytes = parts.reduce((n, p) => n + p.length, 0);
    this.count = bytes / HASH_BYTES;
    this.words = new Uint32Array(this.count * 4);
    const asBytes = new Uint8Array(this.words.buffer);
    let at = 0;
    for (const p of parts) {
      asBytes.set(p, at);
      at += p.length;
    }
    this.slots = new Int32Array(slotCount(this.count));
    this.mask = this.slots.length - 1;
    this.seen = new Uint8Array(this.count);
    for (let i = 0; i < this.count; i++) {
      let s = this.words[i * 4]! & this.mask;
      while (this.slots[s] !== 0) s = (s + 1) & this.mask;
      this.slots[s] = i + 1;
    }
  }

  /** Entries never taken: previous lines that no line of the new version matched. */
  get untaken(): number {
    return this.count - this.taken;
  }

  /** Takes an untaken entry equal to h; false when there is none. */
  take(h: Uint8Array): boolean {
    const w0 = word(h, 0);
    const w1 = word(h, 4);
    const w2 = word(h, 8);
    const w3 = word(h, 12);
    const words = this.words;
    // Only the cursor's own entry: skipping taken entries to find the next untaken one would make
    // a file whose lines come in reverse order step over every line taken so far, for each line.
    const c = this.cursor;
    if (c < this.count && this.seen[c] === 0 && words[c * 4] === w0 && words[c * 4 + 1] === w1 && words[c * 4 + 2] === w2 && words[c * 4 + 3] === w3) return this.mark(c);
    for (let s = w0 & this.mask; ; s = (s + 1) & this.mask) {
      const slot = this.slots[s]!;
      if (slot === 0) return false;
      const i = slot - 1;
      const o = i * 4;
      if (words[o] === w0 && words[o + 1] === w1 && words[o + 2] === w2 && words[o + 3] === w3 && this.seen[i] === 0) return this.mark(i);
    }
  }

  private mark(i: number): true {
    this.seen[i] = 1;
    this.taken++;
    this.cursor = i + 1;
    return true;
  }
}

/**
 * A growing set of 64-bit key hashes (two 32-bit words): a collision of two keys only makes them
 * look repeated (the caller then takes its exact fallback). Grows at 3/4 full. The slot comes
 * from both words mixed (a multiply by the golden ratio and a fold), not the key hash's low bits alone.
 * `clear` is O(1): a slot is in use when it holds the current generation.
 */
export class KeySet {
  private words = new Uint32Array(16 * 2);
  private used = new Uint32Array(16);
  private generation = 1;
  private size = 0;

  clear(): void {
    this.generation++;
    this.size = 0;
  }

  /** Adds the hash (lo, hi); false when it was already in the set. */
  add(lo: number, hi: number): boolean {
    if ((this.size + 1) * 4 > this.used.length * 3) this.grow();
    const added = this.insert(lo, hi);
    if (added) this.size++;
    return added;
  }

  private insert(w0: number, w1: number): boolean {
    const mask = this.used.length - 1;
    const words = this.words;
    const g = this.generation;
    const mixed = Math.imul(w0 ^ w1, 0x9e3779b1);
    for (let s = (mixed ^ (mixed >>> 15)) & mask; ; s = (s + 1) & mask) {
      if (this.used[s] !== g) {
        this.used[s] = g;
        words[s * 2] = w0;
        words[s * 2 + 1] = w1;
        return true;
      }
      if (words[s * 2] === w0 && words[s * 2 + 1] === w1) return false;
    }
  }

  private grow(): void {
    const { words, used, generation } = this;
    this.words = new Uint32Array(words.length * 2);
    this.used = new Uint32Array(used.length * 2);
    for (let s = 0; s < used.length; s++) if (used[s] === generation) this.insert(words[s * 2]!, words[s * 2 + 1]!);
  }
}
