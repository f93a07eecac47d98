/**
 * Model files rendered before their property files are known: while the property files are read
 * (with many of them, by the parse helper, parse-helper.ts), the models are rendered as if they had
 * none, on this thread and on the helper; a model whose property file turns out to give it a
 * config is rendered again afterwards.
 *
 * The helper hands back each render as the render cache's entry (parse-cache.ts's RenderOutcome):
 * plain data, cheap to send. A file it could not render, or whose outcome is not plain data, comes
 * back without an outcome, and this thread renders it, so reporting its errors the usual way.
 */
import { readFileSync } from 'node:fs';
import type { FoundFile } from '../project/discover-files.js';
import { outcomeOf, type RenderOutcome } from './parse-cache.js';
import type { ParseContext } from './parse-context.js';
import { renderModel, type ModelRender } from './parse-sql-nodes.js';

/** Plain objects, arrays and primitives only: what arrives on the other side is what was sent. */
export function isPlainData(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return typeof value !== 'function' && typeof value !== 'symbol';
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto === Number.prototype) return true; // a float as varsRead keeps it (boxFloats)
  if (Array.isArray(value)) return proto === Array.prototype && value.every(isPlainData);
  return (proto === Object.prototype || proto === null) && Object.values(value).every(isPlainData);
}

/** A project file's text (models, macros, docs, singular tests). */
export function readText(file: FoundFile): string {
  return readFileSync(file.absPath, 'utf8');
}

/** On the helper: a model file's text and, if it rendered cleanly to plain data, its outcome. */
export function renderForHelper(ctx: ParseContext, file: FoundFile): { text: string; outcome?: RenderOutcome } {
  const text = readText(file);
  const { rendered, errors } = renderModel(ctx, file, text, undefined);
  const outcome = rendered && !errors.length ? outcomeOf(rendered.state, rendered.output) : undefined;
  return { text, ...(outcome && isPlainData(outcome) ? { outcome } : {}) };
}

/** Every model file's text and render (without property files), from this thread and the helper. */
export class EarlyRenders {
  readonly texts: string[];
  readonly renders: ModelRender[];

  constructor(readonly ctx: ParseContext, readonly files: readonly FoundFile[]) {
    this.texts = new Array<string>(files.length);
    this.renders = new Array<ModelRender>(files.length);
  }

  /** Renders the files `claim` hands out until it has none left (all of them without it). */
  renderHere(claim?: () => number | undefined): void {
    if (!claim) {
      for (let i = 0; i < this.files.length; i++) this.#render(i);
      return;
    }
    for (let i = claim(); i !== undefined; i = claim()) this.#render(i);
  }

  /** Takes in the helper's renders (`text` and `outcome` missing: render it here). */
  add(renders: Iterable<{ index: number; text?: string; outcome?: RenderOutcome }>): void {
    for (const r of renders) this.#render(r.index, r.text, r.outcome);
  }

  #render(index: number, text = readText(this.files[index]!), outcome?: RenderOutcome): void {
    this.texts[index] = text;
    this.renders[index] = renderModel(this.ctx, this.files[index]!, text, undefined, outcome);
  }
}
