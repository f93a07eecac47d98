import { describe, expect, it } from 'vitest';
import { isIncremental, materializeIncremental } from '../../../src/materializations/index.js';
import { rangedKeyColumns } from '../../../src/materializations/strategies.js';
import type { MaterializationPlan } from '../../../src/materializations/index.js';
import type { NodeConfig } from '../../../src/manifest/types.js';
import { StrataError } from '../../../src/errors/strata-error.js';
import { cols, existing, missing, model, options } from './helpers.js';

const sqls = (plan: MaterializationPlan): string[] => plan.statements.map((s) => s.sql);
const tableCols = cols('id integer', 'amount numeric(10,2)');
const inc = (config: Partial<NodeConfig> = {}) =>
  model({ sql: 'select * from raw.orders', incrementalSql: 'select * from raw.orders where id > 10', config: { materialized: 'incremental', ...config } });
const ROWS = '"strata_meta"."orders_f70c2646__strata_new"';
const DROP_ROWS = `drop table if exists ${ROWS}`;
const tempCreate = `create unlogged table ${ROWS} as (\nselect * from raw.orders where id > 10\n)`;
const ANALYZE = `analyze ${ROWS}`;
const NULL_KEY_DELETE = [
  `delete from "analytics"."orders" as t using ${ROWS} as s`,
  'where (t."id" is null) and t."id" is not distinct from s."id"',
  `  and exists (select 1 from ${ROWS} where "id" is null)`,
].join('\n');

describe('isIncremental and the full-build paths', () => {
  it('is incremental only for an existing table without a full refresh', () => {
    const node = inc();
    expect(isIncremental(node, existing('table', tableCols), options())).toBe(true);
    expect(isIncremental(node, missing, options())).toBe(false);
    expect(isIncremental(node, existing('view', tableCols), options())).toBe(false);
    expect(isIncremental(node, existing('table', tableCols), options({ fullRefresh: true }))).toBe(false);
    // full_refresh: false in config wins over --full-refresh, as in dbt
    expect(isIncremental(inc({ full_refresh: false }), existing('table', tableCols), options({ fullRefresh: true }))).toBe(true);
    expect(isIncremental(inc({ full_refresh: true }), existing('table', tableCols), options())).toBe(false);
  });

  it('creates the table from the full SQL on the first run', () => {
    const plan = materializeIncremental(inc(), inc().relation, missing, options());
    expect(plan.action).toBe('create');
    expect(sqls(plan)).toEqual(['create table "analytics"."orders" as (\nselect * from raw.orders\n)', DROP_ROWS]);
    expect(plan.increment).toBeUndefined();
  });

  it('swaps in a full rebuild on --full-refresh (and over a view)', () => {
    const plan = materializeIncremental(inc(), inc().relation, existing('table', tableCols), options({ fullRefresh: true }));
    expect(plan.action).toBe('full-refresh');
    expect(sqls(plan)[0]).toBe('create table "analytics"."orders__strata_tmp" as (\nselect * from raw.orders\n)');
    expect(materializeIncremental(inc(), inc().relation, existing('view'), options()).action).toBe('swap');
  });
});

describe('strategies', () => {
  const state = existing('table', tableCols);

  it('append (default without unique_key)', () => {
    const plan = materializeIncremental(inc(), inc().relation, state, options({ queryColumns: tableCols }));
    expect(plan.action).toBe('incremental:append');
    expect(plan.increment).toEqual({ rows: ROWS, strategy: 'append', uniqueKey: [], schemaChanged: false, hookEffect: 'none' });
    expect(plan.statements).toEqual([
      { sql: DROP_ROWS, label: 'drop the new rows kept by the previous build' },
      { sql: tempCreate, label: 'create table of new rows (kept for the data tests)', tally: 'kept' },
      { sql: `insert into "analytics"."orders" ("id", "amount")\nselect "id", "amount" from ${ROWS}`, label: 'insert new rows', countsRows: true },
    ]);
  });

  it('delete+insert (default with unique_key)', () => {
    const plan = materializeIncremental(inc({ unique_key: 'id' }), inc().relation, state, options({ queryColumns: tableCols }));
    expect(plan.action).toBe('incremental:delete+insert');
    expect(sqls(plan)).toEqual([
      DROP_ROWS,
      tempCreate,
      ANALYZE,
      [
        `with key_bounds as (select min("id") as lo0, max("id") as hi0 from ${ROWS})`,
        'delete from "analytics"."orders"',
        `where ("id") in (select "id" from ${ROWS})`,
        '  and "id" between (select lo0 from key_bounds) and (select hi0 from key_bounds)',
      ].join('\n'),
      NULL_KEY_DELETE,
      `insert into "analytics"."orders" ("id", "amount")\nselect "id", "amount" from ${ROWS}`,
    ]);
    expect(plan.statements.filter((s) => s.countsRows).map((s) => s.label)).toEqual(['insert new rows']);
    expect(plan.increment).toEqual({ rows: ROWS, strategy: 'delete+insert', uniqueKey: ['id'], schemaChanged: false, hookEffect: 'none' });
  });

  it('merge on PostgreSQL 15+', () => {
    const plan = materializeIncremental(inc({ unique_key: 'id', incremental_strategy: 'merge' }), inc().relation, state, options({ queryColumns: tableCols }));
    expect(plan.action).toBe('incremental:merge');
    expect(sqls(plan)).toEqual([
      DROP_ROWS,
      tempCreate,
      ANALYZE,
      NULL_KEY_DELETE,
      [
        'merge into "analytics"."orders" as t',
        `using ${ROWS} as s`,
        'on t."id" = s."id"',
        'when matched then update set "amount" = s."amount"',
        'when not matched then insert ("id", "amount") values (s."id", s."amount")',
      ].join('\n'),
    ]);
    expect(plan.statements.at(-1)?.countsRows).toBe(true);
  });

  it('merge falls back to delete+insert before PostgreSQL 15, and says so', () => {
    const plan = materializeIncremental(inc({ unique_key: 'id', incremental_strategy: 'merge' }), inc().relation, state, options({ supportsMerge: false }));
    expect(plan.action).toBe('incremental:delete+insert (merge needs PostgreSQL 15+)');
    expect(sqls(plan)[3]).toMatch(/\ndelete from "analytics"."orders"\nwhere/);
    expect(sqls(plan).join('\n')).not.toMatch(/merge into/);
  });

  it('composite unique keys (a list), matched case-insensitively like unquoted SQL names', () => {
    const three = cols('region text', 'id integer', 'amount numeric(10,2)');
    const node = inc({ unique_key: ['region', 'ID'] });
    const plan = materializeIncremental(node, node.relation, existing('table', three), options({ queryColumns: three }));
    // the text column is matched, not ranged (its bounds' collation might not be the column's)
    expect(sqls(plan)[3]).toBe([
      `with key_bounds as (select min("id") as lo0, max("id") as hi0 from ${ROWS})`,
      'delete from "analytics"."orders"',
      `where ("region", "id") in (select "region", "id" from ${ROWS})`,
      '  and "id" between (select lo0 from key_bounds) and (select hi0 from key_bounds)',
    ].join('\n'));
    expect(sqls(plan)[4]).toContain('where (t."region" is null or t."id" is null) and t."region" is not distinct from s."region" and t."id" is not distinct from s."id"');
    const merge = materializeIncremental(inc({ unique_key: ['region', 'id'], incremental_strategy: 'merge' }), node.relation, existing('table', three), options());
    expect(sqls(merge).at(-1)).toContain('on t."region" = s."region" and t."id" = s."id"\nwhen matched then update set "amount" = s."amount"');
  });

  it('merge with only key columns leaves matched rows alone', () => {
    const keysOnly = cols('id integer');
    const plan = materializeIncremental(inc({ unique_key: 'id', incremental_strategy: 'merge' }), inc().relation, existing('table', keysOnly), options());
    expect(sqls(plan).at(-1)).not.toContain('when matched');
  });

  it('a strategy needing a key degrades to append without unique_key', () => {
    const plan = materializeIncremental(inc({ incremental_strategy: 'merge' }), inc().relation, state, options());
    expect(plan.action).toBe('incremental:append (merge without unique_key)');
  });

  it('rejects unknown strategies and keys that are not columns', () => {
    const bad = inc({ incremental_strategy: 'insert_overwrite' as NodeConfig['incremental_strategy'] });
    expect(() => materializeIncremental(bad, bad.relation, state, options())).toThrow(/unknown incremental_strategy "insert_overwrite"/);
    const noKey = inc({ unique_key: 'order_id' });
    expect(() => materializeIncremental(noKey, noKey.relation, state, options())).toThrow(/unique_key "order_id" is not a column/);
  });

  it('marks a hook deleting from the model itself, whose row count goes to the node state', () => {
    const node = inc({ post_hook: ['delete from "analytics"."orders" where id < 0', 'analyze "analytics"."orders"', 'delete from "analytics"."other"'] });
    const hooks = materializeIncremental(node, node.relation, state, options()).statements.filter((s) => s.label.startsWith('post-hook'));
    expect(hooks.map((s) => s.tally)).toEqual(['deleted', undefined, undefined]);
  });

  it('runs hooks, indexes (if not exists) and grants around the incremental statements', () => {
    const node = inc({ pre_hook: ['select 1'], post_hook: ['select 2'], indexes: [{ columns: ['id'] }], grants: { select: ['bi'] } });
    const labels = materializeIncremental(node, node.relation, state, options()).statements.map((s) => s.label);
    expect(labels).toEqual(['pre-hook 1', 'drop the new rows kept by the previous build', 'create table of new rows (kept for the data tests)', 'insert new rows', 'create index on orders (id)', 'grant select on orders', 'post-hook 1']);
  });
});

describe('delete+insert bounds (rangedKeyColumns)', () => {
  it('ranges the key columns whose order agrees with equality, by their type in the target', () => {
    const types = new Map([
      ['n', 'integer'], ['b', 'bigint'], ['s', 'smallint'], ['x', 'numeric'], ['y', 'numeric(10,2)'], ['f', 'double precision'],
      ['d', 'date'], ['t', 'timestamp without time zone'], ['tz', 'timestamp(3) with time zone'], ['tm', 'time without time zone'],
      ['txt', 'text'], ['v', 'character varying(20)'], ['u', 'uuid'], ['j', 'jsonb'], ['bool', 'boolean'], ['a', 'integer[]'],
    ]);
    expect(rangedKeyColumns([...types.keys(), 'missing'], types)).toEqual(['n', 'b', 's', 'x', 'y', 'f', 'd', 't', 'tz', 'tm']);
  });

  it('bounds a key only when its type is ranged in the new rows too (a sync_all_columns retype runs before the delete)', () => {
    const deleteOf = (queryType: string) => {
      const node = inc({ unique_key: 'id', on_schema_change: 'sync_all_columns' });
      const plan = materializeIncremental(node, node.relation, existing('table', cols('id integer', 'amount numeric(10,2)')), options({ queryColumns: cols(`id ${queryType}`, 'amount numeric(10,2)') }));
      return plan.statements.find((s) => s.label === 'delete rows with matching keys')!.sql;
    };
    expect(deleteOf('text')).toBe(`delete from "analytics"."orders"\nwhere ("id") in (select "id" from ${ROWS})`);
    expect(deleteOf('bigint')).toContain('"id" between (select lo0 from key_bounds) and (select hi0 from key_bounds)');
  });
});

describe('on_schema_change', () => {
  // table: id, amount, old_col; query: id, amount numeric(12,2) (retyped), new_col
  const table = cols('id integer', 'amount numeric(10,2)', 'old_col text');
  const query = cols('id integer', 'amount numeric(12,2)', 'new_col date');
  const plan = (mode: NodeConfig['on_schema_change'], dependentViews = [] as never[]) =>
    materializeIncremental(inc({ on_schema_change: mode }), inc().relation, existing('table', table, dependentViews), options({ queryColumns: query }));

  it('ignore (default): inserts only the shared columns, no ALTER', () => {
    expect(sqls(plan(undefined))).toEqual([DROP_ROWS, tempCreate, `insert into "analytics"."orders" ("id", "amount")\nselect "id", "amount" from ${ROWS}`]);
    expect(sqls(plan('ignore'))).toEqual(sqls(plan(undefined)));
  });

  it('fail: a DB error listing every difference, with the way out', () => {
    let err: StrataError | undefined;
    try {
      plan('fail');
    } catch (e) {
      err = e as StrataError;
    }
    expect(err).toBeInstanceOf(StrataError);
    expect(err?.code).toBe('DB');
    expect(err?.message).toMatch(/no longer match analytics\.orders \(3 differences\) and on_schema_change is 'fail'/);
    expect(err?.details).toEqual([
      'added column new_col (date)',
      'removed column old_col (text)',
      'column amount changed type from numeric(10,2) to numeric(12,2)',
    ]);
    expect(err?.hint).toMatch(/--full-refresh/);
    expect(err?.nodeId).toBe('model.shop.orders');
    // no difference: no error
    expect(() => materializeIncremental(inc({ on_schema_change: 'fail' }), inc().relation, existing('table', table), options({ queryColumns: table }))).not.toThrow();
  });

  it('append_new_columns: adds the new ones, keeps the removed ones', () => {
    expect(plan('append_new_columns').increment?.schemaChanged).toBe(true);
    expect(plan('ignore').increment?.schemaChanged).toBe(true);
    expect(sqls(plan('append_new_columns'))).toEqual([
      DROP_ROWS,
      tempCreate,
      'alter table "analytics"."orders" add column "new_col" date',
      `insert into "analytics"."orders" ("id", "amount", "new_col")\nselect "id", "amount", "new_col" from ${ROWS}`,
    ]);
  });

  it('sync_all_columns: adds, drops and retypes', () => {
    expect(sqls(plan('sync_all_columns'))).toEqual([
      DROP_ROWS,
      tempCreate,
      'alter table "analytics"."orders" add column "new_col" date',
      'alter table "analytics"."orders" drop column "old_col"',
      'alter table "analytics"."orders" alter column "amount" type numeric(12,2) using "amount"::numeric(12,2)',
      `insert into "analytics"."orders" ("id", "amount", "new_col")\nselect "id", "amount", "new_col" from ${ROWS}`,
    ]);
  });

  it('sync_all_columns takes dependent views out of the way of drops and type changes', () => {
    const views = [{ schema: 'analytics', name: 'v', recreate: ['CREATE VIEW "analytics"."v" AS\n SELECT id FROM analytics.orders'] }];
    const s = sqls(materializeIncremental(inc({ on_schema_change: 'sync_all_columns' }), inc().relation, existing('table', table, views), options({ queryColumns: query })));
    expect(s[2]).toBe('drop view "analytics"."v"');
    expect(s[6]).toBe('CREATE VIEW "analytics"."v" AS\n SELECT id FROM analytics.orders');
    // adding columns alone does not disturb views
    const added = sqls(materializeIncremental(inc({ on_schema_change: 'sync_all_columns' }), inc().relation, existing('table', table.slice(0, 2), views), options({ queryColumns: [...table.slice(0, 2), ...cols('x int')] })));
    expect(added.join('\n')).not.toContain('drop view');
  });

  it('without described query columns, assumes the query matches the table', () => {
    expect(sqls(materializeIncremental(inc({ on_schema_change: 'fail' }), inc().relation, existing('table', table), options()))[2]).toContain('("id", "amount", "old_col")');
  });

  it('needs the existing table\'s columns', () => {
    expect(() => materializeIncremental(inc(), inc().relation, existing('table'), options())).toThrow(/passed no columns/);
  });
});
