/**
 * A growable byte buffer that the line validator fills with COPY text-format rows: one buffer
 * per input chunk, handed to the COPY stream as a single write. Writes are byte copies into a
 * preallocated Buffer (no strings, no per-row allocation); it grows by 1.5x when a chunk expands
 * more than estimated (padding, escapes).
 */
export class CopyBuffer {
  private buf: Buffer = Buffer.allocUnsafe(0);
  pos = 0;

  /** Starts a new output chunk with room for about `capacity` bytes. */
  reset(capacity: number): void {
    this.buf = Buffer.allocUnsafe(Math.max(capacity, 256));
    this.pos = 0;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.pos + n, Math.ceil(this.buf.length * 1.5)));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Copies src[start, end). */
  copy(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.ensure(n);
    if (n < 16) {
      // A native call costs more than a few byte stores for short fields.
      const buf = this.buf;
      let p = this.pos;
      for (let i = start; i < end; i++) buf[p++] = src[i] as number;
      this.pos = p;
      return;
    }
    // Buffer#copy is native and allocates nothing (a subarray view per line would feed the GC).
    if (Buffer.isBuffer(src)) src.copy(this.buf, this.pos, start, end);
    else this.buf.set(src.subarray(start, end), this.pos);
    this.pos += n;
  }

  bytes(src: Uint8Array): void {
    this.copy(src, 0, src.length);
  }

  /** Writes a non-negative integer in decimal. */
  uint(n: number): void {
    this.ensure(20);
    if (n > 0x7fffffff) {
      this.pos += this.buf.write(String(n), this.pos, 'latin1');
      return;
    }
    const buf = this.buf;
    let digits = 1;
    for (let limit = 10; n >= limit && digits < 10; limit *= 10) digits++;
    let p = this.pos + digits;
    this.pos = p;
    let v = n;
    do {
      const q = (v / 10) | 0;
      buf[--p] = 48 + v - q * 10;
      v = q;
    } while (v > 0);
  }

  /** The underlying buffer (valid until the next write that grows it): to read a row just written. */
  get data(): Buffer {
    return this.buf;
  }

  /** The bytes written since reset (a view; the next reset allocates a fresh buffer). */
  take(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
