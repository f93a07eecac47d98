/**
 * The runner end to end, as a user drives it: a project on disk, the CLI in-process, a real
 * PostgreSQL database (embedded, or STRATA_TEST_DATABASE_URL), and the rows it must produce.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Database } from '../../src/adapters/postgres/index.js';
import { cleanupProjects, cli, writeProject } from '../helpers/temp-project.js';
import { useTestDatabase } from '../setup/test-database.js';

cleanupProjects();
const testDb = useTestDatabase();
let db: Database;
beforeAll(() => {
  db = createPool(testDb.target());
});
afterAll(async () => {
  await db?.close();
});

const PROJECT = {
  'project.yml': [
    'name: shop',
    'models:',
    '  shop:',
    '    +materialized: view',
    '    marts:',
    '      +materialized: table',
    '      +schema: marts',
    'seeds:',
    '  shop:',
    '    +schema: raw',
    'targets:',
    '  test:',
    '    type: postgres',
    "    url: \"{{ env_var('TEST_DATABASE_URL') }}\"",
    '    schema: analytics',
    '    threads: 4',
    '',
  ].join('\n'),
  'seeds/customers.csv': 'id,name\n1,Ada\n2,Alan\n',
  'seeds/orders.csv': 'id,customer_id,amount,updated\n1,1,10,1\n2,1,20,1\n3,2,30,1\n',
  'seeds/regions.csv': 'code,label\neu,Europe\nus,Americas\n',
  'models/stg_orders.sql': "{{ config(materialized='ephemeral') }}\nselect id as order_id, customer_id, amount, updated from {{ ref('orders') }}",
  'models/customer_names.sql': "select id as customer_id, upper(name) as name from {{ ref('customers') }}",
  'models/region_labels.sql': "select code, label from {{ ref('regions') }}",
  'models/marts/customer_totals.sql': [
    'select c.customer_id, c.name, sum(o.amount) as total',
    "from {{ ref('customer_names') }} c",
    "join {{ ref('stg_orders') }} o on o.customer_id = c.customer_id",
    'group by 1, 2',
  ].join('\n'),
  'models/marts/orders_appended.sql': [
    "{{ config(materialized='incremental', incremental_strategy='append') }}",
    "select order_id, amount, now() as loaded_at from {{ ref('stg_orders') }}",
    '{% if is_incremental() %}where order_id > (select max(order_id) from {{ this }}){% endif %}',
  ].join('\n'),
  'models/marts/orders_latest.sql': [
    "{{ config(materialized='incremental', unique_key='order_id', incremental_strategy='delete+insert') }}",
    "select order_id, amount, updated, clock_timestamp() as built_at from {{ ref('stg_orders') }}",
    '{% if is_incremental() %}where updated > (select max(updated) from {{ this }}){% endif %}',
  ].join('\n'),
  'models/marts/orders_merged.sql': [
    "{{ config(materialized='incremental', unique_key=['order_id'], incremental_strategy='merge') }}",
    "select order_id, amount, updated from {{ ref('stg_orders') }}",
    '{% if is_incremental() %}where updated > (select max(updated) from {{ this }}){% endif %}',
  ].join('\n'),
};

async function rows(sql: string): Promise<unknown[]> {
  return (await db.query(sql)).rows;
}

function strata(dir: string, ...args: string[]) {
  return cli(['--project-dir', dir, '--target', 'test', ...args], { env: { TEST_DATABASE_URL: testDb.url } });
}

function statuses(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of stdout.matchAll(/\d+ of \d+ (OK|ERROR|SKIP \(up to date\)|SKIP) \S+(?: model)? "?([\w.]+)"?/g)) out[m[2]!.split('.').pop()!] = m[1]!;
  return out;
}

describe('strata build on a fresh database', () => {
  // The tests of this block build on each other's state, so they share one project folder.
  let dir: string;
  beforeAll(() => {
    dir = writeProject(PROJECT, mkdtempSync(join(tmpdir(), 'strata-e2e-')));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads seeds and builds views, tables, ephemeral and incremental models with the expected rows', async () => {
    const run = await strata(dir, 'build');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Done in [\d.]+s\. PASS=9 WARN=0 ERROR=0 SKIP=0 TOTAL=9/);
    expect(await rows('select * from raw.customers order by id')).toEqual([{ id: 1, name: 'Ada' }, { id: 2, name: 'Alan' }]);
    expect(await rows('select * from marts.customer_totals order by customer_id')).toEqual([
      { customer_id: 1, name: 'ADA', total: 30 },
      { customer_id: 2, name: 'ALAN', total: 30 },
    ]);
    expect(await rows("select table_type from information_schema.tables where table_schema = 'analytics' and table_name = 'customer_names'")).toEqual([{ table_type: 'VIEW' }]);
    expect(await rows("select count(*)::int as n from information_schema.tables where table_name = 'stg_orders'")).toEqual([{ n: 0 }]);
    expect(await rows('select order_id, amount from marts.orders_merged order by 1')).toEqual([
      { order_id: 1, amount: 10 }, { order_id: 2, amount: 20 }, { order_id: 3, amount: 30 },
    ]);
    const results = JSON.parse(readFileSync(join(dir, 'target/run_results.json'), 'utf8'));
    expect(results.results).toHaveLength(9);
    // Every node that ran says when, and which interval inside that was its own statements (the
    // pipeline benchmark's overhead figure is the rest).
    for (const r of results.results as Array<{ name: string; resourceType: string; startedAt: string; completedAt: string; timing: Array<{ name: string; startedAt: string; completedAt: string }> }>) {
      const [start, end] = [Date.parse(r.startedAt), Date.parse(r.completedAt)];
      expect(end, r.name).toBeGreaterThanOrEqual(start);
      if (r.resourceType === 'model' && r.name === 'stg_orders') continue; // ephemeral: inlined, never executed
      expect(r.timing.length, r.name).toBeGreaterThan(0);
      for (const t of r.timing) {
        expect(t.name).toBe('execute');
        expect(Date.parse(t.startedAt)).toBeGreaterThanOrEqual(start);
        expect(Date.parse(t.completedAt)).toBeLessThanOrEqual(end);
        expect(Date.parse(t.completedAt)).toBeGreaterThanOrEqual(Date.parse(t.startedAt));
      }
    }
  });

  it('a second build with nothing changed builds nothing', async () => {
    const run = await strata(dir, 'build');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/PASS=0 WARN=0 ERROR=0 SKIP=9 TOTAL=9 \(9 up to date\)/);
  });

  it('a changed seed row rebuilds exactly that seed and its descendants; incremental models take only new rows', async () => {
    const before = await rows('select order_id, loaded_at from marts.orders_appended order by 1');
    const latestBefore = await rows('select order_id, built_at from marts.orders_latest order by 1');
    writeFileSync(join(dir, 'seeds/orders.csv'), 'id,customer_id,amount,updated\n1,1,10,1\n2,1,25,2\n3,2,30,1\n4,2,5,2\n');
    const run = await strata(dir, 'build');
    expect(run.code).toBe(0);
    expect(statuses(run.stdout)).toEqual({
      customers: 'SKIP (up to date)', regions: 'SKIP (up to date)', orders: 'OK',
      customer_names: 'SKIP (up to date)', region_labels: 'SKIP (up to date)',
      customer_totals: 'OK', orders_appended: 'OK', orders_latest: 'OK', orders_merged: 'OK',
    });
    // append: only order 4 is new; the old rows keep their load timestamps
    const after = await rows('select order_id, loaded_at from marts.orders_appended order by 1');
    expect(after.slice(0, 3)).toEqual(before);
    expect(after).toHaveLength(4);
    // delete+insert: order 2 (updated) and 4 (new) were rewritten, 1 and 3 untouched
    const latest = (await rows('select order_id, amount, built_at from marts.orders_latest order by 1')) as Array<{ order_id: number; amount: number; built_at: unknown }>;
    expect(latest.map((r) => [r.order_id, r.amount])).toEqual([[1, 10], [2, 25], [3, 30], [4, 5]]);
    expect([latest[0]!.built_at, latest[2]!.built_at]).toEqual([(latestBefore[0] as { built_at: unknown }).built_at, (latestBefore[2] as { built_at: unknown }).built_at]);
    expect(await rows('select order_id, amount from marts.orders_merged order by 1')).toEqual([
      { order_id: 1, amount: 10 }, { order_id: 2, amount: 25 }, { order_id: 3, amount: 30 }, { order_id: 4, amount: 5 },
    ]);
    expect(await rows('select * from marts.customer_totals order by 1')).toEqual([
      { customer_id: 1, name: 'ADA', total: 35 }, { customer_id: 2, name: 'ALAN', total: 35 },
    ]);
  });

  it('--full-refresh rebuilds incremental models from scratch', async () => {
    const before = await rows('select loaded_at from marts.orders_appended where order_id = 1');
    const run = await strata(dir, 'run', '-s', 'orders_appended', '--full-refresh');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/OK incremental model marts\.orders_appended \.+ \[(swap|full-refresh), 4 rows/);
    expect(await rows('select loaded_at from marts.orders_appended where order_id = 1')).not.toEqual(before);
  });
});

describe('a failing model', () => {
  it('fails alone: descendants skipped, others built, the old table kept; the error names the model, file and line; retry fixes it', async () => {
    const dir = writeProject(PROJECT);
    expect((await strata(dir, 'build')).code).toBe(0);
    writeFileSync(join(dir, 'models/customer_names.sql'), "select id as customer_id,\n  upper(name) as name,\n  1 / nope as broken\nfrom {{ ref('customers') }}");
    writeFileSync(join(dir, 'models/marts/customer_totals.sql'), PROJECT['models/marts/customer_totals.sql'] + '\n-- changed');
    writeFileSync(join(dir, 'models/region_labels.sql'), "select code, label, 1 as v from {{ ref('regions') }}");
    const run = await strata(dir, 'run');
    expect(run.code).toBe(1);
    expect(statuses(run.stdout)).toMatchObject({ customer_names: 'ERROR', customer_totals: 'SKIP', region_labels: 'OK' });
    expect(run.stdout).toContain('Failure in model customer_names (executed SQL: target/run/models/customer_names.sql)');
    expect(run.stdout).toMatch(/target\/run\/models\/customer_names\.sql:4:\d+: DB column "nope" does not exist/);
    // The file holds what was sent (it is written while the server runs it): line 4 is the failing one.
    expect(readFileSync(join(dir, 'target/run/models/customer_names.sql'), 'utf8').split('\n')[3]).toContain('1 / nope as broken');
    expect(run.stdout).toMatch(/PASS=1 WARN=0 ERROR=1 SKIP=\d+ TOTAL=\d+/);
    // the previous relations are still there and queryable
    expect(await rows('select count(*)::int as n from analytics.customer_names')).toEqual([{ n: 2 }]);
    expect(await rows('select count(*)::int as n from marts.customer_totals')).toEqual([{ n: 2 }]);
    writeFileSync(join(dir, 'models/customer_names.sql'), "select id as customer_id, lower(name) as name from {{ ref('customers') }}");
    const again = await strata(dir, 'retry');
    expect(again.code).toBe(0);
    expect(statuses(again.stdout)).toEqual({ customer_names: 'OK', customer_totals: 'OK' });
    expect(await rows('select name from marts.customer_totals order by 1')).toEqual([{ name: 'ada' }, { name: 'alan' }]);
  });
});

describe('one run at a time', () => {
  it('a second run waits for the first, or fails clearly after --lock-timeout', async () => {
    const dir = writeProject({
      ...PROJECT,
      'models/slow.sql': "{{ config(materialized='table') }}\nselect pg_sleep(1.5)::text as slept",
    });
    expect((await strata(dir, 'seed')).code).toBe(0);
    const first = strata(dir, 'run', '-s', 'slow', '--rebuild');
    await new Promise((r) => setTimeout(r, 400));
    const timedOut = await strata(dir, 'run', '-s', 'slow', '--rebuild', '--lock-timeout', '0.2');
    expect(timedOut.code).toBe(2);
    expect(timedOut.stderr).toMatch(/LOCK cannot start run: project "shop", target "test" is locked by run \S+ \(strata run\), started .+, pid \d+ on \S+/);
    expect(timedOut.stderr).toContain('hint: wait for it to finish, or raise --lock-timeout');
    const waiting = strata(dir, 'run', '-s', 'slow', '--rebuild', '--lock-timeout', '30');
    const [a, b] = await Promise.all([first, waiting]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(b.stdout).toContain('Waiting for another run of this project to finish');
  });

  it('reports a project that does not compile at once, without waiting for the lock another run holds', async () => {
    // A run connects and waits for the lock while it compiles (src/api/run.ts): a compile error
    // must not wait for the lock first.
    const dir = writeProject({
      ...PROJECT,
      'models/slow.sql': "{{ config(materialized='table') }}\nselect pg_sleep(3)::text as slept",
    });
    expect((await strata(dir, 'seed')).code).toBe(0);
    const first = strata(dir, 'run', '-s', 'slow', '--rebuild');
    await new Promise((r) => setTimeout(r, 500));
    writeFileSync(join(dir, 'models/broken.sql'), "select * from {{ ref('no_such_model') }}");
    const broken = strata(dir, 'run', '-s', 'slow', '--rebuild', '--lock-timeout', '30');
    expect(await Promise.race([first.then(() => 'first'), broken.then(() => 'broken')])).toBe('broken');
    const b = await broken;
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('no_such_model');
    expect(b.stdout).not.toContain('Running on target');
    expect((await first).code).toBe(0);
  });
});
