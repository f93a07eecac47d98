/**
 * Misspelt config keys: dbt keeps any key as custom config, so strata does not refuse them, but a
 * key a few edits away from one it knows is almost always a typo that silently changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { parseProject } from '../../../src/compile/parse-project.js';
import type { ModelNode, TestNode } from '../../../src/manifest/types.js';
import { cleanupProjects, cli, writeProject } from '../../helpers/temp-project.js';

cleanupProjects();

function parsed(files: Record<string, string>) {
  const result = parseProject(writeProject(files), { env: {}, cache: false });
  expect(result.errors.map((e) => e.message)).toEqual([]);
  const warnings = result.warnings.map((w) => ({ code: w.code, message: w.message, file: w.location?.file, line: w.location?.line, hint: w.hint }));
  return { manifest: result.manifest!, warnings };
}

const model = (files: Record<string, string>, name = 'a') => parsed(files).manifest.nodes[`model.proj.${name}`] as ModelNode;

describe('a misspelt config key is a warning naming file, line and the key meant', () => {
  it('in the project.yml config tree (+ form)', () => {
    const files = { 'project.yml': 'name: proj\nmodels:\n  proj:\n    +materialised: table\n', 'models/a.sql': 'select 1' };
    expect(parsed(files).warnings).toEqual([
      { code: 'CONFIG', message: "unknown config key '+materialised' in models.proj: kept as custom config, it changes nothing", file: 'project.yml', line: 4, hint: "did you mean '+materialized'?" },
    ]);
    expect(model(files).config.materialized).toBe('view');
  });

  it('in the project.yml config tree without +, where a scalar value is config as in dbt', () => {
    const files = { 'project.yml': 'name: proj\nmodels:\n  proj:\n    staging:\n      materialised: table\n', 'models/staging/a.sql': 'select 1' };
    expect(parsed(files).warnings).toEqual([
      expect.objectContaining({ file: 'project.yml', line: 5, hint: "did you mean 'materialized'?" }),
    ]);
  });

  it('keeps the user spelling of hooks in the suggestion', () => {
    const files = { 'project.yml': 'name: proj\nmodels:\n  +pre-hok: "select 1"\n', 'models/a.sql': 'select 1' };
    expect(parsed(files).warnings).toEqual([expect.objectContaining({ line: 3, hint: "did you mean '+pre-hook'?" })]);
  });

  it('in the seeds, data_tests and sources trees too', () => {
    const { warnings } = parsed({
      'project.yml': 'name: proj\nseeds:\n  +schemaa: raw\ndata_tests:\n  +severty: warn\nsources:\n  +enabeld: false\n',
      'models/a.sql': 'select 1',
    });
    expect(warnings.map((w) => [w.line, w.hint])).toEqual([
      [3, "did you mean '+schema'?"],
      [5, "did you mean '+severity'?"],
      [7, "did you mean '+enabled'?"],
    ]);
  });

  it('in config() in a model, at the line of the key', () => {
    const files = { 'project.yml': 'name: proj\n', 'models/a.sql': "{{ config(\n    schema='x',\n    materialised='table'\n) }}\nselect 1" };
    expect(parsed(files).warnings).toEqual([
      { code: 'CONFIG', message: "unknown config key 'materialised' in config() of model 'a': kept as custom config, it changes nothing", file: 'models/a.sql', line: 3, hint: "did you mean 'materialized'?" },
    ]);
    expect(model(files).config.materialized).toBe('view');
  });

  it('in config() in a singular data test', () => {
    const { warnings } = parsed({ 'project.yml': 'name: proj\n', 'tests/t.sql': "{{ config(severty='warn') }}\nselect 1 where false" });
    expect(warnings).toEqual([expect.objectContaining({ file: 'tests/t.sql', line: 1, hint: "did you mean 'severity'?" })]);
  });

  it('under config: of a model, a source table and a column test in a property file', () => {
    const { warnings } = parsed({
      'project.yml': 'name: proj\n',
      'models/a.sql': 'select 1 as id',
      'models/a.yml': [
        'version: 2',
        'models:',
        '  - name: a',
        '    config:',
        '      materialised: table',
        '    columns:',
        '      - name: id',
        '        data_tests:',
        '          - unique:',
        '              config:',
        '                severty: warn',
        'sources:',
        '  - name: raw',
        '    tables:',
        '      - name: t',
        '        config:',
        '          enabeld: false',
        '',
      ].join('\n'),
    });
    expect(warnings.map((w) => [w.file, w.line, w.hint])).toEqual([
      ['models/a.yml', 5, "did you mean 'materialized'?"],
      ['models/a.yml', 11, "did you mean 'severity'?"],
      ['models/a.yml', 17, "did you mean 'enabled'?"],
    ]);
  });
});

describe('custom config stays silent, as in dbt', () => {
  it('keys far from any known key, and keys dbt adapters define, are kept without a warning', () => {
    const files = {
      'project.yml': 'name: proj\nmodels:\n  proj:\n    +owner: data-team\n    +auto_refresh: true\n    sla_hours: 4\n',
      'models/a.sql': "{{ config(contains_pii=true) }}\nselect 1",
      'models/a.yml': 'version: 2\nmodels:\n  - name: a\n    config:\n      domain: sales\n',
    };
    const { warnings, manifest } = parsed(files);
    expect(warnings).toEqual([]);
    const config = (manifest.nodes['model.proj.a'] as ModelNode).config as unknown as Record<string, unknown>;
    expect([config['owner'], config['sla_hours'], config['contains_pii'], config['domain']]).toEqual(['data-team', 4, true, 'sales']);
  });

  it('short custom keys two edits from a known one, and a known key with a suffix, are not taken for typos', () => {
    const { warnings } = parsed({
      'project.yml': 'name: proj\nmodels:\n  proj:\n    +stage: bronze\n    +dag: nightly\n    +grants_to: [bi]\n',
      'models/a.sql': "{{ config(cols=3, full_refresh_ok=true) }}\nselect 1",
    });
    expect(warnings).toEqual([]);
  });

  it('a folder is still a folder: a mapping under a key that is not config', () => {
    const files = { 'project.yml': 'name: proj\nmodels:\n  proj:\n    staging:\n      +schema: stg\n', 'models/staging/a.sql': 'select 1' };
    expect(model(files).relation.schema).toBe('stg');
  });

  it('a test config key given at the top level of the test is an argument, not checked as config', () => {
    const { warnings, manifest } = parsed({
      'project.yml': 'name: proj\n',
      'models/a.sql': 'select 1 as id',
      'models/a.yml': 'version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        data_tests:\n          - accepted_values:\n              values: [1]\n              quote: false\n',
    });
    expect(warnings).toEqual([]);
    expect(Object.values(manifest.nodes).filter((n): n is TestNode => n.resourceType === 'test')).toHaveLength(1);
  });
});

describe('the CLI prints the warning', () => {
  it('strata compile shows the file, line, frame and suggestion on stderr and succeeds', async () => {
    const dir = writeProject({ 'project.yml': 'name: proj\nmodels:\n  proj:\n    +materialised: table\n', 'models/a.sql': 'select 1' });
    const run = await cli(['--project-dir', dir, 'compile']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("warning project.yml:4:5: CONFIG unknown config key '+materialised' in models.proj");
    expect(run.stderr).toContain("hint: did you mean '+materialized'?");
  });
});

describe('a dbt config key strata does not act on is a warning saying what to do instead', () => {
  it('contract in the tree, sql_header in config(), microbatch keys in a property file', () => {
    const files = {
      'project.yml': 'name: proj\nmodels:\n  proj:\n    +contract: {enforced: true}\n',
      'models/a.sql': "{{ config(sql_header='set local work_mem = 1000') }}\nselect 1 as id",
      'models/b.sql': 'select 1 as id',
      'models/props.yml': 'version: 2\nmodels:\n  - name: b\n    config:\n      event_time: created_at\n',
    };
    expect(parsed(files).warnings).toEqual([
      { code: 'CONFIG', message: "config '+contract' in models.proj is not supported by strata: it has no effect", file: 'project.yml', line: 4, hint: expect.stringContaining('not enforced') },
      { code: 'CONFIG', message: "config 'event_time' in the config of model 'b' is not supported by strata: it has no effect", file: 'models/props.yml', line: 5, hint: expect.stringContaining('microbatch') },
      { code: 'CONFIG', message: "config 'sql_header' in config() of model 'a' is not supported by strata: it has no effect", file: 'models/a.sql', line: 1, hint: expect.stringContaining('pre_hook') },
    ]);
    // A contract that is not enforced asks for nothing strata lacks.
    const unenforced = parsed({ ...files, 'project.yml': 'name: proj\nmodels:\n  proj:\n    +contract: {enforced: false}\n' });
    expect(unenforced.warnings.map((w) => w.message)).not.toContainEqual(expect.stringContaining('contract'));
  });
});
