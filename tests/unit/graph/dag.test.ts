import { Graph } from '@dagrejs/graphlib';
import { describe, expect, it } from 'vitest';
import { ancestors, buildGraph, descendants, findCycles } from '../../../src/graph/dag.js';
import { model, modelId, names, shopProject, sourceId } from './fixtures.js';
import { dataTest, makeManifest, unitTest } from './fixtures.js';

function graphOf(edges: Array<[string, string]>, extra: string[] = []): Graph {
  const g = new Graph({ directed: true });
  for (const id of extra) g.setNode(id);
  for (const [a, b] of edges) g.setEdge(a, b);
  return g;
}

describe('buildGraph', () => {
  it('has every node and source, no macros, edges parent -> child', () => {
    const m = shopProject();
    const g = buildGraph(m);
    expect(g.nodeCount()).toBe(Object.keys(m.nodes).length + Object.keys(m.sources).length);
    expect(g.hasNode('macro.shop.cents_to_dollars')).toBe(false);
    expect(g.hasEdge(sourceId('raw', 'orders'), modelId('stg_orders'))).toBe(true);
    expect(g.hasEdge(modelId('stg_orders'), modelId('orders'))).toBe(true);
    expect(g.hasEdge(modelId('orders'), modelId('stg_orders'))).toBe(false);
  });

  it('puts a test downstream of what it tests even when dependsOn omits it', () => {
    const m = makeManifest([
      model('a'),
      dataTest('t', { generic: 'unique', attachedNode: modelId('a'), deps: [] }),
      unitTest('u', 'a', { deps: [] }),
    ]);
    const g = buildGraph(m);
    expect(g.successors(modelId('a'))?.sort()).toEqual(['test.shop.t', 'unit_test.shop.a.u']);
  });

  it('ignores dependencies on ids that are not in the manifest', () => {
    const m = makeManifest([model('a', { deps: ['model.shop.missing'] })]);
    const g = buildGraph(m);
    expect(g.nodes()).toEqual([modelId('a')]);
    expect(g.edgeCount()).toBe(0);
  });
});

describe('ancestors / descendants', () => {
  const m = shopProject();
  const g = buildGraph(m);

  it.each([
    ['all ancestors', () => ancestors(g, modelId('orders')), ['country_codes', 'raw.customers', 'raw.orders', 'stg_customers', 'stg_orders']],
    ['ancestors depth 1', () => ancestors(g, modelId('customers'), 1), ['orders', 'stg_customers']],
    ['ancestors depth 0', () => ancestors(g, modelId('customers'), 0), []],
    ['descendants depth 1', () => descendants(g, modelId('stg_orders'), 1), ['orders']],
    ['descendants of several', () => descendants(g, [modelId('customers'), modelId('revenue')]), ['assert_revenue_positive', 'relationships_orders_customers', 'unique_customers_id']],
    ['a start reachable from another start is included', () => ancestors(g, [modelId('orders'), modelId('stg_orders')], 1), ['country_codes', 'raw.orders', 'stg_customers', 'stg_orders']],
  ])('%s', (_label, run, expected) => {
    expect(names(m, run())).toEqual(expected);
  });
});

describe('findCycles', () => {
  it('returns [] for a DAG', () => {
    expect(findCycles(buildGraph(shopProject()))).toEqual([]);
  });

  it('returns each cycle as an ordered path starting at its smallest id', () => {
    const g = graphOf([
      ['c', 'a'],
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'd'],
      ['x', 'a'],
    ]);
    expect(findCycles(g)).toEqual([['a', 'b', 'c']]);
  });

  it('reports a self-loop as a one-node cycle', () => {
    expect(findCycles(graphOf([['m', 'm'], ['m', 'n']]))).toEqual([['m']]);
  });

  it('reports one cycle per strongly connected component, sorted, shortest through the first id', () => {
    const g = graphOf([
      ['q', 'p'],
      ['p', 'q'],
      ['a', 'b'],
      ['b', 'a'],
      ['b', 'c'],
      ['c', 'a'],
      ['c', 'p'],
    ]);
    expect(findCycles(g)).toEqual([
      ['a', 'b'],
      ['p', 'q'],
    ]);
  });

  it('finds cycles through model dependencies in a manifest', () => {
    const m = makeManifest([
      model('a', { deps: [modelId('c')] }),
      model('b', { deps: [modelId('a')] }),
      model('c', { deps: [modelId('b')] }),
      model('ok', { deps: [modelId('a')] }),
    ]);
    expect(findCycles(buildGraph(m))).toEqual([[modelId('a'), modelId('b'), modelId('c')]]);
  });

  it('handles a very long chain without recursion overflow', () => {
    const g = new Graph({ directed: true });
    for (let i = 1; i < 30_000; i++) g.setEdge(`n${i - 1}`, `n${i}`);
    expect(findCycles(g)).toEqual([]);
    g.setEdge('n29999', 'n29990');
    expect(findCycles(g)).toEqual([['n29990', 'n29991', 'n29992', 'n29993', 'n29994', 'n29995', 'n29996', 'n29997', 'n29998', 'n29999']]);
  });
});
