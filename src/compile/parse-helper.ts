/**
 * The one worker thread that helps a large cold parse: it reads, parses and validates the property
 * files (property-documents.ts) and renders model files (model-renders.ts) alongside this thread.
 *
 * Two lists of work, each shared by both threads (SharedCursor): the helper starts with the
 * property files, this thread with the models; each then joins the other's list, so neither waits
 * while work is left. One thread rather than one per list: a thread's start-up (~20 ms, plus
 * loading its modules) is paid once, and on two CPUs a third busy thread would only take turns.
 */
import type { FoundFile } from '../project/discover-files.js';
import type { LoadOptions } from '../project/project-config.js';
import type { MacroFile } from '../template/template-engine.js';
import type { RenderOutcome } from './parse-cache.js';
import { readDocument, type PropertyDocument } from './property-documents.js';
import { SharedCursor, SyncWorker } from './sync-worker.js';

/** Property files to read, and the inputs' digest (fingerprint.ts) of these folders, taken first. */
export interface DocumentsWork {
  files: Array<{ path: string; absPath: string }>;
  digest?: { projectDir: string; folders: string[] };
}

/** Model files to render as if they had no property file, with the project's config and macros. */
export interface RendersWork {
  projectDir: string;
  options: LoadOptions;
  macros: MacroFile[];
  files: FoundFile[];
}

export interface HelperRequest {
  documents: DocumentsWork;
  renders?: RendersWork;
  /** Shared with the caller: [documents, renders] taken so far (SharedCursor positions). */
  positions: [Int32Array, Int32Array];
}

/** A model file the thread took: its text, and its outcome unless the caller must render it. */
export interface ThreadRender {
  index: number;
  text: string;
  outcome?: RenderOutcome;
}

export interface HelperReply {
  documents: PropertyDocument[];
  inputs?: string;
  renders: ThreadRender[];
}

export class ParseHelper {
  readonly #worker = new SyncWorker<HelperRequest, HelperReply>('./parse-helper-thread.js');
  readonly #documents: SharedCursor;
  readonly #renders: SharedCursor;
  readonly #files: DocumentsWork['files'];
  readonly #models: readonly FoundFile[];
  /** The models this thread took (1), by index. */
  readonly #mine: Uint8Array;
  #reply?: HelperReply;

  /** The inputs' digest, once the documents are taken, if asked for. */
  inputs?: string;

  constructor(documents: DocumentsWork, renders?: RendersWork) {
    this.#files = documents.files.map((f) => ({ path: f.path, absPath: f.absPath }));
    this.#models = renders?.files ?? [];
    this.#documents = new SharedCursor(this.#files.length);
    this.#renders = new SharedCursor(this.#models.length);
    this.#mine = new Uint8Array(this.#models.length);
    this.#worker.post({
      documents: { ...documents, files: this.#files },
      ...(renders ? { renders: { ...renders, files: [...renders.files] } } : {}),
      positions: [this.#documents.position, this.#renders.position],
    });
  }

  /** Whether the helper renders models too (else this thread renders them all). */
  get rendersModels(): boolean {
    return this.#models.length > 0;
  }

  /** Items the thread has handled so far (property files and models). */
  get progress(): number {
    return this.#worker.progress;
  }

  /** The next model for this thread to render, or undefined when every one is taken. */
  claimModel(): number | undefined {
    const i = this.#renders.claim();
    if (i !== undefined) this.#mine[i] = 1;
    return i;
  }

  /**
   * Every property file's document, by path: this thread reads those the helper has not got to
   * (all of them if it has not started), then waits for the helper. Always joining in: with the
   * schema validators built ahead (schema-compiler.ts) it costs little, and on a busy machine the
   * helper may get little CPU time, so waiting for it to finish alone was slower.
   */
  documents(): Map<string, PropertyDocument> {
    const documents = new Map<string, PropertyDocument>();
    for (let i = this.#documents.claim(); i !== undefined; i = this.#documents.claim()) documents.set(this.#files[i]!.path, readDocument(this.#files[i]!));
    // Without the helper's answer (it failed), the caller reads the files missing here itself.
    const reply = this.#answer();
    for (const d of reply?.documents ?? []) documents.set(d.path, d);
    this.inputs = reply?.inputs;
    return documents;
  }

  /**
   * The models the helper rendered; after a failure of the helper, each model rendered by neither
   * thread comes back with neither text nor outcome (for this thread to render).
   */
  renders(): Array<{ index: number; text?: string; outcome?: RenderOutcome }> {
    const renders = this.#answer()?.renders ?? [];
    const answered = new Uint8Array(this.#mine);
    for (const r of renders) answered[r.index] = 1;
    const missing = [...answered.keys()].filter((i) => !answered[i]).map((index) => ({ index }));
    return missing.length ? [...renders, ...missing] : renders;
  }

  /**
   * The helper's one answer (it then exits), or undefined if it failed: it is only a helper, and
   * this thread then does the work itself (a real problem, such as an unreadable file, is met
   * and reported there).
   */
  #answer(): HelperReply | undefined {
    // Nothing is claimed here: files the helper has yet to take are its to finish.
    if (this.#worker.closed) return this.#reply;
    try {
      this.#reply = this.#worker.wait();
    } catch {
      this.#reply = undefined;
    } finally {
      this.#worker.close();
    }
    return this.#reply;
  }
}
