/**
 * Large files load on worker threads (load-thread.ts), one thread per file loading at once.
 *
 * Loading is Node's work as much as the server's: every line is read, decompressed, validated,
 * encoded for COPY and, for a keyed source, hashed and key-checked (~2-3 µs a line). On the main
 * thread, two files loading "in parallel" share one CPU; when a keyed reload sends the server only
 * the few changed lines, that CPU is the whole load's limit. On threads of their own, each file
 * gets a CPU, and the main thread stays free for the run's other nodes.
 *
 * A thread starts (~50 ms: its modules, its own connection pool) for the first large file of its
 * slot and serves that slot's later files; small files stay on the caller's thread.
 */
import { Worker } from 'node:worker_threads';
import type { TargetConfig } from '../adapters/postgres/index.js';
import { threadModule } from '../compile/sync-worker.js';
import type { FileProgress, FileTask } from './load-file.js';
import type { FileLoadResult } from './types.js';

/** Files this big or bigger load on a thread (below it, a thread's start-up is not worth it). */
export const THREAD_MIN_BYTES = 16 * 1024 * 1024;

/** A task as it crosses to the thread: its FileSource is rebuilt there from its pattern. */
export type ThreadTask = Omit<FileTask, 'source'>;

export type ThreadRequest = { type: 'load'; id: number; task: ThreadTask } | { type: 'close' };

export type ThreadReply =
  | { id: number; progress: FileProgress }
  | { id: number; result: FileLoadResult }
  /** The load threw (loadFile itself never does; this is the thread's own failure). */
  | { id: number; failed: string }
  /** The thread's module could not be loaded. */
  | { failed: string };

/** Loads the module; from the TypeScript sources (under the test runner) through tsx. */
const BOOTSTRAP = `
const { workerData, parentPort } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.module);
})().catch((e) => parentPort.postMessage({ failed: String((e && e.stack) || e) }));
`;

interface Pending {
  resolve: (r: FileLoadResult) => void;
  reject: (e: Error) => void;
  onProgress: ((p: FileProgress) => void) | undefined;
}

class LoadThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #next = 0;
  #failure: Error | undefined;

  constructor(target: TargetConfig, projectDir: string) {
    this.#worker = new Worker(BOOTSTRAP, {
      eval: true,
      execArgv: [],
      workerData: { target, projectDir, ...threadModule('./load-thread.js', import.meta.url) },
    });
    this.#worker.on('message', (m: ThreadReply) => this.#receive(m));
    this.#worker.on('messageerror', (e) => this.#fail(e));
    this.#worker.on('error', (e: unknown) => this.#fail(e instanceof Error ? e : new Error(String(e))));
    this.#worker.on('exit', (code) => this.#fail(new Error(`the load thread stopped (exit code ${code})`)));
  }

  load(task: FileTask, onProgress?: (p: FileProgress) => void): Promise<FileLoadResult> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#next++;
    const { source: _source, ...rest } = task;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, onProgress });
      try {
        this.#worker.postMessage({ type: 'load', id, task: rest } satisfies ThreadRequest);
      } catch (e) {
        this.#pending.delete(id);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  #receive(m: ThreadReply): void {
    if (!('id' in m)) return this.#fail(new Error(m.failed));
    const pending = this.#pending.get(m.id);
    if (!pending) return;
    if ('progress' in m) {
      pending.onProgress?.(m.progress);
      return;
    }
    this.#pending.delete(m.id);
    if ('result' in m) pending.resolve(m.result);
    else pending.reject(new Error(m.failed));
  }

  #fail(e: Error): void {
    this.#failure ??= e;
    for (const p of this.#pending.values()) p.reject(e);
    this.#pending.clear();
  }

  /** Lets the thread close its connections and end; resolves when it has. */
  close(): Promise<void> {
    if (this.#failure) return Promise.resolve();
    return new Promise((resolve) => {
      this.#worker.once('exit', () => resolve());
      this.#worker.postMessage({ type: 'close' } satisfies ThreadRequest);
    });
  }
}

/** The threads of one `loadSources` call, one per slot (a queue of files loading one after another). */
export class LoadThreads {
  readonly #threads = new Map<number, LoadThread>();

  /** `minBytes`: the smallest file the caller sends to a thread. */
  constructor(readonly target: TargetConfig, readonly projectDir: string, readonly minBytes: number) {}

  load(slot: number, task: FileTask, onProgress?: (p: FileProgress) => void): Promise<FileLoadResult> {
    let thread = this.#threads.get(slot);
    if (!thread) {
      thread = new LoadThread(this.target, this.projectDir);
      this.#threads.set(slot, thread);
    }
    return thread.load(task, onProgress);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#threads.values()].map((t) => t.close()));
  }
}
