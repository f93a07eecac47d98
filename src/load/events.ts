/**
 * What the loader reports while it works, for progress bars, log lines and JSON output
 * (progress.ts turns these into terminal output). Events carry plain data only.
 */
import type { FileLoadResult, FileRef } from './types.js';

export type LoadReason = FileLoadResult['reason'];

export interface PlannedFile {
  /** Source unique id (source.<project>.<source>.<table>). */
  source: string;
  file: FileRef;
  reason: LoadReason;
  /** 'load' for new / changed / reread / reload, 'skip' for unchanged, 'fail' for a discovery error. */
  action: 'load' | 'skip' | 'fail';
  /** reason `moved`: the loaded file (display name) whose rows this one replaces. */
  movedFrom?: string;
}

export type LoadEvent =
  /** After discovery, before anything loads (also in --dry-run). */
  | { type: 'plan'; batchId: string; dryRun: boolean; files: PlannedFile[] }
  | { type: 'file-start'; source: string; file: FileRef; reason: LoadReason; batchId: string }
  /**
   * About every 250 ms while a file loads. `bytes` counts against `totalBytes` (the stored size:
   * compressed bytes for .gz when the source reports them); `rawBytes` is the bytes read after
   * decompression; `rows` the rows sent to COPY so far.
   */
  | { type: 'file-progress'; source: string; file: FileRef; bytes: number; totalBytes: number; rawBytes: number; rows: number; seconds: number }
  /** Every file ends with one of these: loaded, unchanged (skipped) or failed. */
  | { type: 'file-end'; result: FileLoadResult }
  | { type: 'done'; results: FileLoadResult[]; seconds: number };
