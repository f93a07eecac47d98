/**
 * The FileSource for the local disk: globs relative to the project (or absolute), `.gz` inflated
 * with zlib while streaming, `.zip` expanded into one FileRef per member matching `members`.
 *
 * Identity and change detection: a plain or .gz file is its path relative to the project (POSIX
 * separators; absolute when it lies outside the project), so moving the project folder or checking
 * it out again elsewhere against the same database finds its files loaded; changed when its size
 * or mtime (ms) changes. A zip member is `<archive path>!<member>`, changed when its uncompressed
 * size or CRC-32 changes (so rebuilding an archive around an unchanged member does not reload it).
 * `formerUri` is the absolute path strata used as identity before, for ledgers written then.
 *
 * An archive that cannot be listed (truncated, corrupt, no member matching `members`) does not
 * fail the whole pattern: it is returned as a FileRef with compression 'zip' and no `member`,
 * whose open() throws the reason, so the other files still load and this one is reported.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { StrataError } from '../errors/strata-error.js';
import { displayPath, expandLocalPattern } from './local-glob.js';
import { guardedStream, reportSourceBytes } from './source-stream.js';
import type { FileRef, FileSource, LoadSpec } from './types.js';
import { listZipMembers, openZipMember } from './zip-archive.js';

const READ_CHUNK = 1 << 20;

export function compressionOf(path: string): FileRef['compression'] {
  const lower = path.toLowerCase();
  if (lower.endsWith('.gz')) return 'gzip';
  if (lower.endsWith('.zip')) return 'zip';
  return 'none';
}

/** Is this the stand-in for an archive whose members could not be listed? */
export function isUnlistedArchive(ref: FileRef): boolean {
  return ref.compression === 'zip' && ref.member === undefined;
}

function readError(file: string, err: Error, gzip: boolean): StrataError {
  if (err instanceof StrataError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new StrataError('LOAD', `file not found: ${file} (removed after it was listed?)`, { cause: err });
  if (gzip && (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(err.message))) {
    return new StrataError('LOAD', `truncated gzip file ${file}: the compressed data ends early`, {
      hint: 'the file is incomplete (an interrupted download or copy?); fetch it again',
      cause: err,
    });
  }
  if (gzip && code?.startsWith('Z_')) {
    return new StrataError('LOAD', `corrupt gzip file ${file}: ${err.message}`, { hint: 'is it really gzip-compressed?', cause: err });
  }
  return new StrataError('LOAD', `cannot read ${file}: ${err.message}`, { cause: err });
}

export class LocalFileSource implements FileSource {
  constructor(private readonly projectDir: string) {}

  async list(pattern: string, spec: LoadSpec): Promise<FileRef[]> {
    const refs: FileRef[] = [];
    for (const path of await expandLocalPattern(pattern, this.projectDir)) refs.push(...(await this.refsOf(path, spec)));
    return refs;
  }

  async open(ref: FileRef): Promise<Readable> {
    if (ref.compression === 'zip') return this.openZip(ref);
    const gzip = ref.compression === 'gzip';
    const file = createReadStream(this.pathOf(ref.uri), { highWaterMark: READ_CHUNK });
    if (!gzip) return guardedStream([file], (err) => readError(ref.displayName, err, false));
    const out = guardedStream([file, createGunzip({ chunkSize: 256 * 1024 })], (err) => readError(ref.displayName, err, true));
    reportSourceBytes(out, () => file.bytesRead);
    return out;
  }

  /** A local identity (project-relative or absolute) -> the path to read. */
  private pathOf(uri: string): string {
    return isAbsolute(uri) ? uri : resolve(this.projectDir, uri);
  }

  private async refsOf(path: string, spec: LoadSpec): Promise<FileRef[]> {
    const st = await stat(path);
    // Inside the project, the display name is the project-relative path: the identity too.
    const displayName = displayPath(this.projectDir, path);
    const former = (suffix: string) => (displayName === path ? {} : { formerUri: `${path}${suffix}` });
    const compression = compressionOf(path);
    const whole: FileRef = { uri: displayName, ...former(''), displayName, size: st.size, version: String(Math.floor(st.mtimeMs)), compression };
    if (compression !== 'zip') return [whole];
    try {
      const members = await listZipMembers(path, displayName, spec.members);
      if (members.length === 0) return [whole];
      return members.map((m) => ({
        uri: `${displayName}!${m.name}`,
        ...former(`!${m.name}`),
        displayName: `${displayName}!${m.name}`,
        size: m.size,
        version: `crc32:${(m.crc32 >>> 0).toString(16).padStart(8, '0')}`,
        member: m.name,
        compression: 'zip' as const,
      }));
    } catch {
      return [whole]; // open() reports why
    }
  }

  private async openZip(ref: FileRef): Promise<Readable> {
    const path = this.pathOf(ref.member === undefined ? ref.uri : ref.uri.slice(0, ref.uri.length - ref.member.length - 1));
    const archive = ref.member === undefined ? ref.displayName : ref.displayName.slice(0, ref.displayName.length - ref.member.length - 1);
    if (ref.member !== undefined) return openZipMember(path, archive, ref.member);
    // An archive list() could not expand: say why (this throws when the archive is unreadable).
    const members = await listZipMembers(path, archive);
    if (members.length === 0) throw new StrataError('LOAD', `zip archive ${archive} has no files`);
    const names = members.slice(0, 5).map((m) => m.name);
    throw new StrataError('LOAD', `no member of zip archive ${archive} matches \`members\` of the load: block`, {
      hint: `the archive holds ${names.join(', ')}${members.length > 5 ? ', ...' : ''}`,
    });
  }
}

export function localFileSource(projectDir: string): FileSource {
  return new LocalFileSource(projectDir);
}
