/** A model's render state for template unit tests: no vars, no env, relations in `analytics`. */
import { expect } from 'vitest';
import { StrataError } from '../../src/errors/strata-error.js';
import { createRenderState, type RenderState } from '../../src/template/render-state.js';
import { TemplateEngine } from '../../src/template/template-engine.js';

export function modelRenderState(): RenderState {
  return createRenderState({
    nodeName: 'm',
    uniqueId: 'model.proj.m',
    file: 'models/m.sql',
    vars: () => ({ found: false }),
    env: {},
    target: { name: 'dev', schema: 'analytics', type: 'postgres', threads: 4 },
    resolve: () => ({ schema: 'analytics', identifier: 'm' }),
  });
}

/**
 * The template's output, in a model (interpreted when it can be) and inside a macro (compiled),
 * each with a fresh `state()`,
 * which must agree; or, when either fails, an Error carrying both messages with their lines
 * (`a (line 1) | b (line 1)`: each must say what is wrong), so `toThrow(/.../)` checks both.
 */
export function renderInModelAndMacro(template: string, state: () => RenderState = modelRenderState): string {
  const inModel = attempt(() => new TemplateEngine('proj').render('models/m.sql', template, state()));
  const engine = new TemplateEngine('proj');
  const loadErrors = engine.loadMacros([{ file: 'macros/m.sql', text: `{% macro case() %}${template}{% endmacro %}` }]);
  const inMacro = loadErrors[0] ?? attempt(() => engine.render('models/m.sql', '{{ case() }}', state()));
  if (inModel instanceof Error || inMacro instanceof Error) {
    expect([inModel, inMacro].every((r) => r instanceof StrataError), `model: ${String(inModel)}; macro: ${String(inMacro)}`).toBe(true);
    const where = (e: StrataError) => `${e.message} (line ${e.location?.line})`;
    throw new Error(`${where(inModel as StrataError)} | ${where(inMacro as StrataError)}`);
  }
  expect(inMacro).toBe(inModel);
  return inModel;
}

function attempt(fn: () => string): string | Error {
  try {
    return fn();
  } catch (e) {
    return e as Error;
  }
}
