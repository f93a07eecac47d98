/**
 * Fused vs unfused data tests on a generated table (a measurement, not a test):
 *
 *   npx tsx tests/integration/data-tests/bench-fused.ts [--rows 5000000] [--runs 3] [--shuffled] [--uniques 0|1|2]
 *
 * Uses STRATA_BENCH_DATABASE_URL (default postgres://root@127.0.0.1:5432/test), creates a scratch
 * schema, compiles a project with 10 column tests on one model, runs its test group with
 * `fuse: true` and `fuse: false` alternately (after a warm-up), with JIT on and off, prints the
 * medians and drops the schema.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createPool, type SessionClient } from '../../../src/adapters/postgres/index.js';
import { compileProject } from '../../../src/api/compile.js';
import { planTestGroups } from '../../../src/data-tests/groups.js';
import { runTestGroup } from '../../../src/data-tests/fused-query.js';
import { writeProject } from '../../helpers/temp-project.js';

const { values: args } = parseArgs({
  options: { rows: { type: 'string', default: '5000000' }, runs: { type: 'string', default: '3' }, shuffled: { type: 'boolean', default: false }, uniques: { type: 'string', default: '2' } },
});
const url = process.env['STRATA_BENCH_DATABASE_URL'] ?? 'postgres://root@127.0.0.1:5432/test';
const schema = `strata_dt_bench_${randomBytes(3).toString('hex')}`;
const rows = Number(args.rows);

// 10 tests: `--uniques` of them are unique tests (on id, email), the rest row-level.
const uniques = Number(args.uniques);
const idTests = uniques >= 1 ? '[unique, not_null]' : "[not_null, {accepted_range: {min_value: 1}}]";
const emailTest = uniques >= 2 ? '          - unique' : '          - not_null';
const SCHEMA_YML = `version: 2
models:
  - name: orders
    columns:
      - name: id
        tests: ${idTests}
      - name: customer_id
        tests: [not_null]
      - name: status
        tests:
          - accepted_values: {values: [placed, shipped, completed, returned]}
          - not_null
      - name: amount
        tests:
          - accepted_range: {min_value: 0, max_value: 100}
          - not_null_proportion: {at_least: 0.95}
      - name: quantity
        tests:
          - expression_is_true: {expression: ">= 0"}
      - name: created_at
        tests: [not_null]
      - name: email
        tests:
${emailTest}
`;

const TABLE_SQL = `
create table ${schema}.orders as
select g as id, (g % 200000) + 1 as customer_id,
       (array['placed','shipped','completed','returned'])[1 + g % 4] as status,
       case when g % 1000 = 0 then null else (g % 997)::numeric / 10 end as amount,
       'user' || g || '@example.com' as email,
       timestamp '2020-01-01' + g * interval '1 second' as created_at,
       case when g % 50 = 0 then null else g % 7 end as quantity
from generate_series(1, ${rows}) g ${args.shuffled ? 'order by random()' : ''}`;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const db = createPool({ name: 'bench', type: 'postgres', url, schema, threads: 1 });
  const dir = writeProject(
    {
      'project.yml': `name: bench\ntargets:\n  dev: {type: postgres, url: "${url}", schema: ${schema}, threads: 1}\ntarget: dev\n`,
      'models/orders.sql': "{{ config(materialized='table') }}\nselect 1 as id",
      'models/schema.yml': SCHEMA_YML,
    },
    mkdtempSync(join(tmpdir(), 'strata-dt-bench-')),
  );
  try {
    await db.query(`create schema ${schema}`);
    let t = performance.now();
    await db.query(TABLE_SQL);
    console.log(`table: ${rows} rows${args.shuffled ? ' (shuffled)' : ''} in ${((performance.now() - t) / 1000).toFixed(1)}s`);
    const project = compileProject({ projectDir: dir });
    const [group] = planTestGroups(project.manifest, Object.keys(project.manifest.nodes));
    const run = (client: SessionClient, fuse: boolean) => runTestGroup(client, project.manifest, group!, { fuse, projectDir: dir, targetDir: project.targetDir });
    const time = async (client: SessionClient, fuse: boolean) => {
      const started = performance.now();
      const outcomes = await run(client, fuse);
      const bad = outcomes.filter((o) => o.status !== 'pass');
      if (bad.length) throw new Error(`unexpected: ${bad.map((o) => `${o.name} ${o.message}`).join('; ')}`);
      return (performance.now() - started) / 1000;
    };
    await db.withClient(async (client) => {
      // Before analyze: what a run right after building a big table sees (JIT with inlining/optimisation).
      t = performance.now();
      await time(client, true);
      console.log(`fused, before analyze, jit on: ${((performance.now() - t) / 1000).toFixed(2)}s`);
      await client.query(`analyze ${schema}.orders`);
      for (const jit of ['on', 'off']) {
        await client.query(`set jit = ${jit}`);
        await time(client, true); // warm-up: the table is in the OS cache for both modes
        const fused: number[] = [];
        const unfused: number[] = [];
        for (let i = 0; i < Number(args.runs); i++) {
          fused.push(await time(client, true));
          unfused.push(await time(client, false));
        }
        const f = median(fused);
        const u = median(unfused);
        console.log(`jit ${jit}: fused ${f.toFixed(2)}s [${fused.map((x) => x.toFixed(2)).join(', ')}], unfused ${u.toFixed(2)}s [${unfused.map((x) => x.toFixed(2)).join(', ')}], ratio ${(f / u).toFixed(2)}`);
      }
    });
  } finally {
    await db.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
