/**
 * A worker thread that a synchronous caller can wait for. The compiler is synchronous (templates
 * render synchronously, and so do `compile()` and its callers), yet parts of a large compile run
 * on another CPU: the caller posts requests, keeps working, and blocks (Atomics.wait) when it needs
 * the answer. The thread handles requests in order and answers once, at the end.
 *
 * The thread starts on the first request, so a small project never pays for one (~20 ms of the
 * other CPU plus loading its module), and it never keeps the process alive.
 */
import { MessageChannel, receiveMessageOnPort, Worker, workerData, type MessagePort } from 'node:worker_threads';

interface Channel {
  port: MessagePort;
  /** signal[REPLIES]: answers posted so far; signal[PROGRESS]: items handled (for the stall check). */
  signal: Int32Array;
}

const REPLIES = 0;
const PROGRESS = 1;

/**
 * Below this many items (files to read or render), a thread's start-up -- ~20 ms of the other CPU
 * plus loading its module (js-yaml and ajv, and compiling the schema, for property files) -- is
 * not worth it.
 */
export const WORKER_MIN_FILES = 200;

/** A thread that handles nothing for this long is reported rather than waited on forever. */
const STALL_MS = 60_000;

type Failure = { failed: { message: string; code?: string } };

/**
 * Loads the thread's module, and reports a failure to load it as an answer, since the caller may
 * be blocked waiting for one. From the TypeScript sources (under the test runner), through tsx.
 */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.module);
})().catch((e) => {
  workerData.port.postMessage({ failed: { message: String((e && e.stack) || e) } });
  Atomics.add(workerData.signal, ${REPLIES}, 1);
  Atomics.notify(workerData.signal, ${REPLIES});
});
`;

/**
 * The workerData that names a thread's module, `module` relative to `base` (the caller's
 * import.meta.url): from the TypeScript sources (under the test runner) also tsx's loader, which
 * the thread's bootstrap registers before importing it.
 */
export function threadModule(module: string, base: string): { module: string; tsx?: string } {
  return { module: new URL(module, base).href, ...(base.endsWith('.ts') ? { tsx: import.meta.resolve('tsx/esm/api') } : {}) };
}

export class SyncWorker<Request, Reply> {
  readonly #signal = new Int32Array(new SharedArrayBuffer(8));
  #port?: MessagePort;
  #taken = 0;
  #closed = false;

  /** `module`: the thread's module, a sibling of this file (`./x-thread.js`), calling `serve()`. */
  constructor(readonly module: string) {}

  get started(): boolean {
    return this.#port !== undefined;
  }

  /** Items the thread has handled so far. */
  get progress(): number {
    return Atomics.load(this.#signal, PROGRESS);
  }

  /** No more requests or answers (closed by the caller, or after a failure). */
  get closed(): boolean {
    return this.#closed;
  }

  post(request: Request): void {
    if (this.#closed) throw new Error(`${this.module}: request after close`);
    if (!this.#port) this.#start();
    this.#port!.postMessage(request);
  }

  #start(): void {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(BOOTSTRAP, {
      eval: true,
      // Not the parent's flags: with --input-type=module, say, the bootstrap would not run as CommonJS.
      execArgv: [],
      workerData: {
        port: port2,
        signal: this.#signal,
        ...threadModule(this.module, import.meta.url),
      },
      transferList: [port2],
    });
    worker.unref();
    this.#port = port1;
  }

  /** Blocks until the answer; a failure on the thread is thrown here. */
  wait(): Reply {
    if (!this.#port || this.#closed) throw new Error(`${this.module}: waited on when not running`);
    const signal = this.#signal;
    let handled = -1;
    while (Atomics.load(signal, REPLIES) <= this.#taken) {
      const now = Atomics.load(signal, PROGRESS);
      if (now === handled) throw new Error(`${this.module}: no progress in ${STALL_MS / 1000} s`);
      handled = now;
      Atomics.wait(signal, REPLIES, this.#taken, STALL_MS);
    }
    this.#taken++;
    const reply = receiveMessageOnPort(this.#port)?.message as Reply | Failure | undefined;
    if (!reply) throw new Error(`${this.module}: an answer was signalled but none arrived`);
    if (typeof reply === 'object' && reply !== null && 'failed' in reply) {
      this.close();
      throw Object.assign(new Error(reply.failed.message), reply.failed.code ? { code: reply.failed.code } : {});
    }
    return reply;
  }

  /** Ends the thread (it finishes what it was doing); no more requests or answers. */
  close(): void {
    this.#closed = true;
    this.#port?.close();
  }
}

/**
 * The items of a list, handed out one at a time to whichever thread asks first: the worker works
 * through the list, and the caller, once free, takes the rest (or its share) instead of waiting.
 * Posted with a request (its memory is shared, not copied).
 */
export class SharedCursor {
  constructor(readonly length: number, readonly position: Int32Array = new Int32Array(new SharedArrayBuffer(4))) {}

  /** The next unclaimed index, or undefined when none is left. */
  claim(): number | undefined {
    const i = Atomics.add(this.position, 0, 1);
    return i < this.length ? i : undefined;
  }

  /** Claims every index left: returns the first of them (`length` when none). */
  claimRest(): number {
    return Math.min(Atomics.exchange(this.position, 0, this.length), this.length);
  }
}

/**
 * The thread's side: handles each request in order; a returned value is the answer, `undefined`
 * means none. The first answer is also the last: the thread then closes its end and exits on its
 * own, giving its memory back even while the caller is still busy (a thread waiting for the caller
 * to close would end only once the caller's event loop runs, after the compile). `progress()`
 * marks an item handled. `onClose` runs if the caller closes first.
 */
export function serve<Request, Reply>(handle: (request: Request, progress: () => void) => Reply | undefined, onClose?: () => void): void {
  const { port, signal } = workerData as Channel;
  const progress = () => void Atomics.add(signal, PROGRESS, 1);
  const answer = (reply: Reply | Failure) => {
    port.postMessage(reply);
    Atomics.add(signal, REPLIES, 1);
    Atomics.notify(signal, REPLIES);
    port.close();
  };
  let answered = false;
  port.on('message', (request: Request) => {
    if (answered) return;
    let reply: Reply | undefined;
    try {
      reply = handle(request, progress);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      answered = true;
      return answer({ failed: { message: err?.message ?? String(e), ...(err?.code ? { code: err.code } : {}) } });
    }
    if (reply === undefined) return;
    answered = true;
    answer(reply);
  });
  if (onClose) port.on('close', () => answered || onClose());
}
