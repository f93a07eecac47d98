/**
 * `s3://bucket/key-or-pattern` parsing: the bucket, the static listing prefix, and the glob that
 * whole keys are matched against. Pure; no SDK.
 */
import picomatch from 'picomatch';
import { StrataError } from '../../errors/strata-error.js';
import type { FileRef } from '../types.js';

export interface S3Location {
  bucket: string;
  /** Everything after `s3://bucket/`: an exact key, or a key pattern. Never empty. */
  key: string;
  /**
   * The literal start of `key`, up to the first glob character: the ListObjectsV2 `Prefix`.
   * For an exact key (no glob) it is the whole key.
   */
  prefix: string;
  /** The rest of `key` after `prefix` (`*.csv`, `2024/**\/q?.txt`); '' for an exact key. */
  pattern: string;
  /** Whether `key` contains a glob character (`*`, `?`, `[`, `{`, extglob, or a `\` escape). */
  isGlob: boolean;
}

/**
 * Characters that may start glob syntax in picomatch. The prefix stops at the first of them,
 * which is conservative: a shorter listing prefix only lists more keys, it never misses one.
 */
const GLOB_CHARS = new Set(['*', '?', '[', ']', '{', '}', '(', ')', '!', '+', '@', '|', '\\']);

const URI = /^s3:\/\/([^/]*)(?:\/(.*))?$/is;

/** Does the `files:` entry name S3 (`s3://…`, any case of the scheme)? */
export function isS3Pattern(p: string): boolean {
  return /^s3:\/\//i.test(p.trim());
}

/** The static prefix of a key pattern: every character before the first glob character. */
export function staticPrefix(keyPattern: string): string {
  let i = 0;
  while (i < keyPattern.length && !GLOB_CHARS.has(keyPattern[i] as string)) i++;
  return keyPattern.slice(0, i);
}

function invalid(uri: string, why: string, hint: string): StrataError {
  return new StrataError('LOAD', `invalid S3 location "${uri}": ${why}`, { hint });
}

/**
 * Splits `s3://bucket/prefix/pattern`. Keys are taken literally (not URL-decoded), as the AWS
 * CLI does. A location naming only a bucket or a "folder" (trailing `/`) is rejected rather than
 * guessed at: the hint says to write `/*` or `/**`.
 */
export function parseS3Uri(uri: string): S3Location {
  const text = uri.trim();
  const m = URI.exec(text);
  if (!m) {
    throw invalid(uri, 'expected s3://bucket/key or s3://bucket/prefix/pattern', 'write the location as s3://my-bucket/path/to/files_*.csv');
  }
  const bucket = m[1] ?? '';
  const key = m[2] ?? '';
  if (!bucket) {
    throw invalid(uri, 'the bucket name is missing', 'write the location as s3://my-bucket/path/to/files_*.csv');
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(bucket)) {
    throw invalid(uri, `"${bucket}" is not a valid bucket name`, 'bucket names use lowercase letters, digits, dots and hyphens');
  }
  if (!key) {
    throw invalid(uri, 'it names a bucket but no object or pattern', `to load every object, write s3://${bucket}/** (or s3://${bucket}/*.csv)`);
  }
  if (key.endsWith('/')) {
    throw invalid(uri, 'it ends with "/" (a folder, not an object or pattern)', `write s3://${bucket}/${key}* for the objects in that folder, or s3://${bucket}/${key}** to include subfolders`);
  }
  const prefix = staticPrefix(key);
  return { bucket, key, prefix, pattern: key.slice(prefix.length), isGlob: prefix.length < key.length };
}

/** `s3://bucket/key`. */
export function formatS3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** Compression from the key's extension: `.gz` → gzip, `.zip` → zip, anything else → none. */
export function compressionOf(key: string): FileRef['compression'] {
  const k = key.toLowerCase();
  if (k.endsWith('.gz')) return 'gzip';
  if (k.endsWith('.zip')) return 'zip';
  return 'none';
}

/**
 * A matcher for whole keys. `*` and `?` stay within one `/`-separated segment, `**` crosses
 * segments, and (as in shells) wildcards do not match a leading dot of a segment.
 */
export function keyMatcher(loc: S3Location): (key: string) => boolean {
  if (!loc.isGlob) return (key) => key === loc.key;
  const isMatch = picomatch(loc.key, { dot: false, windows: false });
  return (key) => isMatch(key);
}

/**
 * A matcher for member names inside a .zip (`LoadSpec.members`). A pattern without `/` is matched
 * against the member's base name, so `data_*.txt` also selects `2009/data_Q1.txt`. Without a
 * pattern every member is selected, except dot-files (`.DS_Store`, `__MACOSX/._x`).
 */
export function memberMatcher(members: string | undefined): (name: string) => boolean {
  const pattern = members?.trim() || '**';
  const isMatch = picomatch(pattern, { dot: false, windows: false });
  if (pattern.includes('/')) return (name) => isMatch(name);
  return (name) => isMatch(name.slice(name.lastIndexOf('/') + 1)) && (pattern.startsWith('.') || !name.split('/').some((seg) => seg.startsWith('.')));
}

/** ETags come quoted (`"9b2cf…"`); the version recorded in the ledger is the bare value. */
export function normalizeEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

/** The ref's S3 object: `s3://bucket/key!member` → bucket, key and member. */
export function refLocation(ref: FileRef): { bucket: string; key: string; member?: string } {
  let uri = ref.uri;
  if (ref.member !== undefined) {
    const suffix = `!${ref.member}`;
    if (uri.endsWith(suffix)) uri = uri.slice(0, -suffix.length);
  }
  const m = URI.exec(uri);
  if (!m || !m[1] || !m[2]) {
    throw new StrataError('LOAD', `not an S3 object: "${ref.uri}"`, { hint: 'this is a bug in the caller: S3 refs must come from the S3 source' });
  }
  return ref.member === undefined ? { bucket: m[1], key: m[2] } : { bucket: m[1], key: m[2], member: ref.member };
}
