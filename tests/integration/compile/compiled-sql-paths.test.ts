/**
 * The paths strata prints for compiled SQL exist when printed: a full `strata compile` leaves
 * generic tests' files out (their SQL is in manifest.json), and the path a failing test prints,
 * after that, is the file of what it ran; `strata run` writes the files of the models it runs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupProjects, cli, writeProject } from '../../helpers/temp-project.js';
import { useTestDatabase } from '../../setup/test-database.js';

cleanupProjects();
const testDb = useTestDatabase();

const project = (schema: string) => writeProject({
  'project.yml': `name: p\ntargets:\n  t:\n    url: "{{ env_var('U') }}"\n    schema: ${schema}\n`,
  'models/orders.sql': "{{ config(materialized='table') }}\nselect * from (values (1), (1), (2)) t(id)",
  'models/schema.yml': 'version: 2\nmodels:\n  - name: orders\n    columns:\n      - name: id\n        tests: [unique, not_null]\n',
});

describe('compiled SQL paths', () => {
  it("a failing test's printed SQL path exists after a full compile left generic tests' files out", async () => {
    const dir = project('paths_test');
    const env = { U: testDb.url };
    expect((await cli(['--project-dir', dir, 'compile'], { env })).code).toBe(0);
    expect(existsSync(join(dir, 'target/compiled/models/orders.sql'))).toBe(true);
    expect(existsSync(join(dir, 'target/compiled/models/schema.yml/unique_orders_id.sql'))).toBe(false);

    const run = await cli(['--project-dir', dir, 'build'], { env });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const printed = /unique_orders_id.*\(compiled SQL: ([^)]+)\)/.exec(run.stdout)?.[1];
    expect(printed, run.stdout).toBeDefined();
    expect(readFileSync(join(dir, printed!), 'utf8')).toContain('"paths_test"."orders"');
  });

  it('strata run writes the compiled SQL of the models it runs, not of the tests it does not run', async () => {
    const dir = project('paths_run');
    const run = await cli(['--project-dir', dir, 'run'], { env: { U: testDb.url } });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(existsSync(join(dir, 'target/compiled/models/orders.sql'))).toBe(true);
    expect(existsSync(join(dir, 'target/compiled/models/schema.yml/unique_orders_id.sql'))).toBe(false);
  });
});
