/**
 * Helpers for FileSource implementations: turn whatever a read/decompress chain throws into a
 * LOAD error naming the file, and report how many bytes of the stored object were read (for
 * progress against FileRef.size when the stream is decompressed).
 */
import { PassThrough, type Readable } from 'node:stream';
import type { StrataError } from '../errors/strata-error.js';

/** Property a FileSource may define on the stream it returns: bytes of the stored object read so far. */
export const SOURCE_BYTES = Symbol.for('strata.load.sourceBytes');

type WithSourceBytes = Readable & { [SOURCE_BYTES]?: () => number };

/** Stored bytes read so far, when the source reports them (compressed files). */
export function sourceBytesRead(stream: Readable): number | undefined {
  return (stream as WithSourceBytes)[SOURCE_BYTES]?.();
}

export function reportSourceBytes(stream: Readable, read: () => number): void {
  (stream as WithSourceBytes)[SOURCE_BYTES] = read;
}

/**
 * Pipes `chain` (first stage first) into a PassThrough whose only errors are mapped ones. If the
 * consumer destroys the result (COPY failed), every stage is destroyed and `cleanup` runs.
 */
export function guardedStream(chain: Readable[], mapError: (err: Error) => StrataError, cleanup?: () => void): Readable {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  let failed = false;
  const fail = (err: Error): void => {
    if (failed) return;
    failed = true;
    out.destroy(mapError(err));
  };
  for (const stage of chain) stage.on('error', fail);
  for (let i = 0; i + 1 < chain.length; i++) (chain[i] as Readable).pipe(chain[i + 1] as unknown as NodeJS.WritableStream);
  (chain[chain.length - 1] as Readable).pipe(out);
  out.on('close', () => {
    for (const stage of chain) stage.destroy();
    cleanup?.();
  });
  return out;
}
