import { describe, expect, it } from 'vitest';
import { materializeTable, STAGING_SUFFIX, suffixedIdentifier } from '../../../src/materializations/index.js';
import type { DependentViewState, MaterializationPlan } from '../../../src/materializations/index.js';
import { existing, missing, model, options } from './helpers.js';

const sqls = (plan: MaterializationPlan): string[] => plan.statements.map((s) => s.sql);
const dependents: DependentViewState[] = [
  { schema: 'analytics', name: 'big_orders', recreate: ['CREATE VIEW "analytics"."big_orders" AS\n SELECT id FROM analytics.orders'] },
  { schema: 'marts', name: 'big_order_ids', recreate: ['CREATE VIEW "marts"."big_order_ids" AS\n SELECT id FROM analytics.big_orders', 'COMMENT ON VIEW "marts"."big_order_ids" IS \'ids\''] },
];

describe('materializeTable', () => {
  const node = model({ sql: 'select 1 as id', config: { materialized: 'table' } });

  it('creates the table directly when nothing exists', () => {
    const plan = materializeTable(node, node.relation, missing, options());
    expect(plan.action).toBe('create');
    expect(plan.statements).toEqual([{ sql: 'create table "analytics"."orders" as (\nselect 1 as id\n)', label: 'create table', countsRows: true }]);
  });

  it('swaps a staging table in, keeping dependent views (dropped children first, recreated parents first)', () => {
    const plan = materializeTable(node, node.relation, existing('table', undefined, dependents), options());
    expect(plan.action).toBe('swap');
    expect(sqls(plan)).toEqual([
      'create table "analytics"."orders__strata_tmp" as (\nselect 1 as id\n)',
      'drop view "marts"."big_order_ids"',
      'drop view "analytics"."big_orders"',
      'alter table "analytics"."orders" rename to "orders__strata_old"',
      'alter table "analytics"."orders__strata_tmp" rename to "orders"',
      'drop table "analytics"."orders__strata_old"',
      'CREATE VIEW "analytics"."big_orders" AS\n SELECT id FROM analytics.orders',
      'CREATE VIEW "marts"."big_order_ids" AS\n SELECT id FROM analytics.big_orders',
      'COMMENT ON VIEW "marts"."big_order_ids" IS \'ids\'',
    ]);
    expect(plan.statements.filter((s) => s.countsRows).map((s) => s.label)).toEqual(['create staging table']);
    expect(sqls(plan).join('\n')).not.toMatch(/cascade/i);
  });

  it('recreates a dependent view the run builds later only if its old definition still holds, in a block of its own', () => {
    const plan = materializeTable(node, node.relation, existing('table', undefined, dependents), options({ rebuiltLater: new Set(['marts.big_order_ids']) }));
    expect(sqls(plan).slice(-2)).toEqual([
      'CREATE VIEW "analytics"."big_orders" AS\n SELECT id FROM analytics.orders',
      [
        'DO $strata$',
        'BEGIN',
        '  EXECUTE \'CREATE VIEW "marts"."big_order_ids" AS\n SELECT id FROM analytics.big_orders\';',
        '  EXECUTE \'COMMENT ON VIEW "marts"."big_order_ids" IS \'\'ids\'\'\';',
        'EXCEPTION WHEN others THEN',
        "  RAISE NOTICE 'strata: view % left to its own build: %', 'marts.big_order_ids', SQLERRM;",
        'END',
        '$strata$',
      ].join('\n'),
    ]);
  });

  it('replaces a view under the same name the same way', () => {
    const plan = materializeTable(node, node.relation, existing('view', undefined, dependents.slice(0, 1)), options());
    expect(sqls(plan)).toEqual([
      'create table "analytics"."orders__strata_tmp" as (\nselect 1 as id\n)',
      'drop view "analytics"."big_orders"',
      'alter view "analytics"."orders" rename to "orders__strata_old"',
      'alter table "analytics"."orders__strata_tmp" rename to "orders"',
      'drop view "analytics"."orders__strata_old"',
      'CREATE VIEW "analytics"."big_orders" AS\n SELECT id FROM analytics.orders',
    ]);
  });

  it('builds indexes on the staging table and renames them after the swap; applies grants and hooks', () => {
    const indexed = model({
      sql: 'select 1 as id',
      config: {
        materialized: 'table',
        indexes: [{ columns: ['id', 'created_at'], unique: true }, { columns: ['tags'], type: 'GIN' }],
        grants: { select: ['reporter'] },
        pre_hook: ['select 1'],
        post_hook: ['select 2'],
      },
    });
    const plan = materializeTable(indexed, indexed.relation, existing('table'), options());
    const s = sqls(plan);
    expect(s[0]).toBe('select 1');
    expect(s[2]).toMatch(/^create unique index if not exists "orders__strata_tmp__id_created_at_[0-9a-f]{8}" on "analytics"."orders__strata_tmp" using btree \("id", "created_at"\)$/);
    expect(s[3]).toMatch(/^create index if not exists "orders__strata_tmp__tags_[0-9a-f]{8}" on "analytics"."orders__strata_tmp" using gin \("tags"\)$/);
    const renames = s.filter((x) => x.startsWith('alter index'));
    expect(renames).toHaveLength(2);
    expect(renames[0]).toMatch(/^alter index "analytics"."orders__strata_tmp__id_created_at_[0-9a-f]{8}" rename to "orders__id_created_at_[0-9a-f]{8}"$/);
    // renamed only after the old table (which owns the final names) is dropped
    expect(s.indexOf(renames[0]!)).toBeGreaterThan(s.indexOf('drop table "analytics"."orders__strata_old"'));
    expect(s.slice(-2)).toEqual(['grant select on "analytics"."orders" to "reporter"', 'select 2']);
  });

  it('creates indexes with their final names on a new table', () => {
    const indexed = model({ config: { materialized: 'table', indexes: [{ columns: ['id'] }] } });
    const s = sqls(materializeTable(indexed, indexed.relation, missing, options()));
    expect(s[1]).toMatch(/^create index if not exists "orders__id_[0-9a-f]{8}" on "analytics"."orders" using btree \("id"\)$/);
  });

  it('keeps helper names within 63 bytes for long model names', () => {
    // 63 bytes: the longest name PostgreSQL keeps; every suffix must be made room for.
    const long = model({ name: 'very_long_model_name_'.repeat(3), config: { materialized: 'table', indexes: [{ columns: ['id'] }] } });
    expect(Buffer.byteLength(long.name)).toBe(63);
    const plan = materializeTable(long, long.relation, existing('table'), options());
    const idents = sqls(plan).join('\n').match(/"[^"]+"/g)!.map((q) => q.slice(1, -1));
    for (const id of idents) expect(Buffer.byteLength(id)).toBeLessThanOrEqual(63);
    const staging = suffixedIdentifier(long.name, STAGING_SUFFIX);
    expect(staging).toMatch(/_[0-9a-f]{8}__strata_tmp$/);
    expect(sqls(plan)[0]).toContain(`"${staging}"`);
  });
});
