/**
 * CRC-32 of zip members, checked against the archive's record as `unzip -t` does: yauzl checks
 * sizes, not contents, so without it a damaged archive (a flipped byte in a stored member) loads
 * its wrong bytes as good rows. Shared by local archives (zip-archive.ts) and S3 ones
 * (s3/s3-zip.ts).
 */
import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';

let table: Uint32Array | undefined;

/** The same polynomial in JavaScript, for Node before 20.15 (no zlib.crc32). Exported for its test. */
export function crc32InJs(data: Uint8Array, value = 0): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = ~value >>> 0;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** CRC-32 of `data` continuing from `value` (0 to start). */
export const crc32: (data: Uint8Array, value?: number) => number =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function' ? (zlib as unknown as { crc32: (d: Uint8Array, v?: number) => number }).crc32 : crc32InJs;

/** The CRC-32 as zip tools print it: 8 hex digits. */
export const crcHex = (crc: number): string => (crc >>> 0).toString(16).padStart(8, '0');

/**
 * Passes a member's bytes through and fails the stream at its end when their CRC-32 is not
 * `expected`: the file's load fails with it, and its transaction keeps nothing of it.
 */
export class Crc32Check extends Transform {
  private crc = 0;
  constructor(private readonly expected: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.crc = crc32(chunk, this.crc);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const actual = this.crc >>> 0;
    callback(actual === this.expected >>> 0 ? null : new Error(`bad CRC-32 ${crcHex(actual)} (should be ${crcHex(this.expected)})`));
  }
}
