/**
 * Property files read, parsed and validated on a worker thread while this one renders the models:
 * after rendering, parsing YAML is most of a cold parse's work, and its result is plain data,
 * cheap to hand over. The thread exits once it has answered, giving its memory back.
 */
import { SharedCursor, SyncWorker } from './sync-worker.js';

/** A property file as the worker read it: `doc` is set when it parsed and validated. */
export interface PropertyDocument {
  path: string;
  text?: string;
  valid: boolean;
  doc?: unknown;
}

export interface DocumentsRequest {
  files: Array<{ path: string; absPath: string }>;
  /** Shared with this thread: which files are taken (SharedCursor). */
  position: Int32Array;
}

export interface DocumentsReply {
  documents: PropertyDocument[];
}

export class PropertyDocumentsReader {
  readonly #worker = new SyncWorker<DocumentsRequest, DocumentsReply>('./property-documents-thread.js');
  readonly #cursor: SharedCursor;

  /** Starts reading the files on the worker thread. */
  constructor(files: ReadonlyArray<{ path: string; absPath: string }>) {
    this.#cursor = new SharedCursor(files.length);
    this.#worker.post({ files: files.map((f) => ({ path: f.path, absPath: f.absPath })), position: this.#cursor.position });
  }

  /** How many files the thread has read so far. */
  get read(): number {
    return this.#worker.progress;
  }

  /**
   * The documents the thread has read so far, by path; it stops after the file in hand (a thread
   * that started late may have read none). The caller parses the others itself.
   */
  take(): Map<string, PropertyDocument> {
    this.#cursor.claimRest();
    try {
      return new Map(this.#worker.wait().documents.map((d) => [d.path, d]));
    } finally {
      this.#worker.close();
    }
  }
}
