/**
 * In `strata build`, a model's tests gate its descendants (an error-severity failure skips them).
 * A test of the model that also reads another node (a relationships test pointing at a sibling)
 * must not take that gate away from the model's other tests.
 */
import { describe, expect, it } from 'vitest';
import { useE2eDatabase } from '../helpers/e2e-database.js';
import { statusesOf, strataOn, testProjectYml } from '../helpers/e2e-project.js';
import { writeProject } from '../helpers/temp-project.js';

const { testDb, rows } = useE2eDatabase();

const strata = strataOn(testDb);

/**
 * orders has a not_null test (failing: one null id) and, with `relationships`, a relationships
 * test to its sibling customers (passing); order_totals reads orders, customer_orders reads orders
 * and customers.
 */
const PROJECT = (schema: string, relationships: boolean, orders = 'id,customer_id,amount\n1,1,10\n,2,20\n') => ({
  'project.yml': testProjectYml('gates', schema),
  'seeds/raw_orders.csv': orders,
  'seeds/raw_customers.csv': 'id,name\n1,ann\n2,bob\n',
  'models/orders.sql': "{{ config(materialized='table') }}\nselect * from {{ ref('raw_orders') }}",
  'models/customers.sql': "{{ config(materialized='table') }}\nselect * from {{ ref('raw_customers') }}",
  'models/order_totals.sql': "{{ config(materialized='table') }}\nselect sum(amount) as total from {{ ref('orders') }}",
  'models/customer_orders.sql': "{{ config(materialized='table') }}\nselect c.name, o.amount from {{ ref('orders') }} o join {{ ref('customers') }} c on c.id = o.customer_id",
  'models/props.yml': [
    'version: 2',
    'models:',
    '  - name: orders',
    '    columns:',
    '      - name: id',
    '        data_tests: [not_null]',
    ...(relationships ? [
      '      - name: customer_id',
      '        data_tests:',
      "          - relationships: {to: ref('customers'), field: id}",
    ] : []),
    '',
  ].join('\n'),
});

describe('build: the tests of a model gate its descendants', () => {
  it('without a relationships test (the baseline)', async () => {
    const dir = writeProject(PROJECT('gates_a', false));
    const build = await strata(dir, 'build');
    const out = build.stdout + build.stderr;
    expect(build.code, out).toBe(1);
    expect(statusesOf(dir), out).toMatchObject({ not_null_orders_id: 'fail', order_totals: 'skipped', customer_orders: 'skipped', customers: 'success' });
  });

  it('also when one of its tests is a relationships test to a sibling', async () => {
    const dir = writeProject(PROJECT('gates_b', true));
    const build = await strata(dir, 'build');
    const out = build.stdout + build.stderr;
    expect(build.code, out).toBe(1);
    const relationships = Object.keys(statusesOf(dir)).find((n) => n.startsWith('relationships_orders_customer_id'))!;
    expect(statusesOf(dir), out).toMatchObject({ not_null_orders_id: 'fail', [relationships]: 'pass', order_totals: 'skipped', customer_orders: 'skipped', customers: 'success' });
    expect(await rows("select to_regclass('gates_b.order_totals') as t, to_regclass('gates_b.customer_orders') as c")).toEqual([{ t: null, c: null }]);
  });

  it('a failing relationships test to a sibling skips the descendants that read the sibling too, not the others', async () => {
    const dir = writeProject({
      ...PROJECT('gates_c', true, 'id,customer_id,amount\n1,1,10\n2,3,20\n'),
      // a relationships test pointing downstream, to a child of orders (failing too): it cannot
      // gate that child (a cycle), nor the others, which do not read it
      'models/order_ids.sql': "select id from {{ ref('orders') }}",
      'models/more_props.yml': [
        'version: 2',
        'models:',
        '  - name: customers',
        '    columns:',
        '      - name: id',
        '        data_tests: [not_null]',
        '',
      ].join('\n'),
    });
    writeProject({ 'models/props.yml': PROJECT('gates_c', true)['models/props.yml'] + "          - relationships: {to: ref('order_ids'), field: id}\n" }, dir);
    const build = await strata(dir, 'build');
    const out = build.stdout + build.stderr;
    expect(build.code, out).toBe(1);
    const all = statusesOf(dir);
    const relationships = Object.keys(all).find((n) => n.startsWith('relationships_orders_customer_id__id__ref_customers'))!;
    const downstream = Object.keys(all).find((n) => n.startsWith('relationships_orders_customer_id__id__ref_order_ids'))!;
    expect(all, out).toMatchObject({
      not_null_orders_id: 'pass', [relationships]: 'fail', [downstream]: 'fail', not_null_customers_id: 'pass',
      order_totals: 'success', order_ids: 'success', customer_orders: 'skipped',
    });
    expect(await rows('select total from gates_c.order_totals')).toEqual([{ total: 30 }]);
  });
});
