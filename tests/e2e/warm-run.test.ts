/**
 * A run of an unchanged project reads target/manifest.json back instead of parsing the project
 * (src/compile/warm-project.ts). What a user must never see: a run that uses SQL, vars or env
 * values older than the files and flags it was given. Each case changes one input between two
 * runs and checks the rows the second run produced.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useE2eDatabase } from '../helpers/e2e-database.js';
import { cli, writeProject } from '../helpers/temp-project.js';

const { testDb, rows } = useE2eDatabase();

const PROJECT = {
  'project.yml': [
    'name: warm',
    'targets:',
    '  test:',
    '    type: postgres',
    "    url: \"{{ env_var('TEST_DATABASE_URL') }}\"",
    '    schema: warm',
    '    threads: 2',
    '',
  ].join('\n'),
  'models/base.sql': "select 1 as id, 'first' as label",
  'models/region.sql': "select '{{ env_var('REGION', 'eu') }}' as region, {{ var('factor', 1) }} as factor from {{ ref('base') }}",
  'models/with_hook.sql': "{{ config(materialized='table', post_hook=\"insert into {{ this }} select {{ bump(100) }}\") }}\nselect id from {{ ref('base') }}",
  'macros/bump.sql': '{% macro bump(n) %}{{ n }} + 1{% endmacro %}',
  'models/schema.yml': 'version: 2\nmodels:\n  - name: ghost\n    description: described, but there is no file\n',
  'tests/region_allowed.sql': "select * from {{ ref('region') }} where region not in ('eu', '{{ env_var('ALLOWED', 'us') }}')",
};

function strata(dir: string, args: string[], env: Record<string, string> = {}) {
  return cli(['--project-dir', dir, '--target', 'test', ...args], { env: { TEST_DATABASE_URL: testDb.url, ...env } });
}

const manifestStamp = (dir: string): string => {
  const st = statSync(join(dir, 'target/manifest.json'));
  return `${st.ino}:${st.size}:${st.mtimeMs}`;
};

describe('a run of an unchanged project', () => {
  it('reads its manifest back (not rewritten), with the same rows, warnings and hooks as a parsing run', async () => {
    const dir = writeProject(PROJECT);
    const first = await strata(dir, ['run']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stderr).toMatch(/describes model 'ghost'/);
    expect(existsSync(join(dir, 'target/.cache/compile-fingerprint.json'))).toBe(true);
    const stamp = manifestStamp(dir);

    const second = await strata(dir, ['run', '--rebuild']);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toMatch(/PASS=3 WARN=0 ERROR=0 SKIP=0 TOTAL=3/);
    // The parse's warning is kept with the fingerprint: a warm run reports it as the first did.
    expect(second.stderr).toMatch(/describes model 'ghost'/);
    expect(manifestStamp(dir)).toBe(stamp);
    expect(await rows('select region, factor from warm.region')).toEqual([{ region: 'eu', factor: 1 }]);
    // The post-hook renders at run time, with the project's macros.
    expect(await rows('select id from warm.with_hook order by id')).toEqual([{ id: 1 }, { id: 101 }]);
    // state:modified compares with the last successful run's manifest: nothing changed.
    expect((await strata(dir, ['ls', '-s', 'state:modified'])).stdout).toBe('');
  });

  it('parses again after a file edit, and the run uses the new SQL', async () => {
    const dir = writeProject(PROJECT);
    expect((await strata(dir, ['run'])).code).toBe(0);
    writeFileSync(join(dir, 'models/base.sql'), "select 2 as id, 'second' as label");
    const run = await strata(dir, ['run']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await rows('select id, label from warm.base')).toEqual([{ id: 2, label: 'second' }]);
    // And the run after that is warm again, with what that run parsed.
    const stamp = manifestStamp(dir);
    expect((await strata(dir, ['run', '--rebuild'])).code).toBe(0);
    expect(manifestStamp(dir)).toBe(stamp);
    expect(await rows('select id, label from warm.base')).toEqual([{ id: 2, label: 'second' }]);
  });

  it('parses again when an env var a model read changes, or --vars change, and back', async () => {
    const dir = writeProject(PROJECT);
    expect((await strata(dir, ['run'])).code).toBe(0);
    expect((await strata(dir, ['run', '-s', 'region'], { REGION: 'us' })).code).toBe(0);
    expect(await rows('select region, factor from warm.region')).toEqual([{ region: 'us', factor: 1 }]);
    expect((await strata(dir, ['--vars', '{factor: 3}', 'run', '-s', 'region'], { REGION: 'us' })).code).toBe(0);
    expect(await rows('select region, factor from warm.region')).toEqual([{ region: 'us', factor: 3 }]);
    expect((await strata(dir, ['run', '-s', 'region'])).code).toBe(0);
    expect(await rows('select region, factor from warm.region')).toEqual([{ region: 'eu', factor: 1 }]);
  });

  it("parses again when an env var a singular test read changes", async () => {
    const dir = writeProject(PROJECT);
    expect((await strata(dir, ['run'], { REGION: 'us' })).code).toBe(0);
    expect((await strata(dir, ['test'])).code).toBe(0);
    const failing = await strata(dir, ['test'], { ALLOWED: 'ca' });
    expect(failing.code, failing.stdout).toBe(1);
    expect(failing.stdout).toMatch(/region_allowed/);
    expect((await strata(dir, ['test'])).code).toBe(0);
  });

  it('parses again after `strata parse` rewrote manifest.json without compiled SQL', async () => {
    const dir = writeProject(PROJECT);
    expect((await strata(dir, ['run'])).code).toBe(0);
    expect((await strata(dir, ['parse'])).code).toBe(0);
    const parsed = JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8'));
    expect(parsed.nodes['model.warm.base'].compiledCode).toBeUndefined();
    const run = await strata(dir, ['run', '--rebuild']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const after = JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8'));
    expect(after.nodes['model.warm.base'].compiledCode).toBe("select 1 as id, 'first' as label");
    // `strata compile` after a run: compiled/ holds only what the run wrote, so it compiles.
    const compiled = await strata(dir, ['compile']);
    expect(compiled.stdout).not.toMatch(/Up to date/);
    expect(existsSync(join(dir, 'target/compiled/tests/region_allowed.sql'))).toBe(true);
  });

  it('keeps the last successful manifest when a later compile replaces manifest.json', async () => {
    const dir = writeProject(PROJECT);
    expect((await strata(dir, ['run'])).code).toBe(0);
    writeFileSync(join(dir, 'models/base.sql'), "select 3 as id, 'third' as label");
    expect((await strata(dir, ['compile'])).code).toBe(0);
    const modified = await strata(dir, ['ls', '-s', 'state:modified', '--output', 'name']);
    expect(modified.stdout.split('\n')).toEqual(['base']);
  });

  it('parses again when an env var read only in an is_incremental() branch changes', async () => {
    const dir = writeProject({
      ...PROJECT,
      'models/since.sql': "{{ config(materialized='incremental') }}\nselect id from {{ ref('base') }}\n{% if is_incremental() %}where id > {{ env_var('SINCE', '0') }}{% endif %}",
    });
    expect((await strata(dir, ['run'])).code).toBe(0);
    expect((await strata(dir, ['run', '-s', 'since'], { SINCE: '7' })).code).toBe(0);
    expect(readFileSync(join(dir, 'target/run/models/since.sql'), 'utf8')).toContain('where id > 7');
    expect((await strata(dir, ['run', '-s', 'since'], { SINCE: '8' })).code).toBe(0);
    expect(readFileSync(join(dir, 'target/run/models/since.sql'), 'utf8')).toContain('where id > 8');
  });

  it('parses again when an env var enables a disabled model', async () => {
    const dir = writeProject({ ...PROJECT, 'models/optional.sql': "{{ config(enabled=env_var('WITH_OPTIONAL', 'no') == 'yes') }}\nselect 1 as x" });
    expect((await strata(dir, ['run'])).code).toBe(0);
    expect(await rows("select count(*)::int as n from pg_class where relname = 'optional'")).toEqual([{ n: 0 }]);
    const run = await strata(dir, ['run'], { WITH_OPTIONAL: 'yes' });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await rows('select x from warm.optional')).toEqual([{ x: 1 }]);
  });

  it('reads back only the manifest of the target path it was written to (a target-path from an env var)', async () => {
    const dir = writeProject({ ...PROJECT, 'project.yml': PROJECT['project.yml'] + "target-path: \"{{ env_var('TP', 'target') }}\"\n" });
    expect((await strata(dir, ['run'])).code).toBe(0);
    expect((await strata(dir, ['run'], { TP: 'out' })).code).toBe(0);
    expect((await strata(dir, ['parse'], { TP: 'out' })).code).toBe(0);
    const run = await strata(dir, ['run', '--rebuild'], { TP: 'out' });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await rows('select id, label from warm.base')).toEqual([{ id: 1, label: 'first' }]);
    expect(JSON.parse(readFileSync(join(dir, 'out/manifest.json'), 'utf8')).nodes['model.warm.base'].compiledCode).toBe("select 1 as id, 'first' as label");
  });

  it('parses for a command that runs unit tests, and gives a model reading the invocation its run\'s values', async () => {
    const dir = writeProject({
      ...PROJECT,
      'models/stamped.sql': "select '{{ invocation_id }}' as invocation",
      'models/unit.yml': 'version: 2\nunit_tests:\n  - name: labels\n    model: base\n    given: []\n    expect:\n      rows:\n        - {id: 1, label: first}\n',
    });
    expect((await strata(dir, ['run'])).code).toBe(0);
    const first = await rows('select invocation from warm.stamped');
    const stamp = manifestStamp(dir);
    expect((await strata(dir, ['run', '--rebuild'])).code).toBe(0);
    expect(manifestStamp(dir)).toBe(stamp);
    // Read back, yet rendered with this run's invocation id.
    expect(await rows('select invocation from warm.stamped')).not.toEqual(first);
    const build = await strata(dir, ['build']);
    expect(build.code, build.stdout + build.stderr).toBe(0);
    expect(build.stdout).toMatch(/unit test base::labels/);
    expect(manifestStamp(dir)).not.toBe(stamp);
  });
});
