import { describe, expect, it } from 'vitest';
import { parseProject } from '../../../src/compile/parse-project.js';
import { cleanupProjects, writeProject } from '../../helpers/temp-project.js';

cleanupProjects();

function errorsOf(files: Record<string, string>) {
  const { errors } = parseProject(writeProject(files), { env: {} });
  return errors.map((e) => ({ code: e.code, message: e.message, file: e.location?.file, line: e.location?.line, column: e.location?.column, hint: e.hint, details: e.details }));
}

describe('DAG errors', () => {
  it('an unknown ref suggests the closest name and points at the call', () => {
    const errors = errorsOf({
      'project.yml': 'name: proj\n',
      'models/orders.sql': 'select 1 as id',
      'models/report.sql': 'select *\nfrom {{ ref("ordres") }}',
    });
    expect(errors).toEqual([
      expect.objectContaining({ code: 'REF_NOT_FOUND', file: 'models/report.sql', line: 2, column: 9, hint: "did you mean 'orders'?" }),
    ]);
  });

  it('an unknown source suggests the declared one', () => {
    const errors = errorsOf({
      'project.yml': 'name: proj\n',
      'models/src.yml': 'version: 2\nsources:\n  - name: raw\n    tables:\n      - name: events\n',
      'models/a.sql': "select * from {{ source('raw', 'event') }}",
    });
    expect(errors).toEqual([expect.objectContaining({ code: 'SOURCE_NOT_FOUND', line: 1, hint: "did you mean source('raw', 'events')?" })]);
  });

  it('duplicate model names report both paths', () => {
    const errors = errorsOf({
      'project.yml': 'name: proj\n',
      'models/a/orders.sql': 'select 1',
      'models/b/orders.sql': 'select 2',
    });
    expect(errors).toEqual([expect.objectContaining({ code: 'DUPLICATE', details: ['model: models/a/orders.sql', 'model: models/b/orders.sql'] })]);
  });

  it('a cycle is reported with the full path and each file', () => {
    const errors = errorsOf({
      'project.yml': 'name: proj\n',
      'models/a.sql': "select * from {{ ref('c') }}",
      'models/b.sql': "select * from {{ ref('a') }}",
      'models/c.sql': "select * from {{ ref('b') }}",
      'models/ok.sql': 'select 1',
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe('CYCLE');
    expect(errors[0]!.message).toMatch(/^dependency cycle: (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)$/);
    expect(errors[0]!.details).toEqual(expect.arrayContaining(['b (models/b.sql) refers to a', 'c (models/c.sql) refers to b', 'a (models/a.sql) refers to c']));
  });

  it('a ref to a disabled model says so', () => {
    const errors = errorsOf({
      'project.yml': 'name: proj\n',
      'models/old.sql': "{{ config(enabled=false) }}\nselect 1",
      'models/new.sql': "select * from {{ ref('old') }}",
    });
    expect(errors).toEqual([expect.objectContaining({ code: 'DISABLED_REF', file: 'models/new.sql', details: ['disabled in models/old.sql'] })]);
  });

  it('all errors of a project are reported together', () => {
    const errors = errorsOf({
      'project.yml': 'name: proj\n',
      'models/a.sql': "select * from {{ ref('nope') }}",
      'models/b.sql': 'select {{ broken( }}',
      'models/c.sql': "select {{ var('missing') }}",
      'models/props.yml': 'version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        tests: [uniqe]\n',
    });
    expect(errors.map((e) => e.code).sort()).toEqual(['REF_NOT_FOUND', 'TEMPLATE', 'TEST', 'VAR']);
  });
});

describe('project and property file errors', () => {
  it('bad YAML names the file, line and column', () => {
    const errors = errorsOf({ 'project.yml': 'name: proj\nmodels:\n  proj:\n    +materialized: [table\n' });
    expect(errors).toEqual([expect.objectContaining({ code: 'YAML', file: 'project.yml', line: 5 })]);
  });

  it('an unknown project key is located and a near key suggested', () => {
    const errors = errorsOf({ 'project.yml': 'name: proj\nmodel-path: [models]\n' });
    expect(errors).toEqual([expect.objectContaining({ code: 'CONFIG', file: 'project.yml', line: 2, column: 1, message: "unknown key 'model-path' in the file", hint: "did you mean 'model-paths'?" })]);
  });

  it('a bad config value in project.yml is located', () => {
    const errors = errorsOf({ 'project.yml': 'name: proj\nmodels:\n  +materialized: tabel\n' });
    expect(errors).toEqual([expect.objectContaining({ code: 'CONFIG', line: 3, column: 18 })]);
    expect(errors[0]!.message).toContain('must be one of');
  });

  it('a bad config() value in a model names the model file and line', () => {
    const errors = errorsOf({ 'project.yml': 'name: proj\n', 'models/a.sql': "\n\n{{ config(materialized='tabel') }}\nselect 1" });
    expect(errors).toEqual([expect.objectContaining({ code: 'CONFIG', file: 'models/a.sql', line: 3, message: "materialized must be one of view, table, incremental, ephemeral (got 'tabel')" })]);
  });

  it('a property file with an unknown key is located', () => {
    const errors = errorsOf({
      'project.yml': 'name: proj\n',
      'models/a.sql': 'select 1 as id',
      'models/a.yml': 'version: 2\nmodels:\n  - name: a\n    colums:\n      - name: id\n',
    });
    expect(errors).toEqual([expect.objectContaining({ code: 'CONFIG', file: 'models/a.yml', line: 4, column: 5, hint: "did you mean 'columns'?" })]);
  });

  it('a missing project file is a clear error', () => {
    const errors = errorsOf({ 'models/a.sql': 'select 1' });
    expect(errors).toEqual([expect.objectContaining({ code: 'CONFIG', hint: 'run strata from a project folder or pass --project-dir DIR' })]);
  });

  it('identifiers over 63 bytes are refused at compile time', () => {
    const long = 'é'.repeat(32); // 64 bytes in UTF-8
    const errors = errorsOf({ 'project.yml': 'name: proj\n', [`models/${long}.sql`]: 'select 1' });
    expect(errors).toEqual([expect.objectContaining({ code: 'IDENTIFIER' })]);
  });

  it('a property entry without a model file is a warning, not an error', () => {
    const { errors, warnings } = parseProject(
      writeProject({ 'project.yml': 'name: proj\n', 'models/a.yml': 'version: 2\nmodels:\n  - name: ghost\n' }),
      { env: {} },
    );
    expect(errors).toEqual([]);
    expect(warnings.map((w) => [w.location?.file, w.location?.line])).toEqual([['models/a.yml', 3]]);
  });
});
