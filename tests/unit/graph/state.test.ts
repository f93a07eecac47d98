import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../../src/graph/dag.js';
import { selectNodes } from '../../../src/graph/select.js';
import { macro, macroId, model, modelId, names, shopProject } from './fixtures.js';
import type { Manifest, ModelNode } from '../../../src/manifest/types.js';

const previous = shopProject();

/** The shop project after some edits (each one a different kind of change). */
function edited(): Manifest {
  const m = shopProject();
  const get = (name: string) => m.nodes[modelId(name)] as ModelNode;
  get('stg_orders').checksum = 'changed'; // body
  get('customers').config = { ...get('customers').config, materialized: 'table' }; // configs
  get('revenue').relation = { schema: 'finance', identifier: 'revenue' }; // relation
  // Same config with keys in another order: not a change.
  const sc = get('stg_customers').config;
  get('stg_customers').config = Object.fromEntries(Object.entries(sc).reverse()) as typeof sc;
  const added = model('new_model', { deps: [modelId('orders')] });
  m.nodes[added.uniqueId] = added;
  return m;
}

function run(current: Manifest, select: string[], before: Manifest = previous): string[] {
  const ids = selectNodes(current, buildGraph(current), { select, previousManifest: before, indirectSelection: 'empty' });
  return names(current, ids);
}

describe('state method', () => {
  const current = edited();

  it.each([
    ['state:new', ['new_model']],
    ['state:modified', ['customers', 'new_model', 'revenue', 'stg_orders']],
    ['state:modified.body', ['new_model', 'stg_orders']],
    ['state:modified.configs', ['customers', 'new_model']],
    ['state:modified.relation', ['new_model', 'revenue']],
    ['state:modified.macros', ['new_model']],
    ['state:modified+', ['assert_revenue_positive', 'customers', 'new_model', 'not_null_orders_id', 'orders', 'orders_unit', 'relationships_orders_customers', 'revenue', 'stg_orders', 'unique_customers_id']],
    ['state:modified,resource_type:model', ['customers', 'new_model', 'revenue', 'stg_orders']],
    ['state:unmodified,config.materialized:table', ['orders']],
  ])('%s', (select, expected) => {
    expect(run(current, [select])).toEqual(expected);
  });

  it('state:old is everything that existed before', () => {
    expect(run(current, ['state:old'])).not.toContain('new_model');
    expect(run(current, ['state:old'])).toHaveLength(16);
  });

  it('a changed macro marks the nodes that call it as modified', () => {
    const m = shopProject();
    m.macros[macroId('cents_to_dollars')] = macro('cents_to_dollars', 'new-checksum');
    expect(run(m, ['state:modified'])).toEqual(['orders']);
    expect(run(m, ['state:modified.macros'])).toEqual(['orders']);
    expect(run(m, ['state:modified.body'])).toEqual([]);
  });

  it('a removed macro also counts as a change', () => {
    const m = shopProject();
    delete m.macros[macroId('cents_to_dollars')];
    expect(run(m, ['state:modified'])).toEqual(['orders']);
  });

  it('an identical manifest has nothing modified', () => {
    expect(run(shopProject(), ['state:modified'])).toEqual([]);
  });

  it('needs a previous manifest', () => {
    const m = shopProject();
    expect(() => selectNodes(m, buildGraph(m), { select: ['state:modified'] })).toThrow(
      expect.objectContaining({ code: 'SELECTOR', hint: 'run a successful command first, or pass --state DIR' }),
    );
  });
});
