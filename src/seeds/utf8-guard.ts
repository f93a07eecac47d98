/**
 * A pass-through stream that rejects bytes which are not UTF-8.
 *
 * Why: csv-parse decodes each field with Buffer#toString, which silently turns invalid bytes
 * into U+FFFD, so a Latin-1 or UTF-16 seed would load as mojibake. dbt opens seeds as UTF-8 and
 * fails on such files; strata fails too, but says which line. Validation uses the native
 * `buffer.isUtf8` on whole chunks (a sequence split across two chunks is carried over), so the
 * cost is a memchr-speed scan, not a second decode.
 */
import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';

export class Utf8Error extends Error {
  constructor(readonly line: number) {
    super(`invalid UTF-8 on line ${line}`);
    this.name = 'Utf8Error';
  }
}

/** Bytes at the end of buf that start a multi-byte sequence whose remaining bytes are missing. */
export function incompleteTail(buf: Uint8Array): number {
  const max = Math.min(3, buf.length);
  for (let back = 1; back <= max; back++) {
    const b = buf[buf.length - back] as number;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: keep looking for the lead byte
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  // Three continuation bytes: complete if a 4-byte lead precedes them, invalid otherwise;
  // either way isUtf8 on the whole buffer gives the right answer.
  return 0;
}

function countNewlines(buf: Uint8Array): number {
  let n = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

export class Utf8Guard extends Transform {
  private carry: Buffer | undefined;
  /** Line number of the first byte not yet passed on (1-based). */
  private line = 1;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const buf = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    const tail = incompleteTail(buf);
    const body = tail > 0 ? buf.subarray(0, buf.length - tail) : buf;
    if (!isUtf8(body)) {
      callback(new Utf8Error(this.firstBadLine(body)));
      return;
    }
    this.line += countNewlines(body);
    // Copy the carried bytes: `buf` may be a pooled slice that the file stream reuses.
    this.carry = tail > 0 ? Buffer.from(buf.subarray(buf.length - tail)) : undefined;
    callback(null, body);
  }

  override _flush(callback: TransformCallback): void {
    // The file ends in the middle of a multi-byte sequence.
    callback(this.carry ? new Utf8Error(this.line) : null);
  }

  /** Only on failure: validate line by line ('\n' never occurs inside a UTF-8 sequence). */
  private firstBadLine(body: Buffer): number {
    let start = 0;
    let line = this.line;
    while (start < body.length) {
      const nl = body.indexOf(10, start);
      const end = nl === -1 ? body.length : nl;
      if (!isUtf8(body.subarray(start, end))) return line;
      line++;
      start = end + 1;
    }
    return this.line;
  }
}
