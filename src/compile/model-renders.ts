/**
 * Model files rendered on a worker thread while this one renders others: with many models, the
 * parse-pass render is the largest share of a cold compile's work, and its result (the render
 * cache's entry, parse-cache.ts's RenderOutcome) is plain data, cheap to hand over.
 *
 * Both threads take files from one shared list (SharedCursor), so neither waits while files are
 * left. The thread loads the project config and the macros itself, and renders files as if they
 * had no property file (as the caller does while the property files are still being read). A file
 * it could not render, or whose outcome is not plain data, comes back without an outcome: the
 * caller renders it again itself, and so reports its errors the usual way. If the thread fails
 * altogether, the caller renders what the thread had taken.
 */
import { readFileSync } from 'node:fs';
import type { FoundFile } from '../project/discover-files.js';
import type { LoadOptions } from '../project/project-config.js';
import type { MacroFile } from '../template/template-engine.js';
import type { RenderOutcome } from './parse-cache.js';
import type { ParseContext } from './parse-context.js';
import { renderModel, type ModelRender } from './parse-sql-nodes.js';
import { SharedCursor, SyncWorker } from './sync-worker.js';

export interface RendersRequest {
  projectDir: string;
  options: LoadOptions;
  macros: MacroFile[];
  files: FoundFile[];
  /** Shared with the caller: which files are taken (SharedCursor). */
  position: Int32Array;
}

/** A file the thread took: its text, and its outcome unless the caller must render it. */
export interface ThreadRender {
  index: number;
  text: string;
  outcome?: RenderOutcome;
}

export interface RendersReply {
  renders: ThreadRender[];
}

/** Plain objects, arrays and primitives only: what arrives on the other side is what was sent. */
export function isPlainData(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return typeof value !== 'function' && typeof value !== 'symbol';
  const proto = Object.getPrototypeOf(value) as unknown;
  if (Array.isArray(value)) return proto === Array.prototype && value.every(isPlainData);
  return (proto === Object.prototype || proto === null) && Object.values(value).every(isPlainData);
}

export function readText(file: FoundFile): string {
  return readFileSync(file.absPath, 'utf8');
}

export class ModelRenderer {
  readonly #worker = new SyncWorker<RendersRequest, RendersReply>('./model-renders-thread.js');
  readonly #cursor: SharedCursor;
  /** The files this thread took (1), by index. */
  readonly #mine: Uint8Array;
  #taken = 0;

  constructor(projectDir: string, options: LoadOptions, macros: MacroFile[], readonly files: readonly FoundFile[]) {
    this.#cursor = new SharedCursor(files.length);
    this.#mine = new Uint8Array(files.length);
    this.#worker.post({ projectDir, options, macros, files: [...files], position: this.#cursor.position });
  }

  /** How many files the thread has rendered so far. */
  get rendered(): number {
    return this.#worker.progress;
  }

  /** The next file for this thread to render, or undefined when every file is taken. */
  claim(): number | undefined {
    const i = this.#cursor.claim();
    if (i !== undefined) {
      this.#mine[i] = 1;
      this.#taken++;
    }
    return i;
  }

  /**
   * The thread's renders, once this thread has taken every file it could. Without the thread's
   * answer (it failed), the files it took come back with neither text nor outcome.
   */
  take(): Array<{ index: number; text?: string; outcome?: RenderOutcome }> {
    this.#cursor.claimRest();
    // The thread took nothing (it had not started when the files ran out): no need to wait for it.
    if (this.#taken === this.files.length) {
      this.#worker.close();
      return [];
    }
    let renders: Array<{ index: number; text?: string; outcome?: RenderOutcome }>;
    try {
      renders = this.#worker.wait().renders;
    } catch {
      renders = [];
    } finally {
      this.#worker.close();
    }
    if (renders.length + this.#taken === this.files.length) return renders;
    // The thread failed: hand back every file rendered by neither thread.
    const answered = new Uint8Array(this.#mine);
    for (const r of renders) answered[r.index] = 1;
    const missing = [...answered.keys()].filter((i) => !answered[i]).map((index) => ({ index }));
    return [...renders, ...missing];
  }
}

/**
 * Every model file's text and its render as if it had no property file, on this thread and, given
 * a renderer, on its thread too.
 */
export function renderModels(ctx: ParseContext, files: readonly FoundFile[], renderer?: ModelRenderer): { texts: string[]; renders: ModelRender[] } {
  const texts = new Array<string>(files.length);
  const renders = new Array<ModelRender>(files.length);
  const here = (index: number, text = readText(files[index]!), outcome?: RenderOutcome) => {
    texts[index] = text;
    renders[index] = renderModel(ctx, files[index]!, text, undefined, outcome);
  };
  if (!renderer) {
    for (let i = 0; i < files.length; i++) here(i);
    return { texts, renders };
  }
  for (let i = renderer.claim(); i !== undefined; i = renderer.claim()) here(i);
  for (const r of renderer.take()) here(r.index, r.text, r.outcome);
  return { texts, renders };
}
