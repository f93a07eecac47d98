/** The thread of ParseHelper (parse-helper.ts): property files first, then models, as it claims them. */
import { loadProjectConfig } from '../project/project-config.js';
import { inputsDigest } from './fingerprint.js';
import { renderForHelper } from './model-renders.js';
import type { HelperReply, HelperRequest, RendersWork } from './parse-helper.js';
import { ParseContext } from './parse-context.js';
import { readDocument } from './property-documents.js';
import { serve, SharedCursor } from './sync-worker.js';

/** The project as the caller parses it, or undefined if something is wrong (the caller reports it). */
function parseContext(work: RendersWork): ParseContext | undefined {
  const loaded = loadProjectConfig(work.projectDir, work.options);
  if (!loaded.config || !loaded.engine) return undefined;
  const ctx = new ParseContext(loaded.config, loaded.engine, work.options.vars ?? {}, work.options.env ?? {});
  return ctx.engine.loadMacros(work.macros).length ? undefined : ctx;
}

serve<HelperRequest, HelperReply>((request, progress) => {
  const { documents: docs, renders: models, positions } = request;
  const reply: HelperReply = { documents: [], renders: [] };
  if (docs.digest) reply.inputs = inputsDigest(docs.digest.projectDir, docs.digest.folders);
  const documents = new SharedCursor(docs.files.length, positions[0]);
  for (let i = documents.claim(); i !== undefined; i = documents.claim()) {
    reply.documents.push(readDocument(docs.files[i]!));
    progress();
  }
  const ctx = models && parseContext(models);
  if (!models || !ctx) return reply;
  const renders = new SharedCursor(models.files.length, positions[1]);
  for (let index = renders.claim(); index !== undefined; index = renders.claim()) {
    reply.renders.push({ index, ...renderForHelper(ctx, models.files[index]!) });
    progress();
  }
  return reply;
});
