/** Raw file loading (`strata load`); see README.md. */
export type { FileLoadResult, FileRef, FileSource, LoadSpec } from './types.js';
export type { LoadEvent, LoadReason, PlannedFile } from './events.js';
export { parseLoadSpec, META_COLUMNS, MAX_BAD_ROWS_LIMIT } from './spec.js';
export { loadSources, newBatchId, type LoadSourcesOptions } from './loader.js';
export { THREAD_MIN_BYTES } from './load-threads.js';
export { dataVersionOfSource, readLedger, type LedgerEntry } from './ledger.js';
export { quarantineQuery } from './quarantine.js';
export { defaultFileSourceFor, isS3Pattern, type FileSourceFor } from './file-source-for.js';
export { LocalFileSource, localFileSource, compressionOf } from './local-source.js';
export { SOURCE_BYTES, reportSourceBytes, guardedStream } from './source-stream.js';
export { createLoadProgress, fileLine, planLine, summaryLines, type LoadProgress, type LoadProgressOptions } from './progress.js';
export { LineValidator, type BadRow } from './line-validator.js';
