import { describe, expect, it } from 'vitest';
import { canReplaceView, materializeView } from '../../../src/materializations/index.js';
import type { DependentViewState } from '../../../src/materializations/index.js';
import { cols, existing, missing, model, options } from './helpers.js';

const node = model({ name: 'orders', sql: 'select 1 as id, 2 as amount', config: { materialized: 'view' } });
const rel = node.relation;
const sqls = (plan: { statements: Array<{ sql: string }> }): string[] => plan.statements.map((s) => s.sql);

const dependents: DependentViewState[] = [
  { schema: 'analytics', name: 'big_orders', recreate: ['CREATE VIEW "analytics"."big_orders" AS\n SELECT id FROM analytics.orders', 'GRANT SELECT ON "analytics"."big_orders" TO "bi"'] },
  { schema: 'marts', name: 'order_totals', recreate: ['CREATE MATERIALIZED VIEW "marts"."order_totals" AS\n SELECT count(*) FROM analytics.big_orders\nWITH DATA'] },
];

describe('canReplaceView', () => {
  const old = cols('id integer', 'amount numeric(10,2)');
  it('accepts the same columns, or new ones appended', () => {
    expect(canReplaceView(old, old)).toBe(true);
    expect(canReplaceView(old, [...old, ...cols('note text')])).toBe(true);
  });
  it('refuses removed, renamed, reordered or retyped columns, and unknown columns', () => {
    expect(canReplaceView(old, cols('id integer'))).toBe(false);
    expect(canReplaceView(old, cols('id integer', 'total numeric(10,2)'))).toBe(false);
    expect(canReplaceView(old, cols('amount numeric(10,2)', 'id integer'))).toBe(false);
    expect(canReplaceView(old, cols('id integer', 'amount numeric'))).toBe(false);
    expect(canReplaceView(old, cols('note text', 'id integer', 'amount numeric(10,2)'))).toBe(false);
    expect(canReplaceView(undefined, old)).toBe(false);
    expect(canReplaceView(old, undefined)).toBe(false);
  });
});

describe('materializeView', () => {
  it('creates the view when nothing exists', () => {
    const plan = materializeView(node, rel, missing, options());
    expect(plan.action).toBe('create');
    expect(sqls(plan)).toEqual(['create view "analytics"."orders" as (\nselect 1 as id, 2 as amount\n)']);
  });

  it('replaces a view whose columns the new query keeps', () => {
    const state = existing('view', cols('id integer'), dependents);
    const plan = materializeView(node, rel, state, options({ queryColumns: cols('id integer', 'amount integer') }));
    expect(plan.action).toBe('replace');
    expect(sqls(plan)).toEqual(['create or replace view "analytics"."orders" as (\nselect 1 as id, 2 as amount\n)']);
  });

  it('rebuilds a view whose columns changed, recreating dependent views (no cascade)', () => {
    const state = existing('view', cols('id integer', 'total integer'), dependents);
    const plan = materializeView(node, rel, state, options({ queryColumns: cols('id integer', 'amount integer') }));
    expect(plan.action).toBe('rebuild');
    expect(sqls(plan)).toEqual([
      'drop materialized view "marts"."order_totals"',
      'drop view "analytics"."big_orders"',
      'drop view "analytics"."orders"',
      'create view "analytics"."orders" as (\nselect 1 as id, 2 as amount\n)',
      'CREATE VIEW "analytics"."big_orders" AS\n SELECT id FROM analytics.orders',
      'GRANT SELECT ON "analytics"."big_orders" TO "bi"',
      'CREATE MATERIALIZED VIEW "marts"."order_totals" AS\n SELECT count(*) FROM analytics.big_orders\nWITH DATA',
    ]);
    expect(sqls(plan).join('\n')).not.toMatch(/cascade/i);
  });

  it('rebuilds when the query columns are unknown (always correct; replace might be refused)', () => {
    const plan = materializeView(node, rel, existing('view', cols('id integer')), options());
    expect(plan.action).toBe('rebuild');
  });

  it('with replaceUnlessRefused, plans the replace without the query columns (PostgreSQL checks them), but never over another kind', () => {
    const plan = materializeView(node, rel, existing('view', undefined, dependents), options({ replaceUnlessRefused: true }));
    expect(plan.action).toBe('replace');
    expect(sqls(plan)).toEqual(['create or replace view "analytics"."orders" as (\nselect 1 as id, 2 as amount\n)']);
    expect(materializeView(node, rel, existing('table'), options({ replaceUnlessRefused: true })).action).toBe('rebuild');
    expect(materializeView(node, rel, missing, options({ replaceUnlessRefused: true })).action).toBe('create');
    // Known columns still decide.
    const known = options({ replaceUnlessRefused: true, queryColumns: cols('amount integer') });
    expect(materializeView(node, rel, existing('view', cols('id integer'), dependents), known).action).toBe('rebuild');
  });

  it('replaces a table (or another kind) under the same name', () => {
    const plan = materializeView(node, rel, existing('table', cols('id integer', 'amount integer')), options({ queryColumns: cols('id integer', 'amount integer') }));
    expect(plan.action).toBe('rebuild');
    expect(sqls(plan)).toEqual(['drop table "analytics"."orders"', 'create view "analytics"."orders" as (\nselect 1 as id, 2 as amount\n)']);
    expect(sqls(materializeView(node, rel, existing('materialized_view'), options()))[0]).toBe('drop materialized view "analytics"."orders"');
  });

  it('runs pre-hooks first, then the build, grants and post-hooks', () => {
    const hooked = model({
      sql: 'select 1 as id',
      config: { materialized: 'view', pre_hook: ['set local work_mem = \'64MB\'', '  '], post_hook: ['analyze something'], grants: { select: ['bi', 'public'] } },
    });
    const plan = materializeView(hooked, hooked.relation, missing, options());
    expect(plan.statements.map((s) => s.label)).toEqual(['pre-hook 1', 'create view', 'grant select on orders', 'post-hook 1']);
    expect(sqls(plan)[2]).toBe('grant select on "analytics"."orders" to "bi", PUBLIC');
  });
});
