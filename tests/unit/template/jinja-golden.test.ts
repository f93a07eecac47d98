/**
 * Templates rendered by strata against what Jinja2 3.1 renders for them (jinja-golden.json; its
 * `jinja` outputs and errors are Jinja2's own, written by jinja-golden.py). Each template is
 * rendered in a model (interpreted when it can be) and inside a macro (compiled): both must give
 * Jinja2's text, or fail with a template error where Jinja2 fails.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StrataError } from '../../../src/errors/strata-error.js';
import { modelRenderState } from '../../helpers/render-state.js';
import { TemplateEngine } from '../../../src/template/template-engine.js';

interface GoldenCase {
  template: string;
  jinja?: string;
  error?: string;
}

const CASES: GoldenCase[] = JSON.parse(readFileSync(new URL('./jinja-golden.json', import.meta.url), 'utf8'));

const state = modelRenderState;

function outcome(render: () => string): { output?: string; error?: unknown } {
  try {
    return { output: render() };
  } catch (error) {
    return { error };
  }
}

describe('templates as Jinja2 renders them', () => {
  it('has cases, each with Jinja2\'s output or error', () => {
    expect(CASES.length).toBeGreaterThan(200);
    for (const c of CASES) expect(c.jinja !== undefined || c.error !== undefined).toBe(true);
  });

  it.each(CASES.map((c, i) => [i, c] as const))('case %i: %j', (_i, c) => {
    const inModel = outcome(() => new TemplateEngine('proj').render('models/m.sql', c.template, state()));
    const engine = new TemplateEngine('proj');
    expect(engine.loadMacros([{ file: 'macros/golden.sql', text: `{% macro golden_case() %}${c.template}{% endmacro %}` }])
      .map((e) => e.message)).toEqual(c.error !== undefined ? expect.anything() : []);
    const inMacro = outcome(() => engine.render('models/m.sql', '{{ golden_case() }}', state()));
    for (const got of [inModel, inMacro]) {
      if (c.error !== undefined) {
        expect(got.output, `Jinja2 fails: ${c.error}`).toBeUndefined();
        expect(got.error).toBeInstanceOf(StrataError);
      } else {
        expect(got.error).toBeUndefined();
        expect(got.output).toBe(c.jinja);
      }
    }
  });
});
