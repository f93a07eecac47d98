import { describe, expect, it } from 'vitest';
import type { ModelNode, NodeConfig, SeedNode, SourceNode } from '../../../src/manifest/types.js';
import {
  canonicalJson, newDataVersion, nodeFingerprint, seedDataVersion, sourceDataVersion, upToDate,
} from '../../../src/state/fingerprint.js';
import type { NodeState } from '../../../src/state/node-state.js';

const location = { file: 'models/orders.sql', line: 1, column: 1 };

function config(overrides: Partial<NodeConfig> = {}): NodeConfig {
  return { enabled: true, materialized: 'table', tags: [], pre_hook: [], post_hook: [], indexes: [], grants: {}, meta: {}, ...overrides };
}

function model(overrides: Partial<ModelNode> = {}): ModelNode {
  return {
    uniqueId: 'model.shop.orders',
    resourceType: 'model',
    name: 'orders',
    packageName: 'shop',
    originalFilePath: 'models/orders.sql',
    path: 'orders.sql',
    fqn: ['shop', 'orders'],
    description: '',
    config: config(),
    tags: [],
    dependsOn: { nodes: ['model.shop.stg_orders'], macros: [] },
    checksum: 'raw-1',
    location,
    rawCode: "select * from {{ ref('stg_orders') }}",
    refs: [{ name: 'stg_orders' }],
    sources: [],
    columns: {},
    relation: { schema: 'analytics', identifier: 'orders' },
    varsRead: {},
    envRead: {},
    usesIsIncremental: false,
    compiledCode: 'select * from "analytics"."stg_orders"',
    ...overrides,
  };
}

function seed(overrides: Partial<SeedNode> = {}): SeedNode {
  const { rawCode: _r, refs: _f, sources: _s, varsRead: _v, envRead: _e, usesIsIncremental: _u, compiledCode: _c, ...base } = model();
  return { ...base, uniqueId: 'seed.shop.countries', resourceType: 'seed', name: 'countries', checksum: 'csv-1', config: config({ materialized: 'seed' }), ...overrides };
}

function source(overrides: Partial<SourceNode> = {}): SourceNode {
  const { rawCode: _r, refs: _f, sources: _s, varsRead: _v, envRead: _e, usesIsIncremental: _u, compiledCode: _c, ...base } = model();
  return {
    ...base,
    uniqueId: 'source.shop.raw.orders',
    resourceType: 'source',
    name: 'orders',
    sourceName: 'raw',
    identifier: 'orders',
    relation: { schema: 'raw', identifier: 'orders' },
    static: false,
    ...overrides,
  };
}

const parents = { 'model.shop.stg_orders': 'aaa' };

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined values', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[2,{"y":2,"z":1}]},"b":1}');
  });
});

describe('nodeFingerprint', () => {
  it('is a stable sha256', () => {
    const fp = nodeFingerprint(model(), parents);
    expect(fp).toMatch(/^[0-9a-f]{64}$/);
    expect(nodeFingerprint(model(), parents)).toBe(fp);
  });

  it('ignores key order in config and in the parents map', () => {
    const a = model({ config: config({ grants: { select: ['a'], insert: ['b'] }, column_types: { x: 'int', y: 'text' } }) });
    // Same content, every object built in the opposite key order.
    const reversed = Object.fromEntries(Object.entries(a.config).reverse()) as NodeConfig;
    reversed.grants = { insert: ['b'], select: ['a'] };
    reversed.column_types = { y: 'text', x: 'int' };
    const b = model({ config: reversed });
    expect(Object.keys(b.config)).not.toEqual(Object.keys(a.config));
    expect(nodeFingerprint(a, { x: '1', y: '2' })).toBe(nodeFingerprint(b, { y: '2', x: '1' }));
  });

  it('changes with the compiled SQL and the incremental SQL', () => {
    const base = nodeFingerprint(model(), parents);
    expect(nodeFingerprint(model({ compiledCode: 'select 1' }), parents)).not.toBe(base);
    expect(nodeFingerprint(model({ compiledIncrementalCode: 'select 2' }), parents)).not.toBe(base);
  });

  it('changes with materialization config but not with documentation-only config', () => {
    const base = nodeFingerprint(model(), parents);
    for (const change of [
      { materialized: 'view' },
      { unique_key: 'id' },
      { incremental_strategy: 'merge' },
      { on_schema_change: 'fail' },
      { post_hook: ['grant select on {{ this }} to bi'] },
      { indexes: [{ columns: ['id'] }] },
      { grants: { select: ['bi'] } },
      { schema: 'mart' },
      { alias: 'orders_v2' },
    ] as Array<Partial<NodeConfig>>) {
      expect(nodeFingerprint(model({ config: config(change) }), parents), JSON.stringify(change)).not.toBe(base);
    }
    expect(nodeFingerprint(model({ config: config({ tags: ['nightly'], meta: { owner: 'x' } }) }), parents)).toBe(base);
    expect(nodeFingerprint(model({ description: 'docs', checksum: 'raw-2' }), parents)).toBe(base);
  });

  it('changes with the relation', () => {
    expect(nodeFingerprint(model({ relation: { schema: 'mart', identifier: 'orders' } }), parents)).not.toBe(nodeFingerprint(model(), parents));
  });

  it('propagates a parent change through the chain', () => {
    const stg = model({ uniqueId: 'model.shop.stg_orders', compiledCode: 'select 1 as id' });
    const stgChanged = model({ uniqueId: 'model.shop.stg_orders', compiledCode: 'select 2 as id' });
    const orders = model();
    const report = model({ uniqueId: 'model.shop.report', compiledCode: 'select * from "analytics"."orders"' });
    const chain = (s: ModelNode) => {
      const fs = nodeFingerprint(s, {});
      const fo = nodeFingerprint(orders, { [s.uniqueId]: fs });
      return nodeFingerprint(report, { [orders.uniqueId]: fo });
    };
    expect(chain(stgChanged)).not.toBe(chain(stg));
  });

  it('falls back to the raw checksum when the model is not compiled yet', () => {
    const a = model({ compiledCode: undefined });
    expect(nodeFingerprint({ ...a, checksum: 'raw-2' }, parents)).not.toBe(nodeFingerprint(a, parents));
  });

  it('includes a seed file checksum and seed config', () => {
    const base = nodeFingerprint(seed(), {});
    expect(nodeFingerprint(seed({ checksum: 'csv-2' }), {})).not.toBe(base);
    expect(nodeFingerprint(seed({ config: config({ materialized: 'seed', column_types: { id: 'bigint' } }) }), {})).not.toBe(base);
    expect(nodeFingerprint(seed({ config: config({ materialized: 'seed', delimiter: ';' }) }), {})).not.toBe(base);
    expect(nodeFingerprint(seed({ config: config({ materialized: 'seed', quote_columns: true }) }), {})).not.toBe(base);
  });

  it('ignores a source description but not its relation or load block', () => {
    const base = nodeFingerprint(source(), {});
    expect(nodeFingerprint(source({ description: 'x', checksum: 'other' }), {})).toBe(base);
    expect(nodeFingerprint(source({ relation: { schema: 'raw2', identifier: 'orders' } }), {})).not.toBe(base);
    expect(nodeFingerprint(source({ load: { format: 'csv' } }), {})).not.toBe(base);
  });
});

describe('upToDate', () => {
  const state = (inputVersions: Record<string, string>): NodeState => ({
    uniqueId: 'model.shop.orders',
    relation: '"analytics"."orders"',
    resourceType: 'model',
    fingerprint: 'fp',
    dataVersion: 'r1:abc',
    inputVersions,
    builtAt: '2024-01-01 00:00:00+00',
    runId: 'r1',
  });

  it('needs a previous state, the same fingerprint and the same input versions', () => {
    expect(upToDate(undefined, 'fp', {})).toBe(false);
    expect(upToDate(state({ a: '1', b: '2' }), 'fp', { b: '2', a: '1' })).toBe(true);
    expect(upToDate(state({ a: '1' }), 'other', { a: '1' })).toBe(false);
    expect(upToDate(state({ a: '1' }), 'fp', { a: '2' })).toBe(false);
    expect(upToDate(state({ a: '1' }), 'fp', { a: '1', b: '2' })).toBe(false);
    expect(upToDate(state({ a: '1', b: '2' }), 'fp', { a: '1' })).toBe(false);
    expect(upToDate(state({ a: '1' }), 'fp', { b: '1' })).toBe(false);
  });
});

describe('data versions', () => {
  it('newDataVersion is unique and names the run', () => {
    const a = newDataVersion('run-1', 'model.shop.orders');
    const b = newDataVersion('run-1', 'model.shop.orders');
    expect(a).toMatch(/^run-1:[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
  });

  it('seeds follow their checksum; sources their load batch, or static, or the run', () => {
    expect(seedDataVersion({ checksum: 'abc' })).toBe('seed:abc');
    expect(sourceDataVersion({ static: false }, 'run-1', 'batch-7')).toBe('load:batch-7');
    expect(sourceDataVersion({ static: true }, 'run-1')).toBe(sourceDataVersion({ static: true }, 'run-2'));
    expect(sourceDataVersion({ static: false }, 'run-1')).not.toBe(sourceDataVersion({ static: false }, 'run-2'));
  });
});
