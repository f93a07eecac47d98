/**
 * Macro calls are checked as Jinja2 checks them: too many positional arguments, or a keyword the
 * macro does not declare, is an error (nunjucks silently dropped them), unless the macro's body
 * uses `varargs` / `kwargs` (or `caller`, for a `{% call %}` block).
 */
import { describe, expect, it } from 'vitest';
import { parseProject } from '../../../src/compile/parse-project.js';
import type { ModelNode } from '../../../src/manifest/types.js';
import { cleanupProjects, cli, writeProject } from '../../helpers/temp-project.js';

cleanupProjects();

const MACROS = {
  'macros/m.sql': [
    '{% macro my_macro(a) %}[{{ a }}]{% endmacro %}',
    '',
    '{% macro with_default(col, scale=2) %}{{ col }}/{{ scale }}{% endmacro %}',
    '{% macro wrapper() %}',
    '  {{ my_macro(1, 2) }}',
    '{% endmacro %}',
  ].join('\n'),
};

function compile(files: Record<string, string>) {
  const result = parseProject(writeProject({ 'project.yml': 'name: proj\n', ...MACROS, ...files }), { env: {}, cache: false });
  const errors = result.errors.map((e) => ({ code: e.code, message: e.message, file: e.location?.file, line: e.location?.line, hint: e.hint }));
  const sql: Record<string, string> = {};
  for (const n of Object.values(result.manifest?.nodes ?? {})) if (n.resourceType === 'model') sql[n.name] = (n as ModelNode).compiledCode ?? '';
  return { errors, sql };
}

describe('a macro called with arguments it does not take is a compile error at the call', () => {
  it('too many positional arguments (a file the fast path renders)', () => {
    expect(compile({ 'models/a.sql': 'select\n  {{ my_macro(1, 2, 3) }}' }).errors).toEqual([{
      code: 'TEMPLATE',
      message: "macro 'my_macro' takes not more than 1 argument(s), got 3",
      file: 'models/a.sql',
      line: 2,
      hint: 'my_macro(a) is defined at macros/m.sql:1',
    }]);
  });

  it('an unknown keyword argument, with the parameter probably meant (a file nunjucks renders)', () => {
    expect(compile({ 'models/a.sql': "{% set x = 1 %}\nselect {{ with_default('c', scael=3) }}" }).errors).toEqual([{
      code: 'TEMPLATE',
      message: "macro 'with_default' takes no keyword argument 'scael'",
      file: 'models/a.sql',
      line: 2,
      hint: "did you mean 'scale'? with_default(col, scale) is defined at macros/m.sql:3",
    }]);
  });

  it('an argument given both by position and by keyword', () => {
    expect(compile({ 'models/a.sql': "select {{ with_default('c', col='d') }}" }).errors).toEqual([
      expect.objectContaining({ message: "macro 'with_default' got argument 'col' twice: by position and by keyword", line: 1 }),
    ]);
  });

  it('inside a loop', () => {
    expect(compile({ 'models/a.sql': 'select\n{% for i in [1] %}\n  {{ my_macro(i, i) }}\n{% endfor %}' }).errors).toEqual([
      expect.objectContaining({ message: "macro 'my_macro' takes not more than 1 argument(s), got 2", file: 'models/a.sql', line: 3 }),
    ]);
  });

  it('from another macro: the line of the call in that macro', () => {
    expect(compile({ 'models/a.sql': 'select\n{{ wrapper() }}' }).errors).toEqual([
      expect.objectContaining({ message: "macro 'my_macro' takes not more than 1 argument(s), got 2", file: 'macros/m.sql', line: 5 }),
    ]);
  });

  it('a generic test given an argument its {% test %} does not declare, at the test in the property file', () => {
    const { errors } = compile({
      'macros/positive.sql': '{% test positive(model, column_name) %}select * from {{ model }} where {{ column_name }} <= 0{% endtest %}',
      'models/a.sql': 'select 1 as id',
      'models/a.yml': 'version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        data_tests:\n          - positive:\n              min_value: 0\n',
    });
    expect(errors).toEqual([expect.objectContaining({
      message: "data test 'positive' on column 'id' of a: macro 'test_positive' takes no keyword argument 'min_value'",
      file: 'models/a.yml',
      line: 7,
    })]);
  });

  it('the CLI reports it without a stack trace', async () => {
    const dir = writeProject({ 'project.yml': 'name: proj\n', ...MACROS, 'models/a.sql': 'select {{ my_macro(1, x=2) }}' });
    const run = await cli(['--project-dir', dir, 'compile']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("models/a.sql:1:19: TEMPLATE macro 'my_macro' takes no keyword argument 'x'");
    expect(run.stderr).toContain('hint: my_macro(a) is defined at macros/m.sql:1');
    expect(run.stderr).not.toMatch(/at \S+\.(js|ts):\d+/);
  });
});

describe('calls Jinja2 accepts', () => {
  it('fewer arguments, defaults by position or keyword, parameters by keyword', () => {
    const { errors, sql } = compile({ 'models/a.sql': "select {{ my_macro() }}, {{ with_default('c', 3) }}, {{ with_default(scale=4, col='d') }}, {{ my_macro(a=5) }}" });
    expect(errors).toEqual([]);
    expect(sql['a']).toBe('select [], c/3, d/4, [5]');
  });

  it('extra arguments to a macro whose body uses varargs or kwargs', () => {
    const { errors } = compile({
      'macros/flexible.sql': '{% macro takes_all(a) %}{{ a }}{{ varargs | length }}{{ kwargs | length }}{% endmacro %}\n{% macro takes_kw(a) %}{{ kwargs.get("x") }}{% endmacro %}',
      'models/a.sql': 'select {{ takes_all(1, 2, 3, x=4) }}, {{ takes_kw(1, y=2) }}',
    });
    expect(errors).toEqual([]);
  });

  it('a {% call %} block to a macro that calls caller(), and not to one that does not', () => {
    const files = { 'macros/wrap.sql': '{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}\n{% macro plain(tag) %}{{ tag }}{% endmacro %}' };
    const ok = compile({ ...files, 'models/a.sql': "select '{% call wrap('b') %}x{% endcall %}'" });
    expect(ok.errors).toEqual([]);
    expect(ok.sql['a']).toBe("select '<b>x</b>'");
    expect(compile({ ...files, 'models/a.sql': "select\n{% call plain('b') %}x{% endcall %}" }).errors).toEqual([
      expect.objectContaining({ message: "macro 'plain' is called with {% call %} but never calls caller()", file: 'models/a.sql', line: 2 }),
    ]);
  });
});

describe("Jinja2's varargs and kwargs inside a macro", () => {
  const VARIADIC = {
    'macros/v.sql': [
      "{% macro joined(first) %}{{ first }}|{{ varargs | join('+') }}|{{ kwargs.get('sep', ',') }}|{{ kwargs | length }}{% endmacro %}",
      '{% macro outer(x) %}{{ joined(x, 9, sep=kwargs.sep) }}{% endmacro %}',
      '{% macro plain_kwargs(a, b=2) %}{{ a }}{{ b }}:{{ kwargs | length }}:{{ varargs | length }}{% endmacro %}',
    ].join('\n'),
  };
  it('varargs holds the extra positional arguments and kwargs the undeclared keywords, as in Jinja2', () => {
    const { errors, sql } = compile({
      ...VARIADIC,
      'models/a.sql': "select '{{ joined(1, 2, 3, sep=';', x=5) }}' as a, '{{ joined(7) }}' as b",
      'models/b.sql': "select '{{ outer(4, sep='/') }}' as c, '{{ plain_kwargs(1, z=3) }}' as d",
    });
    expect(errors).toEqual([]);
    expect(sql['a']).toBe("select '1|2+3|;|2' as a, '7||,|0' as b");
    // outer reads kwargs; joined, called from it, sees its own; plain_kwargs reads kwargs too.
    expect(sql['b']).toBe("select '4|9|/|1' as c, '12:1:0' as d");
  });
});

describe('*args and **kwargs in a call', () => {
  it('pass a sequence and a mapping on as arguments, as a macro forwards its varargs and kwargs', () => {
    const { errors, sql } = compile({
      'macros/fwd.sql': [
        "{% macro inner(a, b, sep='-') %}{{ a }}{{ sep }}{{ b }}{{ '|' ~ kwargs.get('tail', '') if kwargs }}{% endmacro %}", // an empty kwargs is false
        '{% macro outer() %}{{ inner(*varargs, **kwargs) }}{% endmacro %}',
        "{% macro dispatched() %}{{ return(adapter.dispatch('inner')(*varargs, **kwargs)) }}{% endmacro %}",
      ].join('\n'),
      'models/a.sql': "select '{{ outer(1, 2, sep='+') }}' as a, '{{ inner(*[3, 4]) }}' as b, '{{ dispatched(5, 6) }}' as c, '{{ inner(7, **{'b': 8, 'sep': ':'}) }}' as d",
    });
    expect(errors).toEqual([]);
    expect(sql['a']).toBe("select '1+2' as a, '3-4' as b, '5-6' as c, '7:8' as d");
  });
});

describe('*args in a macro definition, and a call left open', () => {
  it('are clear errors at the right file and line', () => {
    const { errors } = compile({ 'macros/star.sql': "\n\n{% macro spread(**kw) %}{{ kw }}{% endmacro %}", 'models/a.sql': 'select 1' });
    expect(errors).toEqual([expect.objectContaining({ file: 'macros/star.sql', line: 3, message: expect.stringContaining("a macro's parameters cannot be **kwargs") })]);
    const open = compile({ 'models/b.sql': 'select {{ my_macro(1,' });
    expect(open.errors).toEqual([expect.objectContaining({ file: 'models/b.sql', line: 1, message: expect.stringContaining('is not closed') })]);
  });
});

describe('a data test with a description', () => {
  it('is not passed the description as an argument (dbt reads it as a property of the test)', () => {
    const result = parseProject(writeProject({
      'project.yml': 'name: proj\n',
      'macros/t.sql': '{% test is_positive(model, column_name) %}select * from {{ model }} where {{ column_name }} <= 0{% endtest %}',
      'models/a.sql': 'select 1 as id',
      'models/props.yml': 'version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        data_tests:\n          - is_positive:\n              description: ids are positive\n          - not_null:\n              description: every row has one\n',
    }), { env: {}, cache: false });
    expect(result.errors.map((e) => e.message)).toEqual([]);
    const tests = Object.values(result.manifest!.nodes).filter((n) => n.resourceType === 'test');
    expect(tests.map((t) => [t.name, t.description]).sort()).toEqual([['is_positive_a_id', 'ids are positive'], ['not_null_a_id', 'every row has one']]);
  });
});
