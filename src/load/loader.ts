/**
 * `strata load` without the CLI: for each source, prepare its raw table, discover its files,
 * decide new / changed / unchanged against the ledger, then load the files that need it: up to
 * `threads` sources at a time, the files of one source one after another, each in its own
 * transaction on its own pooled connection (size the pool at least `threads`). One file failing
 * never stops the others; every file ends up as one FileLoadResult, in discovery order.
 */
import { randomBytes } from 'node:crypto';
import type { Database } from '../adapters/postgres/index.js';
import { StrataError } from '../errors/strata-error.js';
import type { SourceNode } from '../manifest/types.js';
import { ensureMetaSchema } from '../state/index.js';
import type { LoadEvent, LoadReason, PlannedFile } from './events.js';
import { defaultFileSourceFor, type FileSourceFor } from './file-source-for.js';
import { adoptReading, decide, readLedger, sameReading, type LedgerEntry } from './ledger.js';
import { loadFile, type FileProgress, type FileTask } from './load-file.js';
import { LoadThreads } from './load-threads.js';
import { MovedFiles } from './moved-files.js';
import { isUnlistedArchive } from './local-source.js';
import { NoMatchingFiles } from './local-glob.js';
import { prepareRawTable, rawTableExists } from './raw-table.js';
import { readFingerprint } from './read-fingerprint.js';
import { refreshLedgerVersion, sameContent } from './same-content.js';
import type { FileLoadResult, FileRef, FileSource, LoadSpec } from './types.js';

export interface LoadSourcesOptions {
  /** Relative `files:` patterns start here. */
  projectDir: string;
  /** Files loading at once (each on its own connection). */
  threads: number;
  /** Load known files again even when unchanged. */
  reload: boolean;
  /** Discover and decide only; nothing is written. Results then all have status 'unchanged' (or 'failed' for discovery errors) and `reason` says what a load would do. */
  dryRun: boolean;
  /** FileSource per pattern; default: local disk, s3:// refused (see file-source-for.ts). */
  fileSourceFor?: FileSourceFor;
  onEvent?: (e: LoadEvent) => void;
  /** Empty the raw table (recreate it when its columns changed) and reload every file. */
  fullRefresh?: boolean;
  /** Default: `<UTC time>-<6 hex>`, one per call. */
  batchId?: string;
  /**
   * Load files of this many bytes or more on worker threads (load-threads.ts; callers pass
   * THREAD_MIN_BYTES), each with its own connections; undefined: every file on this thread. The
   * thread rebuilds the file's source from `projectDir` and its pattern, so this is only for the
   * default sources (local, and S3 from `fileSources`).
   */
  fileThreadMinBytes?: number;
}

interface SourcePlan {
  planned: PlannedFile[];
  tasks: FileTask[];
  /** Results known without loading (unchanged, discovery and table errors), by uri. */
  settled: Map<string, FileLoadResult>;
}

export function newBatchId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

function settledResult(source: string, file: FileRef, reason: LoadReason, error?: StrataError): FileLoadResult {
  const base = { source, file, reason, rows: 0, quarantined: 0, bytes: 0, seconds: 0 };
  if (!error) return { ...base, status: 'unchanged' };
  const message = error.details?.length ? `${error.message}: ${error.details.join('; ')}` : error.message;
  return { ...base, status: 'failed', error: { code: error.code, message, ...(error.hint ? { hint: error.hint } : {}) } };
}

function asStrataError(err: unknown): StrataError {
  return err instanceof StrataError ? err : new StrataError('LOAD', (err as Error)?.message ?? String(err), { cause: err });
}

/** A pattern that could not be listed stands in as a pseudo-file so the failure has a result. */
function patternRef(pattern: string): FileRef {
  return { uri: pattern, displayName: pattern, size: 0, version: '', compression: 'none' };
}

/** Ledger as the decisions should see it, after the raw table is ready (or, dry, would be). */
async function ledgerFor(db: Database, node: SourceNode, spec: LoadSpec, opts: LoadSourcesOptions): Promise<{ ledger: Map<string, LedgerEntry>; before: Map<string, LedgerEntry>; tableError?: StrataError }> {
  const before = await readLedger(db, node.uniqueId);
  const fullRefresh = opts.fullRefresh === true;
  let fresh = false;
  let tableError: StrataError | undefined;
  try {
    // Dry: only look (a missing table means every file is new); else create / check / refresh.
    const created = opts.dryRun ? !(await rawTableExists(db, node, spec, fullRefresh)) : await prepareRawTable(db, node, spec, fullRefresh);
    fresh = created || fullRefresh;
  } catch (err) {
    tableError = asStrataError(err);
  }
  return { ledger: fresh ? new Map() : before, before, ...(tableError ? { tableError } : {}) };
}

/** The reason an archive that list() could not expand is unreadable (open() throws it). */
async function unlistedError(source: FileSource, file: FileRef): Promise<StrataError> {
  try {
    (await source.open(file)).destroy();
    return new StrataError('LOAD', `cannot list the members of ${file.displayName}`);
  } catch (err) {
    return asStrataError(err);
  }
}

/** A file as listed, before it is decided on, or a pattern that could not be listed. */
type Listed = { file: FileRef; source: FileSource; pattern: string } | { failed: FileRef; error: StrataError };

/** Every file of the source's patterns, each once, in discovery order; patterns matching nothing apart. */
async function listSource(spec: LoadSpec, fileSourceFor: FileSourceFor): Promise<{ listed: Listed[]; unmatched: StrataError[] }> {
  const listed: Listed[] = [];
  const unmatched: StrataError[] = [];
  const seen = new Set<string>();
  for (const pattern of spec.files) {
    try {
      const source = fileSourceFor(pattern, spec);
      const files = await source.list(pattern, spec);
      if (files.length === 0) unmatched.push(new StrataError('LOAD', `no files match ${pattern}`, { hint: 'check `files:` of the load: block' }));
      for (const file of files) {
        if (seen.has(file.uri)) continue; // matched by two patterns
        seen.add(file.uri);
        listed.push({ file, source, pattern });
      }
    } catch (err) {
      if (err instanceof NoMatchingFiles) unmatched.push(err);
      else listed.push({ failed: patternRef(pattern), error: asStrataError(err) });
    }
  }
  return { listed, unmatched };
}

/**
 * The file under the identity its ledger entry has: a file loaded before identities were
 * project-relative keeps its absolute one (its rows carry it in `_file`).
 */
function knownAs(file: FileRef, ledger: ReadonlyMap<string, LedgerEntry>): FileRef {
  const { formerUri, ...ref } = file;
  if (formerUri !== undefined && !ledger.has(file.uri) && ledger.has(formerUri)) return { ...ref, uri: formerUri };
  return ref;
}

async function planSource(db: Database, node: SourceNode, spec: LoadSpec, opts: LoadSourcesOptions, fileSourceFor: FileSourceFor, batchId: string): Promise<SourcePlan> {
  const plan: SourcePlan = { planned: [], tasks: [], settled: new Map() };
  const { ledger, before, tableError } = await ledgerFor(db, node, spec, opts);
  const readAs = readFingerprint(spec);
  const fullRefresh = opts.fullRefresh === true;
  const legacy: string[] = [];
  const settle = (file: FileRef, reason: LoadReason, error?: StrataError, movedFrom?: string): void => {
    const action = error ? 'fail' : reason === 'unchanged' ? 'skip' : 'load'; // 'load': what a real run would do (dry run)
    plan.planned.push({ source: node.uniqueId, file, reason, action, ...(movedFrom !== undefined ? { movedFrom } : {}) });
    plan.settled.set(file.uri, { ...settledResult(node.uniqueId, file, reason, error), ...(movedFrom !== undefined ? { movedFrom } : {}) });
  };
  // Patterns matching nothing fail the source only when none of its patterns matches anything.
  const { listed: found, unmatched } = await listSource(spec, fileSourceFor);
  // Each file under the identity the ledger knows it by; the loaded ones not found may have moved.
  const listed = found.map((l) => ('file' in l ? { ...l, file: knownAs(l.file, ledger), formerUri: l.file.formerUri } : l));
  const uris = new Set(listed.flatMap((l) => ('file' in l ? [l.file.uri] : [])));
  const moves = new MovedFiles([...ledger.values()].filter((e) => !uris.has(e.fileUri)), spec.files, opts.projectDir);
  for (const item of listed) {
    if (!('file' in item)) {
      settle(item.failed, 'new', item.error);
      continue;
    }
    const { source, pattern, file, formerUri } = item;
    if (isUnlistedArchive(file)) {
      settle(file, 'new', await unlistedError(source, file));
      continue;
    }
    const entry = ledger.get(file.uri);
    // A full refresh reloads what was loaded (a fresh table: under the project-relative identity).
    const wasLoaded = before.has(file.uri) || (formerUri !== undefined && before.has(formerUri));
    let reason = fullRefresh && wasLoaded ? 'reload' : decide(file, entry, opts.reload, readAs);
    if (reason === 'changed' && !tableError && (await sameContent(source, file, entry!))) {
      // Same bytes under a new mtime (a fresh download, a copy): nothing to load, unless the
      // load: block reads them differently now.
      reason = sameReading(entry!, readAs) ? 'unchanged' : 'reread';
      if (reason === 'unchanged' && !opts.dryRun) await refreshLedgerVersion(db, node.uniqueId, file);
    }
    // A new file holding the bytes of a loaded file that is gone: that file, moved (moved-files.ts).
    const replaces = reason === 'new' && !tableError ? await moves.match(source, file, pattern) : undefined;
    if (replaces) reason = 'moved';
    if (reason === 'unchanged' && entry?.readAs === null && !tableError) legacy.push(file.uri);
    if (tableError) settle(file, reason, tableError);
    else if (reason === 'unchanged' || opts.dryRun) settle(file, reason, undefined, replaces?.fileName);
    else {
      const moved = replaces ? { replaces: { uri: replaces.fileUri, displayName: replaces.fileName, checksum: replaces.checksum! } } : {};
      plan.tasks.push({ node, spec, file, reason, batchId, source, pattern, ...moved });
      plan.planned.push({ source: node.uniqueId, file, reason, action: 'load', ...(replaces ? { movedFrom: replaces.fileName } : {}) });
    }
  }
  if (!opts.dryRun) await adoptReading(db, node.uniqueId, legacy, readAs);
  if (listed.length === 0 && unmatched.length === spec.files.length && !spec.allowEmpty) {
    const error = unmatched.length === 1 ? unmatched[0]! : new StrataError('LOAD', `no files match any of the patterns of ${node.sourceName}.${node.name}`, {
      details: unmatched.map((e) => e.message),
      hint: 'check `files:` of the load: block (and raw_path or other vars it uses)',
    });
    settle(patternRef(spec.files.join(', ')), 'new', error);
  }
  return plan;
}

/** Runs `fn` on the items, `limit` at a time; `slot` tells apart the runs that go on at once. */
async function runLimited<T>(items: readonly T[], limit: number, fn: (item: T, slot: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (slot: number): Promise<void> => {
    while (next < items.length) await fn(items[next++] as T, slot);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, (_, slot) => worker(slot)));
}

/** Loads one file on the caller's thread, or on the slot's load thread when it is large. */
async function loadOne(db: Database, threads: LoadThreads | undefined, slot: number, task: FileTask, onProgress: (p: FileProgress) => void): Promise<FileLoadResult> {
  if (!threads || task.file.size < threads.minBytes) return loadFile(db, task, onProgress);
  try {
    return await threads.load(slot, task, onProgress);
  } catch (err) {
    // The thread itself failed (it could not start, or died): the file's transaction, if any,
    // ended with its connection, so nothing of the file stays.
    return settledResult(task.node.uniqueId, task.file, task.reason, new StrataError('LOAD', `${task.file.displayName}: the load thread failed: ${(err as Error).message}`));
  }
}

/** Discovers, decides and loads; see the file comment. Never throws for a file's failure. */
export async function loadSources(
  db: Database,
  sources: ReadonlyArray<{ node: SourceNode; spec: LoadSpec }>,
  opts: LoadSourcesOptions,
): Promise<FileLoadResult[]> {
  const t0 = performance.now();
  const batchId = opts.batchId ?? newBatchId();
  const emit = (e: LoadEvent): void => {
    try {
      opts.onEvent?.(e);
    } catch {
      // A broken progress printer must not abort loads half-way.
    }
  };
  if (!opts.dryRun) await ensureMetaSchema(db);
  const fileSourceFor = opts.fileSourceFor ?? defaultFileSourceFor(opts.projectDir);
  const plans: SourcePlan[] = [];
  for (const { node, spec } of sources) plans.push(await planSource(db, node, spec, opts, fileSourceFor, batchId));
  emit({ type: 'plan', batchId, dryRun: opts.dryRun, files: plans.flatMap((p) => p.planned) });
  const done = new Map<string, FileLoadResult>();
  for (const p of plans) {
    for (const [uri, r] of p.settled) {
      done.set(`${r.source}\n${uri}`, r);
      emit({ type: 'file-end', result: r });
    }
  }
  // The files of one source load one after another, different sources in parallel: concurrent
  // COPYs into one table interleave their pages, and then the BRIN index on _file can no longer
  // find one file's rows without reading the others' (a reload's delete or diff would read them
  // all). Biggest sources first, so with several threads the run ends sooner.
  const queues = plans
    .map((p) => [...p.tasks].sort((a, b) => b.file.size - a.file.size))
    .filter((q) => q.length > 0)
    .sort((a, b) => b.reduce((n, t) => n + t.file.size, 0) - a.reduce((n, t) => n + t.file.size, 0));
  const threads = opts.fileThreadMinBytes !== undefined && !opts.dryRun ? new LoadThreads(db.target, opts.projectDir, opts.fileThreadMinBytes) : undefined;
  try {
    await runLimited(queues, opts.threads, async (queue, slot) => {
      for (const task of queue) {
        emit({ type: 'file-start', source: task.node.uniqueId, file: task.file, reason: task.reason, batchId });
        const result = await loadOne(db, threads, slot, task, (p) => emit({ type: 'file-progress', source: task.node.uniqueId, file: task.file, ...p }));
        done.set(`${result.source}\n${task.file.uri}`, result);
        emit({ type: 'file-end', result });
      }
    });
  } finally {
    await threads?.close();
  }
  const results = plans.flatMap((p) => p.planned.map((f) => done.get(`${f.source}\n${f.file.uri}`)).filter((r): r is FileLoadResult => r !== undefined));
  emit({ type: 'done', results, seconds: (performance.now() - t0) / 1000 });
  return results;
}
