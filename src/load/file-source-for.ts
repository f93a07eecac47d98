/**
 * Which FileSource serves a `files:` pattern: `s3://...` goes to the S3 source when one is
 * given (src/load/s3), everything else to the local disk.
 */
import { StrataError } from '../errors/strata-error.js';
import { LocalFileSource } from './local-source.js';
import type { FileSource, LoadSpec } from './types.js';

export type FileSourceFor = (pattern: string, spec: LoadSpec) => FileSource;

export function isS3Pattern(pattern: string): boolean {
  return /^s3:\/\//i.test(pattern);
}

export function defaultFileSourceFor(projectDir: string, s3?: FileSourceFor): FileSourceFor {
  const local = new LocalFileSource(projectDir);
  return (pattern, spec) => {
    if (!isS3Pattern(pattern)) return local;
    if (s3) return s3(pattern, spec);
    throw new StrataError('LOAD', `${pattern}: s3:// paths need the S3 file source, which this command was not given`);
  };
}
