/**
 * .zip archives through yauzl, which reads the central directory at the end of the file and
 * opens each member as its own inflating stream (nothing is extracted to disk or held in memory).
 * A truncated or corrupt archive is a LOAD error naming the file.
 */
import type { Readable } from 'node:stream';
import picomatch from 'picomatch';
import yauzl from 'yauzl';
import { StrataError } from '../errors/strata-error.js';
import { Crc32Check } from './crc32.js';
import { guardedStream } from './source-stream.js';

export interface ZipMember {
  name: string;
  /** Uncompressed size in bytes. */
  size: number;
  crc32: number;
}

function zipError(file: string, err: unknown, member?: string): StrataError {
  if (err instanceof StrataError) return err;
  const what = member ? `member ${member} of zip archive ${file}` : `zip archive ${file}`;
  const message = (err as Error)?.message ?? String(err);
  const truncated = /end of central directory|unexpected EOF|invalid (local file|central directory)|too (few|many) bytes|unexpected end|CRC-32/i.test(message);
  return new StrataError('LOAD', `cannot read ${what}: ${truncated ? 'truncated or corrupt archive' : 'unreadable'} (${message})`, {
    hint: truncated ? 'the archive is incomplete (an interrupted download or copy?); fetch it again' : 'check that the file is a valid .zip archive',
    cause: err,
  });
}

async function openArchive(path: string, file: string): Promise<yauzl.ZipFile> {
  try {
    const zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true });
    // Errors reach the caller through eachEntry / the member stream; an unheard 'error' would crash.
    zip.on('error', () => undefined);
    return zip;
  } catch (err) {
    throw zipError(file, err);
  }
}

/**
 * Members of the archive at `path` whose name matches `pattern` (a glob; without a `/` it is
 * matched against the base name, so `*.txt` finds `dir/a.txt`), directories left out.
 */
export async function listZipMembers(path: string, file: string, pattern?: string): Promise<ZipMember[]> {
  const zip = await openArchive(path, file);
  const isMatch = pattern ? picomatch(pattern, { basename: !pattern.includes('/'), dot: true }) : () => true;
  const members: ZipMember[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith('/') || !isMatch(entry.fileName)) continue;
      members.push({ name: entry.fileName, size: entry.uncompressedSize, crc32: entry.crc32 });
    }
  } catch (err) {
    throw zipError(file, err);
  } finally {
    zip.close();
  }
  return members.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The uncompressed bytes of one member, as a stream; the archive closes when the stream does. */
export async function openZipMember(path: string, file: string, member: string): Promise<Readable> {
  const zip = await openArchive(path, file);
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName !== member) continue;
      const data = await zip.openReadStreamPromise(entry);
      return guardedStream([data, new Crc32Check(entry.crc32)], (err) => zipError(file, err, member), () => zip.close());
    }
  } catch (err) {
    zip.close();
    throw zipError(file, err, member);
  }
  zip.close();
  throw new StrataError('LOAD', `zip archive ${file} has no member ${member} any more`, { hint: 'the archive changed since it was listed; run the load again' });
}
