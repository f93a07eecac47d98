/**
 * Writes compiled SQL files, leaving alone those whose content did not change (a warm compile of
 * a large project writes almost nothing), and can *reserve* files first: create them empty as soon
 * as their paths are known, and fill them in once their SQL is.
 *
 * Why reserve: creating a file is kernel work, and on some file systems a lot of it (ext4 without
 * a journal scans past every recently deleted inode on each creation: right after
 * `rm -rf target`, creating 10,000 files took seconds). Reserved on a worker thread while this
 * thread parses (BackgroundFileWriter), that cost is paid in parallel; filling a file in is cheap.
 */
import { closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, rmdirSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { SharedCursor, SyncWorker } from './sync-worker.js';

export interface FileToWrite {
  path: string;
  content: string;
  /** Update the file only if it is already there; never create it. */
  onlyIfExists?: boolean;
}

export interface FileWriter {
  /** Creates the files (absolute paths) that do not exist yet, empty; `cursor`: the folders it claims (folderBatches). */
  reserve(paths: readonly string[], cursor?: SharedCursor, progress?: () => void): void;
  /** Writes the files whose content changed; returns how many it created or changed. */
  write(files: readonly FileToWrite[], cursor?: SharedCursor, progress?: () => void): number;
  /**
   * Removes the reserved files that are not to be written (a model that turned out disabled, a
   * failed compile), and the folders created for them when that leaves them empty.
   */
  release(toWrite: ReadonlySet<string>): void;
}

/**
 * Writes into a file that exists, opened without O_CREAT (creating, or truncating through open,
 * takes the folder's lock, which another thread creating files there may hold for long), unless it
 * already holds exactly this content: its old content is read only when the size matches.
 */
function update(path: string, content: string): 'same' | 'written' | 'missing' {
  let fd: number;
  try {
    fd = openSync(path, 'r+');
  } catch {
    return 'missing';
  }
  try {
    const bytes = Buffer.from(content);
    const size = fstatSync(fd).size;
    if (size === bytes.length) {
      const old = Buffer.allocUnsafe(size);
      if (readSync(fd, old, 0, size, 0) === size && old.equals(bytes)) return 'same';
    }
    writeSync(fd, bytes, 0, bytes.length, 0);
    if (size > bytes.length) ftruncateSync(fd, bytes.length);
    return 'written';
  } finally {
    closeSync(fd);
  }
}

/**
 * The files grouped by folder (runs of one folder in the list): threads share the work a folder at
 * a time, since creating a file locks its folder, and two threads creating files in one folder
 * would take turns (spinning) rather than work side by side.
 */
export function folderBatches(paths: readonly string[]): number[][] {
  const batches: number[][] = [];
  let folder: string | undefined;
  paths.forEach((path, i) => {
    const dir = dirname(path);
    if (dir === folder) batches[batches.length - 1]!.push(i);
    else batches.push([i]);
    folder = dir;
  });
  return batches;
}

/** Every index of a list, in order, or those of the folders the cursor (over folderBatches) hands out. */
function* indexes(paths: readonly string[], cursor: SharedCursor | undefined): Generator<number> {
  if (!cursor) {
    for (let i = 0; i < paths.length; i++) yield i;
    return;
  }
  const batches = folderBatches(paths);
  for (let b = cursor.claim(); b !== undefined; b = cursor.claim()) yield* batches[b]!;
}

export function fileWriter(): FileWriter {
  // Per folder: created by this writer (no old file to compare with in it), found, or missing.
  const folders = new Map<string, 'created' | 'found' | 'missing'>();
  const reserved = new Set<string>();
  const folder = (dir: string, create: boolean) => {
    let state = folders.get(dir);
    if (state === undefined || (state === 'missing' && create)) {
      if (existsSync(dir)) state = 'found';
      else if (!create) state = 'missing';
      else {
        mkdirSync(dir, { recursive: true });
        state = 'created';
      }
      folders.set(dir, state);
    }
    return state;
  };
  return {
    reserve(paths, cursor, progress) {
      for (const i of indexes(paths, cursor)) {
        progress?.();
        const path = paths[i]!;
        if (folder(dirname(path), true) === 'found' && existsSync(path)) continue;
        try {
          closeSync(openSync(path, 'wx'));
          reserved.add(path);
        } catch {
          // there after all, or not creatable now: write() deals with it
        }
      }
    },
    write(files, cursor, progress) {
      let written = 0;
      for (const i of indexes(files.map((f) => f.path), cursor)) {
        progress?.();
        const f = files[i]!;
        const isReserved = reserved.has(f.path);
        const state = isReserved ? 'created' : folder(dirname(f.path), !f.onlyIfExists);
        if (state === 'missing') continue;
        // A file that may exist is written into; only a new one is created.
        if (isReserved || state === 'found') {
          const outcome = update(f.path, f.content);
          if (outcome === 'same' || (outcome === 'missing' && f.onlyIfExists)) continue;
          if (outcome === 'written') {
            written++;
            continue;
          }
        }
        writeFileSync(f.path, f.content);
        written++;
      }
      return written;
    },
    release(toWrite) {
      const emptied = new Set<string>();
      for (const path of reserved) {
        if (toWrite.has(path)) continue;
        try {
          unlinkSync(path);
          if (folders.get(dirname(path)) === 'created') emptied.add(dirname(path));
        } catch {
          // already gone
        }
      }
      reserved.clear();
      for (const dir of emptied) {
        try {
          rmdirSync(dir);
        } catch {
          // not empty: other files were written there
        }
      }
    },
  };
}

/** Writes the files on this thread; returns how many were created or changed. */
export function writeFiles(files: readonly FileToWrite[]): number {
  return fileWriter().write(files);
}

/** `position`: shared with the caller, which files are taken (SharedCursor). */
export type WriterRequest = { reserve: string[]; position: Int32Array } | { write: FileToWrite[]; position: Int32Array };
export interface WriterReply {
  written: number;
}

/**
 * The writer on a worker thread (file-writer-thread.ts): reserve files as soon as their paths are
 * known, hand over their content when it is, and `finish()`, which writes alongside the thread the
 * files it has not got to yet.
 */
export class BackgroundFileWriter {
  // Its garbage is short-lived (one file's bytes at a time): a small young generation keeps the
  // thread's memory down (measured: ~10 MB less at the peak of a 10,000-model compile).
  readonly #worker = new SyncWorker<WriterRequest, WriterReply>('./file-writer-thread.js', { youngGenerationMb: 4 });
  #reserving?: SharedCursor;
  #writing?: { files: FileToWrite[]; cursor: SharedCursor };

  /** Whether a thread was started (by `reserve`); if not, write on this thread instead. */
  get started(): boolean {
    return this.#worker.started;
  }

  /** Creates these files (absolute paths) now, empty, unless they exist. */
  reserve(paths: string[]): void {
    this.#reserving = new SharedCursor(folderBatches(paths).length);
    this.#worker.post({ reserve: paths, position: this.#reserving.position });
  }

  /** Hands the files over: they are written, and reserved files not among them removed. */
  write(files: FileToWrite[]): void {
    // Files not reserved yet need not be: writing them creates them.
    this.#reserving?.claimRest();
    this.#writing = { files, cursor: new SharedCursor(folderBatches(files.map((f) => f.path)).length) };
    this.#worker.post({ write: files, position: this.#writing.cursor.position });
  }

  /**
   * Writes the files the thread has not taken yet, alongside it, then waits for it (nothing handed
   * over: until the reserved files are removed); returns how many were created or changed.
   */
  finish(): number {
    if (!this.started) return 0;
    if (!this.#writing) this.write([]);
    const { files, cursor } = this.#writing!;
    try {
      const mine = fileWriter().write(files, cursor);
      return mine + this.#worker.wait().written;
    } finally {
      this.#worker.close();
    }
  }

  /** After a failed compile: waits for the thread to remove the files it reserved, if it still can. */
  cancel(): void {
    if (!this.started || this.#worker.closed) return;
    try {
      this.finish();
    } catch {
      // the compile's own error is the one to report
    }
  }
}
