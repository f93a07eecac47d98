/**
 * The contract of raw file loading: a source table's `load:` block as a validated spec, and the
 * file-source interface that local folders and S3 both implement, so the loader streams from
 * either without knowing which.
 */
import type { Readable } from 'node:stream';

export interface LoadSpec {
  /** One or more globs: local (relative to the project, or absolute) or `s3://bucket/prefix/pattern`. */
  files: string[];
  format: 'delimited';
  delimiter: string;
  /** Quote character, or null for none (the loan files are not quoted). */
  quote: string | null;
  header: boolean;
  encoding: 'utf8' | 'latin1';
  /** Values that mean NULL, e.g. ['', 'NULL']. */
  nullValues: string[];
  /**
   * Columns that identify a row within one file (e.g. loan id and period): a changed file is then
   * diffed against its loaded rows and only new or changed rows are written (keyed-reload.ts).
   */
  key?: string[];
  /** Inside .zip archives: which members to load (a glob, e.g. `historical_data_time_*.txt`). */
  members?: string;
  /** The ordered raw column names (all land as text). */
  columns: string[];
  /** Rows with fewer fields, but at least this many, are padded with NULLs. */
  minColumns: number;
  /** Rows with more fields than `columns`: drop the extra fields, or treat the row as bad. */
  extraColumns: 'ignore' | 'error';
  onBadRow: 'quarantine' | 'fail';
  /** Past this many bad rows in one file, the file fails and nothing of it is kept. */
  maxBadRows: number;
  s3?: { endpoint?: string; region?: string; forcePathStyle?: boolean };
  /**
   * A source whose patterns match no file at all is an error unless this is set: for projects
   * whose releases carry one of several layouts (each a source), only some of which are present.
   */
  allowEmpty: boolean;
}

/** One loadable file: a local path, an S3 object, or a member of a .zip in either. */
export interface FileRef {
  /**
   * Stable identity in the load ledger and the raw rows' `_file`: a local file's path relative to
   * the project (`data/raw/a.txt`; absolute when outside the project), or s3://bucket/key; plus
   * `!member` inside a zip.
   */
  uri: string;
  /**
   * The identity strata gave this file before local identities were project-relative (its
   * absolute path): a ledger entry under it is this file's, so an upgrade loads nothing again.
   */
  formerUri?: string;
  /** What users see (path relative to the project, or the S3 URI). */
  displayName: string;
  size: number;
  /** Local mtime (ms, as a string) or S3 ETag: a change means the file changed. */
  version: string;
  /** For .zip members: the member's name inside the archive. */
  member?: string;
  compression: 'none' | 'gzip' | 'zip';
}

export interface FileSource {
  /** Files matching one pattern of `files:`; zip members are expanded using `members`. */
  list(pattern: string, spec: LoadSpec): Promise<FileRef[]>;
  /** The file's bytes, decompressed (a .gz inflated, a zip member extracted), as a stream. */
  open(ref: FileRef): Promise<Readable>;
}

/** How one file ended up. */
export interface FileLoadResult {
  source: string;
  file: FileRef;
  status: 'loaded' | 'unchanged' | 'failed';
  /**
   * new | changed | unchanged | reload, as `--dry-run` reports it; `reread`: the bytes are the
   * loaded ones but the `load:` block now reads them differently (read-fingerprint.ts).
   */
  reason: 'new' | 'changed' | 'reread' | 'unchanged' | 'reload' | 'moved';
  /**
   * `moved`: the display name of the loaded file that is gone and whose exact bytes this file
   * holds (renamed, moved to another folder or into or out of an archive); its rows were
   * replaced by this file's, so they are not loaded twice.
   */
  movedFrom?: string;
  rows: number;
  quarantined: number;
  bytes: number;
  seconds: number;
  batchId?: string;
  /**
   * A keyed reload: how it went and how many rows it deleted and wrote (see keyed-reload.ts);
   * `skipped`: prefiltered, the unchanged lines recognised by their hash and never sent.
   */
  delta?: { mode: 'delta' | 'replaced'; deleted: number; inserted: number; skipped?: number };
  error?: { code: string; message: string; hint?: string };
}
