/**
 * Property files read, parsed and validated on a worker thread while this one renders the models:
 * after rendering, parsing YAML is most of a cold parse's work, and its result is plain data,
 * cheap to hand over. Files the thread has not got to when the documents are needed are read by
 * the caller alongside it. The thread exits once it has answered, giving its memory back.
 */
import { readFileSync } from 'node:fs';
import { validateAgainstSchema } from '../project/schema-validation.js';
import { parseYaml, YamlLocator } from '../project/yaml-file.js';
import { SharedCursor, SyncWorker } from './sync-worker.js';

/** A property file as the worker read it: `doc` is set when it parsed and validated. */
export interface PropertyDocument {
  path: string;
  text?: string;
  valid: boolean;
  doc?: unknown;
}

/**
 * Reads, parses and validates a property file. Anything wrong is only flagged (`valid: false`): the
 * file is parsed again on the main thread, which reports the error the usual way.
 */
export function readDocument(file: { path: string; absPath: string }): PropertyDocument {
  let text: string;
  try {
    text = readFileSync(file.absPath, 'utf8');
  } catch {
    return { path: file.path, valid: false };
  }
  try {
    const doc = parseYaml(file.path, text) ?? null;
    const valid = doc === null || validateAgainstSchema('properties', doc, new YamlLocator(file.path, text)).length === 0;
    return valid ? { path: file.path, text, valid, doc } : { path: file.path, text, valid };
  } catch {
    return { path: file.path, text, valid: false };
  }
}

/**
 * Joining in costs the main thread ~50 ms of its own before it helps (compiling the schema
 * validator, a YAML parser not yet optimised): with fewer files left than this, it waits.
 */
const JOIN_MIN_FILES = 500;

export interface DocumentsRequest {
  files: Array<{ path: string; absPath: string }>;
  /** Also the inputs' digest (fingerprint.ts) of these folders, taken first. */
  digest?: { projectDir: string; folders: string[] };
  /** Shared with this thread: which files are taken (SharedCursor). */
  position: Int32Array;
}

export interface DocumentsReply {
  documents: PropertyDocument[];
  inputs?: string;
}

export class PropertyDocumentsReader {
  readonly #worker = new SyncWorker<DocumentsRequest, DocumentsReply>('./property-documents-thread.js');
  readonly #cursor: SharedCursor;
  readonly #files: Array<{ path: string; absPath: string }>;

  /** The inputs' digest, once `take()` has returned, if asked for. */
  inputs?: string;

  /**
   * Starts reading the files on the worker thread; `digest`: also the inputs' digest, which the
   * thread takes first (a stat call per input file: ~0.1 s at 10,000 models, off this thread).
   */
  constructor(files: ReadonlyArray<{ path: string; absPath: string }>, digest?: DocumentsRequest['digest']) {
    this.#files = files.map((f) => ({ path: f.path, absPath: f.absPath }));
    this.#cursor = new SharedCursor(files.length);
    this.#worker.post({ files: this.#files, position: this.#cursor.position, ...(digest ? { digest } : {}) });
  }

  /** How many files the thread has read so far. */
  get read(): number {
    return this.#worker.progress;
  }

  /**
   * Every file's document, by path: the caller reads the files the thread has not got to yet
   * (all of them if it has not started), unless only a few are left.
   */
  take(): Map<string, PropertyDocument> {
    const files = this.#files;
    const documents = new Map<string, PropertyDocument>();
    if (this.read === 0 || files.length - this.read >= JOIN_MIN_FILES) {
      for (let i = this.#cursor.claim(); i !== undefined; i = this.#cursor.claim()) documents.set(files[i]!.path, readDocument(files[i]!));
    }
    try {
      const reply = this.#worker.wait();
      for (const d of reply.documents) documents.set(d.path, d);
      this.inputs = reply.inputs;
    } finally {
      this.#worker.close();
    }
    return documents;
  }
}
