/**
 * sha256 of a seed file, streamed: state-aware runs (`state:modified`) compare it with the
 * previous manifest, and seeds can be far larger than anything else in a project. The digest is
 * of the raw bytes (BOM and line endings included), the same value as hashing the whole file at
 * once, so it matches the manifest checksum computed at parse time.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { StrataError } from '../errors/strata-error.js';

export async function seedChecksum(file: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  } catch (err) {
    throw new StrataError('IO', `cannot read seed file: ${(err as Error).message}`, {
      location: { file, line: 0, column: 0 },
      cause: err,
    });
  }
  return hash.digest('hex');
}
