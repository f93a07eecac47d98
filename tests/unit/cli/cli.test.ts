import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupProjects, cli, writeProject } from '../../helpers/temp-project.js';

cleanupProjects();

const project = () =>
  writeProject({
    'project.yml': 'name: proj\nmodels:\n  proj:\n    marts:\n      +materialized: table\n      +tags: [mart]\n',
    'models/staging/stg_a.sql': 'select 1 as id',
    'models/staging/stg_b.sql': "select * from {{ ref('stg_a') }}",
    'models/marts/report.sql': "select * from {{ ref('stg_b') }} where id > {{ var('min_id', 0) }}",
    'models/marts/props.yml': 'version: 2\nmodels:\n  - name: report\n    columns:\n      - name: id\n        tests: [not_null]\n',
    'seeds/codes.csv': 'code\n1\n',
  });

describe('warnings of an unchanged project', () => {
  it('are printed again by a compile that finds nothing changed', async () => {
    const dir = writeProject({ 'project.yml': 'name: proj\nmodels:\n  proj:\n    +materialised: table\n', 'models/a.sql': 'select 1 as id' });
    const first = await cli(['--project-dir', dir, 'compile']);
    expect(first.stderr).toContain('materialised');
    const again = await cli(['--project-dir', dir, 'compile']);
    expect(again.stdout).toMatch(/^Up to date/);
    expect(again.stderr).toContain('materialised');
  });
});

describe('a selection criterion that matches nothing', () => {
  it('is a warning naming it (with the closest name), for ls, compile and run alike, as dbt warns', async () => {
    const dir = project();
    const ls = await cli(['--project-dir', dir, 'ls', '-s', 'reprot+', 'stg_a', '--exclude', 'tag:nope']);
    expect(ls.code).toBe(0);
    expect(ls.stdout.split('\n')).toEqual(['proj.staging.stg_a']);
    expect(ls.stderr).toContain("the selection criterion 'reprot+' does not match any enabled node");
    expect(ls.stderr).toContain('did you mean report?');
    expect(ls.stderr).toContain("the selection criterion 'tag:nope' does not match any enabled node");
    expect(ls.stderr).not.toContain("'stg_a'");
    const compile = await cli(['--project-dir', dir, 'compile', '-s', 'path:models/mrts']);
    expect(compile.stderr).toContain("the selection criterion 'path:models/mrts' does not match any enabled node");
    // A whole-project compile afterwards does not repeat a warning of an earlier selection.
    expect((await cli(['--project-dir', dir, 'compile'])).stderr).not.toContain('selection criterion');
  });
});

describe('strata compile', () => {
  it('writes the manifest and compiled SQL and exits 0', async () => {
    const dir = project();
    const run = await cli(['--project-dir', dir, 'compile', '--vars', '{min_id: 5}']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Compiled 3 models, 1 data tests, 1 seeds, 0 sources, 0 unit tests in \d+ ms \(5 selected; 3 compiled files written/);
    expect(readFileSync(join(dir, 'target/compiled/models/marts/report.sql'), 'utf8')).toBe('select * from "public"."stg_b" where id > 5\n');
    const manifest = JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8'));
    expect(manifest.parentMap['model.proj.report']).toEqual(['model.proj.stg_b']);
  });

  it('compiles only the selection into target/compiled', async () => {
    const dir = project();
    const run = await cli(['--project-dir', dir, 'compile', '-s', '+stg_b']);
    expect(run.code).toBe(0);
    expect(existsSync(join(dir, 'target/compiled/models/staging/stg_b.sql'))).toBe(true);
    expect(existsSync(join(dir, 'target/compiled/models/marts/report.sql'))).toBe(false);
  });

  it('exits 2 on a project error, printing file:line:col, a code frame and no stack trace', async () => {
    const dir = writeProject({ 'project.yml': 'name: proj\n', 'models/a.sql': 'select\n  {{ ref("missing") }}' });
    const run = await cli(['--project-dir', dir, 'compile']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('models/a.sql:2:6: REF_NOT_FOUND a refers to \'missing\'');
    expect(run.stderr).toContain('> 2 |   {{ ref("missing") }}');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('--debug adds the stack trace', async () => {
    const dir = writeProject({ 'project.yml': 'name: proj\n', 'models/a.sql': "{{ var('x') }}" });
    const run = await cli(['--project-dir', dir, '--debug', 'compile']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/\n\s+at /);
  });

  it('bad --vars is a usage error with an example', async () => {
    const run = await cli(['--project-dir', project(), 'compile', '--vars', '[1, 2]']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--vars must be a mapping');
  });

  it('--threads and --lock-timeout that are not numbers are usage errors, before any connection (load took them as no thread and loaded nothing)', async () => {
    for (const args of [['load', '--threads', 'abc'], ['run', '--threads', '0'], ['build', '--lock-timeout', 'soon']]) {
      const run = await cli(['--project-dir', project(), ...args]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(args[1] === '--threads' ? `--threads must be a positive whole number (got '${args[2]}')` : "--lock-timeout must be a number of seconds, 0 or more (got 'soon')");
    }
  });

  it('--log-format json prints one JSON object per event', async () => {
    const dir = writeProject({ 'project.yml': 'name: proj\n', 'models/a.sql': "{{ ref('nope') }}" });
    const run = await cli(['--project-dir', dir, '--log-format', 'json', 'compile']);
    expect(run.code).toBe(2);
    const events = run.stdout.split('\n').map((l) => JSON.parse(l));
    expect(events).toEqual([expect.objectContaining({ event: 'error', code: 'REF_NOT_FOUND', location: { file: 'models/a.sql', line: 1, column: 4 } })]);
  });

  it('an unknown command or flag is a usage error', async () => {
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect((await cli(['compile', '--nope'])).code).toBe(2);
  });

  it('--help lists the commands', async () => {
    const run = await cli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/compile[\s\S]*parse[\s\S]*ls/);
  });
});

describe('strata ls', () => {
  it('prints selectors, names, paths or JSON for the selection', async () => {
    const dir = project();
    expect((await cli(['--project-dir', dir, 'ls', '-s', 'report+', '--output', 'name'])).stdout.split('\n')).toEqual(['report', 'not_null_report_id']);
    expect((await cli(['--project-dir', dir, 'ls', '-s', 'tag:mart'])).stdout.split('\n')).toEqual(['proj.marts.report', 'proj.marts.not_null_report_id']);
    expect((await cli(['--project-dir', dir, 'ls', '--resource-type', 'model', '--output', 'path'])).stdout.split('\n')).toEqual([
      'models/marts/report.sql',
      'models/staging/stg_a.sql',
      'models/staging/stg_b.sql',
    ]);
    const json = (await cli(['--project-dir', dir, 'ls', '-s', 'stg_a', '--output', 'json'])).stdout;
    expect(JSON.parse(json)).toEqual({ unique_id: 'model.proj.stg_a', name: 'stg_a', resource_type: 'model', original_file_path: 'models/staging/stg_a.sql', tags: [], materialized: 'view' });
  });

  it('--exclude and graph operators follow dbt', async () => {
    const dir = project();
    const names = (await cli(['--project-dir', dir, 'ls', '-s', '+report', '--exclude', 'stg_a', '--resource-type', 'model', '-o', 'name'])).stdout.split('\n');
    expect(names).toEqual(['report', 'stg_b']);
  });

  it('a bad selector is a usage error', async () => {
    const run = await cli(['--project-dir', project(), 'ls', '-s', 'tagg:x']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('SELECTOR');
  });
});

describe('strata parse', () => {
  it('validates without compiling', async () => {
    const run = await cli(['--project-dir', project(), 'parse']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('Project proj is valid: 5 nodes, 0 sources, 0 macros');
  });
});

describe('strata run against a server that does not answer', () => {
  it('fails, having written target/manifest.json and target/compiled/ as a compile would', async () => {
    const dir = writeProject({
      'project.yml': "name: proj\ntargets:\n  dev: { type: postgres, url: 'postgres://nobody@127.0.0.1:1/none', schema: s }\n",
      'models/a.sql': 'select 1 as id',
    });
    const run = await cli(['--project-dir', dir, 'run']);
    expect(run.code).toBe(2);
    expect(Object.keys(JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8')).nodes)).toEqual(['model.proj.a']);
    expect(readFileSync(join(dir, 'target/compiled/models/a.sql'), 'utf8')).toBe('select 1 as id\n');
  });
});
