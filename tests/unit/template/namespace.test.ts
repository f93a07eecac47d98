/**
 * Jinja2's `namespace()` and `{% set ns.attr = value %}`: the one way to carry a value out of a
 * loop (a plain `{% set %}` inside `{% for %}` is local to the loop), used across dbt projects.
 */
import { describe, expect, it } from 'vitest';
import { parseProject } from '../../../src/compile/parse-project.js';
import type { ModelNode } from '../../../src/manifest/types.js';
import { StrataError } from '../../../src/errors/strata-error.js';
import { createRenderState } from '../../../src/template/render-state.js';
import { TemplateEngine } from '../../../src/template/template-engine.js';
import { interpretTemplate } from '../../../src/template/template-interpreter.js';
import nunjucks from 'nunjucks';
import { cleanupProjects, writeProject } from '../../helpers/temp-project.js';

cleanupProjects();

function compiled(files: Record<string, string>): Record<string, string> {
  const result = parseProject(writeProject({ 'project.yml': 'name: proj\n', ...files }), { env: {}, cache: false });
  expect(result.errors.map((e) => `${e.location?.file}:${e.location?.line} ${e.message}`)).toEqual([]);
  const out: Record<string, string> = {};
  for (const n of Object.values(result.manifest!.nodes)) if (n.resourceType === 'model') out[n.name] = (n as ModelNode).compiledCode!;
  return out;
}

function compileErrors(files: Record<string, string>) {
  const result = parseProject(writeProject({ 'project.yml': 'name: proj\n', ...files }), { env: {}, cache: false });
  return result.errors.map((e) => ({ code: e.code, message: e.message, file: e.location?.file, line: e.location?.line, hint: e.hint }));
}

function engine() {
  const e = new TemplateEngine('proj');
  const state = () => createRenderState({ nodeName: 'm', uniqueId: 'model.proj.m', file: 'models/m.sql', vars: () => ({ found: false }), env: {}, target: { name: 'dev', schema: 's', type: 'postgres', threads: 1 } });
  return { engine: e, state };
}

describe('namespace() in a model', () => {
  it('carries a flag and a running total out of a loop', () => {
    const sql = [
      '{% set ns = namespace(found=false, total=0) %}',
      '{% for x in [1, 2, 3] %}{% if x == 2 %}{% set ns.found = true %}{% endif %}{% set ns.total = ns.total + x %}{% endfor %}',
      "select {{ 1 if ns.found else 0 }} as found, {{ ns.total }} as total",
    ].join('');
    expect(compiled({ 'models/a.sql': sql })['a']).toBe('select 1 as found, 6 as total');
  });

  it('takes a block set, a mapping as first argument, and attributes named like dict methods', () => {
    const sql = [
      "{% set ns = namespace({'items': []}, sep=', ') %}",
      "{% for c in ['a', 'b'] %}{% do ns.items.append(c) %}{% endfor %}",
      '{% set ns.cols %}{{ ns.items | join(ns.sep) }}{% endset %}',
      'select {{ ns.cols }}',
    ].join('');
    expect(compiled({ 'models/a.sql': sql })['a']).toBe('select a, b');
  });

  it('works in a macro called from a model', () => {
    const out = compiled({
      'macros/first_positive.sql': '{% macro first_positive(xs) %}{% set ns = namespace(hit=none) %}{% for x in xs %}{% if x > 0 and ns.hit is none %}{% set ns.hit = x %}{% endif %}{% endfor %}{{ return(ns.hit) }}{% endmacro %}',
      'models/a.sql': 'select {{ first_positive([-1, 0, 5, 7]) }} as v',
    });
    expect(out['a']).toBe('select 5 as v');
  });

  it('is interpreted (not compiled to JavaScript), with the output the compiled template gives', () => {
    const { engine: e, state } = engine();
    const text = '{% set ns = namespace(n=0) %}{% for x in range(4) %}{% set ns.n = ns.n + x %}{% endfor %}{{ ns.n }}';
    expect(interpretTemplate(text, e.env, 'models/m.sql')).toBeDefined();
    expect(e.render('models/m.sql', text, state())).toBe('6');
    const compiledTemplate = new nunjucks.Template(text, e.env, 'models/m.sql', true);
    expect(compiledTemplate.render({})).toBe('6');
  });
});

describe('namespace errors name the file and line', () => {
  it('assigning an attribute of something that is not a namespace', () => {
    const errors = compileErrors({ 'models/a.sql': "select 1\n{% set d = {'k': 1} %}\n{% set d.k = 2 %}\n" });
    expect(errors).toEqual([{
      code: 'TEMPLATE',
      message: "cannot assign attribute 'k' on a non-namespace object (dict)",
      file: 'models/a.sql',
      line: 3,
      hint: "only a namespace takes attributes: {% set ns = namespace(k=...) %} then {% set ns.k = ... %}",
    }]);
  });

  it('assigning a namespace attribute and another target in one set', () => {
    const errors = compileErrors({ 'models/a.sql': 'select 1\n\n{% set ns = namespace() %}{% set ns.a, b = [1, 2] %}\n' });
    expect(errors).toEqual([expect.objectContaining({ code: 'TEMPLATE', file: 'models/a.sql', line: 3, message: '{% set %} assigns one namespace attribute (ns.attr) or names, not both' })]);
  });

  it('namespace() with a positional argument that is not a mapping', () => {
    const { engine: e, state } = engine();
    let error: unknown;
    try {
      e.render('models/m.sql', '\n{% set ns = namespace(3) %}', state());
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StrataError);
    expect((error as StrataError).message).toBe('namespace() takes a mapping and keyword arguments, got 3');
    expect((error as StrataError).location).toMatchObject({ file: 'models/m.sql', line: 2 });
  });
});
