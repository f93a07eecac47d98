/**
 * Checked with the project, not when a run reaches them (after a whole build): on-run-start /
 * on-run-end hook syntax (at the hook's line in project.yml) and data tests' thresholds and
 * fail_calc (at the test).
 */
import { describe, expect, it } from 'vitest';
import { cleanupProjects, cli, writeProject } from '../../helpers/temp-project.js';

cleanupProjects();

describe('project hook syntax', () => {
  it('strata parse reports a broken hook at its line, exit 2; a valid hook reading results parses', async () => {
    const dir = writeProject({
      'project.yml': [
        'name: proj',
        'on-run-start:',
        '  - "create schema if not exists audit"',
        'on-run-end:',
        '  - "{% for r in results %}select 1;{% endfor %}"',
        '  - "{% if %}broken"',
        '',
      ].join('\n'),
      'models/a.sql': 'select 1 as id',
    });
    const run = await cli(['--project-dir', dir, 'parse']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/project\.yml:6:\d+/);
    expect(run.stderr).toContain('on-run-end[1]');
    expect(run.stderr).not.toContain('on-run-end[0]');
    // A block scalar hook: the error's own line.
    writeProject({ 'project.yml': 'name: proj\non-run-end:\n  - |\n    select 1;\n    {% if %}\n' }, dir);
    const block = await cli(['--project-dir', dir, 'parse']);
    expect(block.stderr).toMatch(/project\.yml:5:/);
    writeProject({ 'project.yml': 'name: proj\non-run-end: "{% for r in results %}select 1;{% endfor %}"\n' }, dir);
    const fine = await cli(['--project-dir', dir, 'parse']);
    expect(fine.code, fine.stderr).toBe(0);
  });
});

describe('data test config at parse time', () => {
  it('a bad error_if, severity or fail_calc is a parse error at the test', async () => {
    const dir = writeProject({
      'project.yml': 'name: proj\n',
      'models/a.sql': 'select 1 as id',
      'models/props.yml': [
        'version: 2',
        'models:',
        '  - name: a',
        '    columns:',
        '      - name: id',
        '        data_tests:',
        '          - not_null:',
        '              config: {error_if: banana}',
        '          - unique:',
        '              config: {severity: fatal}',
        '',
      ].join('\n'),
      'tests/t.sql': "{{ config(fail_calc=3) }}\nselect * from {{ ref('a') }} where false",
    });
    const run = await cli(['--project-dir', dir, 'parse']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error_if');
    expect(run.stderr).toContain('fatal');
    expect(run.stderr).toContain('fail_calc');
    expect(run.stderr).toMatch(/models\/props\.yml:\d+/);
    expect(run.stderr).toMatch(/tests\/t\.sql/);
  });
});

describe('descriptions', () => {
  it("are rendered as dbt renders them: doc(), var(), env_var() and target; an error names the file", async () => {
    const { parseProject } = await import('../../../src/compile/parse-project.js');
    const dir = writeProject({
      'project.yml': 'name: proj\nvars:\n  region: EU\n',
      'models/a.sql': 'select 1 as id',
      'models/docs.md': '{% docs ids %}The id{% enddocs %}',
      'models/props.yml': "version: 2\nmodels:\n  - name: a\n    description: \"Orders in {{ var('region') }} ({{ target.name }})\"\n    columns:\n      - name: id\n        description: \"{{ doc('ids') }}, {{ env_var('WHO', 'nobody') }}\"\n",
    });
    const result = parseProject(dir, { env: { WHO: 'qa' }, cache: false });
    expect(result.errors).toEqual([]);
    const a = result.manifest!.nodes['model.proj.a']!;
    expect(a.description).toBe('Orders in EU (default)');
    expect((a as { columns: Record<string, { description: string }> }).columns['id']!.description).toBe('The id, qa');
    writeProject({ 'models/props.yml': "version: 2\nmodels:\n  - name: a\n    description: \"{{ var('nope') }}\"\n" }, dir);
    const bad = parseProject(dir, { env: {}, cache: false });
    expect(bad.errors.map((e) => [e.location?.file, e.location?.line, e.message])).toEqual([['models/props.yml', 4, expect.stringContaining('description: ')]]);
  });
});
