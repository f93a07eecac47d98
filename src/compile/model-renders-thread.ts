/** The thread of ModelRenderer (model-renders.ts): renders the model files it claims. */
import { loadProjectConfig } from '../project/project-config.js';
import { readText, isPlainData, type RendersReply, type RendersRequest, type ThreadRender } from './model-renders.js';
import { outcomeOf } from './parse-cache.js';
import { ParseContext } from './parse-context.js';
import { renderModel } from './parse-sql-nodes.js';
import { serve, SharedCursor } from './sync-worker.js';

serve<RendersRequest, RendersReply>((request, progress) => {
  const renders: ThreadRender[] = [];
  const loaded = loadProjectConfig(request.projectDir, request.options);
  // Something the caller will report: it renders every file itself.
  if (!loaded.config || !loaded.engine) return { renders };
  const ctx = new ParseContext(loaded.config, loaded.engine, request.options.vars ?? {}, request.options.env ?? {});
  if (ctx.engine.loadMacros(request.macros).length) return { renders };
  const cursor = new SharedCursor(request.files.length, request.position);
  for (let index = cursor.claim(); index !== undefined; index = cursor.claim()) {
    const file = request.files[index]!;
    const text = readText(file);
    const { rendered, errors } = renderModel(ctx, file, text, undefined);
    const outcome = rendered && !errors.length && !ctx.errors.length ? outcomeOf(rendered.state, rendered.output) : undefined;
    renders.push({ index, text, ...(outcome && isPlainData(outcome) ? { outcome } : {}) });
    progress();
  }
  return { renders };
});
