/**
 * The selection grammar against the shared shop project (see fixtures.ts for its DAG).
 * Each row: --select / --exclude strings -> the exact set of selected names. Unless a row says
 * otherwise indirect selection is dbt's default, eager: a test comes along with any selected
 * parent, and an excluded parent takes its tests with it.
 */
import { describe, expect, it } from 'vitest';
import { StrataError } from '../../../src/errors/strata-error.js';
import { buildGraph } from '../../../src/graph/dag.js';
import { selectNodes, type SelectOptions } from '../../../src/graph/select.js';
import { names, shopProject } from './fixtures.js';

const manifest = shopProject();
const graph = buildGraph(manifest);
const run = (opts: SelectOptions): string[] => names(manifest, selectNodes(manifest, graph, opts));

const ORDERS_TESTS = ['not_null_orders_id', 'orders_unit', 'relationships_orders_customers'];
const CUSTOMERS_TESTS = ['relationships_orders_customers', 'unique_customers_id'];
const ALL_TESTS = ['assert_revenue_positive', 'not_null_orders_id', 'orders_unit', 'relationships_orders_customers', 'unique_customers_id'];
const SOURCES = ['other_src.events', 'raw.customers', 'raw.orders'];
const MODELS = ['customers', 'orders', 'pkg_model', 'revenue', 'stg_customers', 'stg_events', 'stg_orders'];
const EVERYTHING = [...SOURCES, 'country_codes', ...MODELS, ...ALL_TESTS];
const ORDERS_UPSTREAM = ['country_codes', 'raw.customers', 'raw.orders', 'stg_customers', 'stg_orders'];
const MARTS = ['customers', 'orders', 'revenue', ...ALL_TESTS];

const set = (...lists: string[][]): string[] => [...new Set(lists.flat())].sort();

type Row = [select: string[], exclude: string[] | undefined, expected: string[]];

function table(rows: Row[], extra: SelectOptions = {}): void {
  it.each(rows.map(([select, exclude, expected]) => ({ select, exclude, expected, label: `${select.join(' | ')}${exclude ? ` --exclude ${exclude.join(' | ')}` : ''}` })))(
    '$label',
    ({ select, exclude, expected }) => {
      const opts: SelectOptions = { ...extra, select };
      if (exclude) opts.exclude = exclude;
      expect(run(opts)).toEqual([...expected].sort());
    },
  );
}

describe('default (fqn) method', () => {
  table([
    [['orders'], undefined, set(['orders'], ORDERS_TESTS)],
    [['fqn:orders'], undefined, set(['orders'], ORDERS_TESTS)],
    [['marts'], undefined, MARTS],
    [['marts.*'], undefined, MARTS],
    [['marts.finance'], undefined, ['assert_revenue_positive', 'revenue']],
    [['shop.marts.finance'], undefined, ['assert_revenue_positive', 'revenue']],
    [['marts.orders'], undefined, set(['orders'], ORDERS_TESTS)],
    [['staging.events'], undefined, ['stg_events']],
    [['staging.events.stg_events'], undefined, ['stg_events']],
    [['stg_*'], undefined, ['stg_customers', 'stg_events', 'stg_orders']],
    [['stg_?rders'], undefined, ['stg_orders']],
    [['stg_[oc]*'], undefined, ['stg_customers', 'stg_orders']],
    // dbt: from the first wildcard on, the rest of the fqn is fnmatched, so this stops at
    // staging/ (stg_events lives in staging/events/); `staging.*stg_*` reaches it.
    [['staging.stg_*'], undefined, ['stg_customers', 'stg_orders']],
    [['staging.*stg_*'], undefined, ['stg_customers', 'stg_events', 'stg_orders']],
    // The fqn method never matches sources (dbt): they are selected with source:.
    [['*'], undefined, EVERYTHING.filter((n) => !SOURCES.includes(n))],
    [['shop'], undefined, EVERYTHING.filter((n) => n !== 'pkg_model' && !SOURCES.includes(n))],
    [['utils'], undefined, ['pkg_model']],
    [['utils.pkg_model'], undefined, ['pkg_model']],
    [['raw.orders'], undefined, []],
    [['source:raw.orders'], undefined, ['raw.orders']],
    [['raw'], undefined, []],
    [['no_such_model'], undefined, []],
    [['ord'], undefined, []],
  ]);
});

describe('graph operators', () => {
  table([
    [['+orders'], undefined, set(['orders'], ORDERS_UPSTREAM, ORDERS_TESTS)],
    [['1+orders'], undefined, set(['orders', 'country_codes', 'stg_customers', 'stg_orders'], ORDERS_TESTS)],
    [['orders+'], undefined, set(['customers', 'orders', 'revenue'], ALL_TESTS)],
    [['stg_orders+1'], undefined, set(['orders', 'stg_orders'], ORDERS_TESTS)],
    [['stg_orders+2'], undefined, set(['customers', 'orders', 'revenue', 'stg_orders'], ALL_TESTS)],
    [['1+revenue+1'], undefined, set(['assert_revenue_positive', 'orders', 'revenue'], ORDERS_TESTS)],
    [['+revenue+'], undefined, set(['assert_revenue_positive', 'orders', 'revenue'], ORDERS_UPSTREAM, ORDERS_TESTS)],
    [['stg_orders+'], undefined, set(['customers', 'orders', 'revenue', 'stg_orders'], ALL_TESTS)],
    // @: stg_orders, its descendants, and every ancestor of those (stg_customers, the seed...).
    [['@stg_orders'], undefined, set(['customers', 'orders', 'revenue'], ORDERS_UPSTREAM, ALL_TESTS)],
    [['+tag:staging'], undefined, ['raw.customers', 'raw.orders', 'stg_customers', 'stg_orders']],
    [['0+orders'], undefined, set(['orders'], ORDERS_TESTS)],
  ]);
  it('stg_orders+2 with indirect selection off keeps only graph neighbours', () => {
    expect(run({ select: ['stg_orders+2'], indirectSelection: 'empty' })).toEqual(
      ['customers', 'not_null_orders_id', 'orders', 'orders_unit', 'relationships_orders_customers', 'revenue', 'stg_orders'],
    );
  });
});

describe('methods', () => {
  table([
    [['tag:nightly'], undefined, set(['customers', 'orders'], ORDERS_TESTS, CUSTOMERS_TESTS)],
    [['tag:fin*'], undefined, set(['customers', 'revenue', 'assert_revenue_positive'], CUSTOMERS_TESTS)],
    [['tag:slow'], undefined, ['assert_revenue_positive']],
    [['source:raw'], undefined, ['raw.customers', 'raw.orders']],
    [['source:raw.orders'], undefined, ['raw.orders']],
    [['source:*.events'], undefined, ['other_src.events']],
    [['source:shop.raw.customers'], undefined, ['raw.customers']],
    [['source:raw+'], undefined, set(['raw.customers', 'raw.orders', 'stg_customers', 'stg_orders'], MARTS)],
    [['resource_type:seed'], undefined, ['country_codes']],
    [['resource_type:source'], undefined, SOURCES],
    [['resource_type:test'], undefined, ['assert_revenue_positive', 'not_null_orders_id', 'relationships_orders_customers', 'unique_customers_id']],
    [['resource_type:unit_test'], undefined, ['orders_unit']],
    // Eager indirect selection: selecting every model also selects every test on a model.
    [['resource_type:model'], undefined, set(MODELS, ALL_TESTS)],
    [['path:models/staging'], undefined, ['other_src.events', 'stg_customers', 'stg_events', 'stg_orders']],
    [['path:./models/staging/'], undefined, ['other_src.events', 'stg_customers', 'stg_events', 'stg_orders']],
    [['models/staging/stg_orders.sql'], undefined, ['stg_orders']],
    [['path:staging/events'], undefined, ['stg_events']],
    [['path:models/marts/*.sql'], undefined, set(['customers', 'orders'], ORDERS_TESTS, CUSTOMERS_TESTS)],
    [['path:models/**/stg_*.sql'], undefined, ['stg_customers', 'stg_events', 'stg_orders']],
    [['models/marts'], undefined, MARTS],
    [['path:models/marts/_marts.yml'], undefined, set(['orders'], ORDERS_TESTS)],
    [['path:tests'], undefined, ['assert_revenue_positive']],
    [['path:dbt_packages/utils'], undefined, ['pkg_model']],
    [['file:stg_orders.sql'], undefined, ['stg_orders']],
    [['file:stg_orders'], undefined, ['stg_orders']],
    [['stg_orders.sql'], undefined, ['stg_orders']],
    [['file:stg_*'], undefined, ['stg_customers', 'stg_events', 'stg_orders']],
    [['file:country_codes.csv'], undefined, ['country_codes']],
    [['package:utils'], undefined, ['pkg_model']],
    [['package:this'], undefined, EVERYTHING.filter((n) => n !== 'pkg_model')],
    [['package:ut*'], undefined, ['pkg_model']],
    [['config.materialized:incremental'], undefined, set(['customers'], CUSTOMERS_TESTS)],
    [['config.materialized:seed'], undefined, ['country_codes']],
    [['config.unique_key:region'], undefined, set(['customers'], CUSTOMERS_TESTS)],
    [['config.meta.owner:alice'], undefined, set(['customers'], CUSTOMERS_TESTS)],
    [['config.full_refresh:false'], undefined, set(['customers'], CUSTOMERS_TESTS)],
    [['config.full_refresh:FALSE'], undefined, set(['customers'], CUSTOMERS_TESTS)],
    [['config.tags:finance'], undefined, set(['customers', 'revenue', 'assert_revenue_positive'], CUSTOMERS_TESTS)],
    [['config.materialized:incr*'], undefined, []],
    [['config.no_such_key:x'], undefined, []],
    [['test_type:generic'], undefined, ['not_null_orders_id', 'relationships_orders_customers', 'unique_customers_id']],
    [['test_type:singular'], undefined, ['assert_revenue_positive']],
    [['test_type:unit'], undefined, ['orders_unit']],
    [['test_type:data'], undefined, ['assert_revenue_positive', 'not_null_orders_id', 'relationships_orders_customers', 'unique_customers_id']],
    [['test_name:unique'], undefined, ['unique_customers_id']],
    [['test_name:not_*'], undefined, ['not_null_orders_id']],
    [['test_name:orders_unit'], undefined, ['orders_unit']],
  ]);
});

describe('union, intersection, exclude', () => {
  table([
    [['stg_orders stg_customers'], undefined, ['stg_customers', 'stg_orders']],
    [['stg_orders', 'stg_customers'], undefined, ['stg_customers', 'stg_orders']],
    [['stg_orders   seed_does_not_exist'], undefined, ['stg_orders']],
    // Intersections see each criterion's tests (dbt): these two share customers and its tests.
    [['tag:nightly,tag:finance'], undefined, set(['customers'], CUSTOMERS_TESTS)],
    [['tag:nightly,config.materialized:table'], undefined, set(['orders'], ORDERS_TESTS)],
    // dbt idiom: "generic tests of finance models".
    [['tag:finance,test_type:generic'], undefined, CUSTOMERS_TESTS],
    [['+orders,resource_type:source'], undefined, ['raw.customers', 'raw.orders']],
    [['package:shop,resource_type:seed'], undefined, ['country_codes']],
    [['+orders'], ['stg_orders'], set(['orders', 'country_codes', 'raw.customers', 'raw.orders', 'stg_customers'], ORDERS_TESTS)],
    [['marts'], ['tag:slow'], set(['customers', 'orders', 'revenue'], ORDERS_TESTS, CUSTOMERS_TESTS)],
    // Excluding a model excludes every test with it as a parent, even one on another model.
    [['marts'], ['orders'], ['assert_revenue_positive', 'customers', 'revenue', 'unique_customers_id']],
    [['orders'], ['not_null_orders_id'], ['orders', 'orders_unit', 'relationships_orders_customers']],
    [[], ['tag:finance'], ['country_codes', 'not_null_orders_id', 'orders', 'orders_unit', 'other_src.events', 'pkg_model', 'raw.customers', 'raw.orders', 'stg_customers', 'stg_events', 'stg_orders']],
    [['marts'], ['marts'], []],
    [['orders+'], ['revenue+ customers'], set(['orders'], ['not_null_orders_id', 'orders_unit'])],
  ]);
});

describe('indirect selection modes', () => {
  it.each([
    ['eager', ['customers', 'relationships_orders_customers', 'unique_customers_id']],
    ['cautious', ['customers', 'unique_customers_id']],
    ['buildable', ['customers', 'relationships_orders_customers', 'unique_customers_id']],
    ['empty', ['customers']],
  ] as const)('customers in %s mode', (mode, expected) => {
    expect(run({ select: ['customers'], indirectSelection: mode })).toEqual(expected);
  });

  it('cautious: a test comes back once all its parents are selected by a union', () => {
    expect(run({ select: ['orders customers'], indirectSelection: 'cautious' })).toEqual(
      set(['customers', 'orders'], ORDERS_TESTS, CUSTOMERS_TESTS),
    );
  });

  it('cautious: excluding a model only removes tests whose parents are all excluded', () => {
    expect(run({ select: ['marts'], exclude: ['orders'], indirectSelection: 'cautious' })).toEqual(
      ['assert_revenue_positive', 'customers', 'relationships_orders_customers', 'revenue', 'unique_customers_id'],
    );
  });
});

describe('options', () => {
  it('selects everything when select is empty or missing', () => {
    expect(run({})).toEqual(EVERYTHING.sort());
    expect(run({ select: [] })).toEqual(EVERYTHING.sort());
    expect(run({ select: ['  '] })).toEqual(EVERYTHING.sort());
  });

  it('filters the final set by resource type', () => {
    expect(run({ select: ['+orders'], resourceTypes: ['model'] })).toEqual(['orders', 'stg_customers', 'stg_orders']);
    expect(run({ select: ['+orders'], resourceTypes: ['seed', 'source'] })).toEqual(['country_codes', 'raw.customers', 'raw.orders']);
    expect(run({ resourceTypes: ['unit_test'] })).toEqual(['orders_unit']);
  });

  it('returns unique ids', () => {
    expect([...selectNodes(manifest, graph, { select: ['source:raw.orders'] })]).toEqual(['source.shop.raw.orders']);
  });

  it('throws SELECTOR errors from the parser', () => {
    expect(() => run({ select: ['tag:'] })).toThrow(StrataError);
    expect(() => run({ exclude: ['bogus:x'] })).toThrow(/unknown selection method "bogus"/);
  });

  it('rejects selector:NAME when no selectors exist, with a hint', () => {
    try {
      run({ select: ['selector:nightly'] });
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'SELECTOR', message: 'unknown selector "nightly" in "selector:nightly"' });
      expect((e as StrataError).hint).toMatch(/selectors\.yml/);
    }
  });
});
