/**
 * A block tag left open (`{% if %}` without `{% endif %}`) made nunjucks fail at the end of the
 * file, with no line: the error now points at the tag that is not closed.
 */
import { describe, expect, it } from 'vitest';
import { parseProject } from '../../../src/compile/parse-project.js';
import { StrataError } from '../../../src/errors/strata-error.js';
import { createRenderState } from '../../../src/template/render-state.js';
import { TemplateEngine } from '../../../src/template/template-engine.js';
import { cleanupProjects, cli, writeProject } from '../../helpers/temp-project.js';

cleanupProjects();

function errorsOf(files: Record<string, string>) {
  const { errors } = parseProject(writeProject({ 'project.yml': 'name: proj\n', ...files }), { env: {}, cache: false });
  return errors.map((e) => ({ code: e.code, message: e.message, file: e.location?.file, line: e.location?.line, column: e.location?.column, hint: e.hint, details: e.details }));
}

/** The error of rendering `text` as models/m.sql. */
function renderError(text: string): StrataError {
  const engine = new TemplateEngine('proj');
  const state = createRenderState({ nodeName: 'm', uniqueId: 'model.proj.m', file: 'models/m.sql', vars: () => ({ found: false }), env: {}, target: { name: 'dev', schema: 's', type: 'postgres', threads: 1 } });
  try {
    engine.render('models/m.sql', text, state);
  } catch (e) {
    expect(e).toBeInstanceOf(StrataError);
    return e as StrataError;
  }
  throw new Error('expected an error');
}

const at = (e: StrataError) => [e.location?.line, e.location?.column, e.message, e.hint];

describe('a block tag that is never closed', () => {
  it('in a model: the file and line of the opening tag, with the end tag to add', () => {
    expect(errorsOf({ 'models/a.sql': 'select 1\n{% if var("x", 1) %}\n  , 2\n' })).toEqual([{
      code: 'TEMPLATE',
      message: '{% if %} is not closed: the file ends before its {% endif %}',
      file: 'models/a.sql',
      line: 2,
      column: 1,
      hint: 'add {% endif %} where the if block ends',
      details: undefined,
    }]);
  });

  it('in a macro file, a macro or a generic test definition', () => {
    const errors = errorsOf({ 'macros/m.sql': '\n\n{%- macro m() %}\nx\n', 'macros/t.sql': '{% test positive(model, column_name) %}\nselect 1\n', 'models/a.sql': 'select 1' });
    expect(errors.map((e) => [e.file, e.line, e.column, e.message])).toEqual([
      ['macros/m.sql', 3, 1, '{% macro %} is not closed: the file ends before its {% endmacro %}'],
      ['macros/t.sql', 1, 1, '{% test %} is not closed: the file ends before its {% endtest %}'],
    ]);
  });

  it('the innermost open tag, with the ones around it as details', () => {
    const e = renderError('{% for i in range(2) %}\n  {% if i %}\n    x\n  {% else %}\n    y\n');
    expect(at(e)).toEqual([2, 3, '{% if %} is not closed: the file ends before its {% endif %}', 'add {% endif %} where the if block ends']);
    expect(e.details).toEqual(['also not closed: {% for %} at line 1']);
  });

  it.each([
    ['a for loop', '\n{% for x in [1] %}\n{{ x }}', 'for', 'endfor'],
    ['a block set', 'x\n{% set cols %}\na, b', 'set', 'endset'],
    ['a call block', '{% macro m() %}{{ caller() }}{% endmacro %}\n{% call m() %}\nbody', 'call', 'endcall'],
    ['a filter block', '\n{% filter upper %}\nloud', 'filter', 'endfilter'],
  ])('%s', (_what, text, tag, end) => {
    const e = renderError(text);
    expect(e.message).toBe(`{% ${tag} %} is not closed: the file ends before its {% ${end} %}`);
    expect(e.location?.line).toBe(2);
  });

  it('ignores tags inside comments, raw blocks and closed blocks, and a set with a value', () => {
    const e = renderError('{# {% for x in y %} #}{% raw %}{% if %}{% endraw %}{% set a = 1 %}{% if a %}{% endif %}\n{%- if a -%}\nx');
    expect(at(e)).toEqual([2, 1, '{% if %} is not closed: the file ends before its {% endif %}', 'add {% endif %} where the if block ends']);
  });

  it('the CLI shows the opening tag in a code frame', async () => {
    const dir = writeProject({ 'project.yml': 'name: proj\n', 'models/a.sql': 'select 1\n{% if true %}\n, 2\n' });
    const run = await cli(['--project-dir', dir, 'compile']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('models/a.sql:2:1: TEMPLATE {% if %} is not closed');
    expect(run.stderr).toContain('> 2 | {% if true %}');
    expect(run.stderr).not.toMatch(/at \S+\.(js|ts):\d+/);
  });
});

describe('other unterminated template syntax', () => {
  it('an end tag that closes another block names the block still open', () => {
    const e = renderError('a\n{% if a %}\n  {% for x in y %}\n{% endif %}');
    expect(at(e)).toEqual([4, 1, '{% endif %} found while {% for %} (line 3) is still open', 'close the {% for %} with {% endfor %} before this tag']);
  });

  it('an end tag with no block open', () => {
    const e = renderError('select 1\n{% endif %}');
    expect(at(e)).toEqual([2, 1, '{% endif %} closes nothing: no {% if %} is open', 'remove it, or add the {% if %} it should close']);
  });

  it('a tag, expression or comment without its closing delimiter', () => {
    expect(at(renderError('a\n{% if x \nb'))).toEqual([2, 1, '{% is not closed with %}', 'end the tag with %}']);
    expect(at(renderError('a\n  {{ ref("x")\nb'))).toEqual([2, 3, '{{ is not closed with }}', 'end the expression with }}']);
    expect(at(renderError('a\n{# note\nb'))).toEqual([2, 1, '{# is not closed with #}', 'end the comment with #}']);
  });

  it('a misspelt tag is still reported where it is', () => {
    const e = renderError('{% if x %}\nselect 1\n{% endfi %}');
    expect([e.location?.line, e.message]).toEqual([3, "unknown template tag '{% endfi %}'"]);
  });
});
