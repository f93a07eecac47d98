import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { genericTestName } from '../../../src/compile/generic-tests.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

describe("generic tests' names (dbt's algorithm)", () => {
  it('column tests without arguments: <type>_<target>_<column>, unsafe characters replaced', () => {
    expect(genericTestName('not_null', { name: 'orders' }, 'order_id', {})).toBe('not_null_orders_order_id');
    expect(genericTestName('unique', { name: 'orders' }, 'Order ID', {})).toBe('unique_orders_Order_ID');
    expect(genericTestName('unique', { name: 'orders', sourceName: 'raw' }, 'id', {})).toBe('source_unique_raw_orders_id');
    expect(genericTestName('dbt_utils.not_empty', { name: 'orders' }, 'id', {})).toBe('dbt_utils_not_empty_orders_id');
  });

  it('arguments sorted by name, flattened and joined with __', () => {
    expect(genericTestName('accepted_values', { name: 'orders' }, 'status', { values: ['a', 'b'] })).toBe('accepted_values_orders_status__a__b');
    expect(genericTestName('relationships', { name: 'orders' }, 'customer_id', { to: "ref('customers')", field: 'id' }))
      .toBe('relationships_orders_customer_id__id__ref_customers_');
  });

  it('names of 64 characters or more: the first 30 characters of <type>_<target> and the md5 of the full name', () => {
    const column = 'a_very_long_column_name_that_goes_on_and_on';
    const full = `not_null_some_rather_long_model_name_${column}`;
    expect(full.length).toBeGreaterThanOrEqual(64);
    expect(genericTestName('not_null', { name: 'some_rather_long_model_name' }, column, {})).toBe(`${'not_null_some_rather_long_model_name'.slice(0, 30)}_${md5(full)}`);
  });
});
