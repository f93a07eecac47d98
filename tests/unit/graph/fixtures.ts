/**
 * Tiny manifest factory for graph / selection tests: nodes with sensible defaults, built from
 * a few fields. Ids follow the manifest's conventions (model.<pkg>.<name>, ...).
 */
import type {
  GraphNode,
  Manifest,
  MacroNode,
  ModelNode,
  NodeConfig,
  SeedNode,
  SourceNode,
  TestNode,
  UnitTestNode,
} from '../../../src/manifest/types.js';

export const PROJECT = 'shop';

export const modelId = (name: string, pkg = PROJECT): string => `model.${pkg}.${name}`;
export const seedId = (name: string, pkg = PROJECT): string => `seed.${pkg}.${name}`;
export const sourceId = (source: string, table: string, pkg = PROJECT): string => `source.${pkg}.${source}.${table}`;
export const testId = (name: string, pkg = PROJECT): string => `test.${pkg}.${name}`;
export const macroId = (name: string, pkg = PROJECT): string => `macro.${pkg}.${name}`;

export interface CommonOpts {
  pkg?: string;
  /** Folders under the resource path, e.g. ['marts', 'finance']. */
  folders?: string[];
  deps?: string[];
  macros?: string[];
  tags?: string[];
  config?: Partial<NodeConfig>;
  checksum?: string;
}

function config(overrides: Partial<NodeConfig> = {}, tags: string[] = []): NodeConfig {
  return {
    enabled: true,
    materialized: 'view',
    tags,
    pre_hook: [],
    post_hook: [],
    indexes: [],
    grants: {},
    meta: {},
    ...overrides,
  } as NodeConfig;
}

function base(kind: string, name: string, file: string, resourceDir: string, o: CommonOpts) {
  const pkg = o.pkg ?? PROJECT;
  const folders = o.folders ?? [];
  const path = [...folders, file].join('/');
  const root = pkg === PROJECT ? '' : `dbt_packages/${pkg}/`;
  const tags = o.tags ?? [];
  return {
    uniqueId: `${kind}.${pkg}.${name}`,
    name,
    packageName: pkg,
    originalFilePath: `${root}${resourceDir}/${path}`,
    path,
    fqn: [pkg, ...folders, name],
    description: '',
    config: config(o.config, tags),
    tags,
    dependsOn: { nodes: o.deps ?? [], macros: o.macros ?? [] },
    checksum: o.checksum ?? `sum-${name}`,
    location: { file: `${resourceDir}/${path}`, line: 1, column: 1 },
  };
}

const relation = (name: string) => ({ schema: 'analytics', identifier: name });

export function model(name: string, o: CommonOpts & { patchPath?: string } = {}): ModelNode {
  const node: ModelNode = {
    ...base('model', name, `${name}.sql`, 'models', o),
    resourceType: 'model',
    rawCode: 'select 1',
    refs: [],
    sources: [],
    columns: {},
    relation: relation(name),
    varsRead: {},
    envRead: {},
    usesIsIncremental: false,
  };
  if (o.patchPath) node.patchPath = o.patchPath;
  return node;
}

export function seed(name: string, o: CommonOpts = {}): SeedNode {
  const b = base('seed', name, `${name}.csv`, 'seeds', { ...o, config: { materialized: 'seed', ...o.config } });
  return { ...b, resourceType: 'seed', relation: relation(name), columns: {} };
}

export function source(sourceName: string, table: string, o: CommonOpts = {}): SourceNode {
  const pkg = o.pkg ?? PROJECT;
  const b = base('source', table, 'sources.yml', 'models', o);
  return {
    ...b,
    uniqueId: sourceId(sourceName, table, pkg),
    fqn: [pkg, ...(o.folders ?? []), sourceName, table],
    resourceType: 'source',
    sourceName,
    relation: relation(table),
    columns: {},
    static: false,
    identifier: table,
  };
}

export interface TestOpts extends CommonOpts {
  /** Generic tests: the test macro name (`unique`) and the node it is attached to. */
  generic?: string;
  attachedNode?: string;
}

export function dataTest(name: string, o: TestOpts = {}): TestNode {
  const file = o.generic ? 'schema.yml' : `${name}.sql`;
  const b = base('test', name, file, o.generic ? 'models' : 'tests', { ...o, config: { materialized: 'test', ...o.config } });
  const node: TestNode = {
    ...b,
    resourceType: 'test',
    testType: o.generic ? 'generic' : 'singular',
    rawCode: '',
    refs: [],
    sources: [],
  };
  if (o.generic) node.testMetadata = { name: o.generic, kwargs: {} };
  if (o.attachedNode) node.attachedNode = o.attachedNode;
  return node;
}

export function unitTest(name: string, modelName: string, o: CommonOpts = {}): UnitTestNode {
  const b = base('unit_test', name, 'unit.yml', 'models', { deps: [modelId(modelName, o.pkg)], ...o });
  return {
    ...b,
    uniqueId: `unit_test.${o.pkg ?? PROJECT}.${modelName}.${name}`,
    resourceType: 'unit_test',
    model: modelName,
    given: [],
    expect: { rows: [] },
  };
}

export function macro(name: string, checksum = `sum-${name}`): MacroNode {
  return {
    uniqueId: macroId(name),
    resourceType: 'macro',
    name,
    packageName: PROJECT,
    originalFilePath: `macros/${name}.sql`,
    location: { file: `macros/${name}.sql`, line: 1, column: 1 },
    isTest: false,
    argNames: [],
    description: '',
    checksum,
  };
}

export function makeManifest(nodes: GraphNode[], macros: MacroNode[] = []): Manifest {
  const manifest: Manifest = {
    metadata: { strataVersion: '0.0.0', projectName: PROJECT, generatedAt: '', inputsHash: '', targetName: 'dev' },
    nodes: {},
    sources: {},
    macros: Object.fromEntries(macros.map((m) => [m.uniqueId, m])),
    docs: {},
    parentMap: {},
    childMap: {},
    disabled: {},
    selectors: {},
  };
  for (const node of nodes) {
    if (node.resourceType === 'source') manifest.sources[node.uniqueId] = node;
    else manifest.nodes[node.uniqueId] = node;
  }
  return manifest;
}

/** Readable names for assertions: sources as `source.table`, everything else by name. */
export function names(manifest: Manifest, ids: Iterable<string>): string[] {
  return [...ids]
    .map((id) => {
      const node = manifest.nodes[id] ?? manifest.sources[id];
      if (!node) return `?${id}`;
      return node.resourceType === 'source' ? `${node.sourceName}.${node.name}` : node.name;
    })
    .sort();
}

/**
 * The shared test project:
 *
 *   raw.orders -> stg_orders ----\
 *   raw.customers -> stg_customers -> orders -> customers
 *   country_codes (seed) ---------/       \-> revenue (marts/finance)
 *   other_src.events -> stg_events (staging/events)
 *   utils package: pkg_model (no deps)
 *
 * Tests: not_null_orders_id, unique_customers_id, relationships_orders_customers (orders and
 * customers), assert_revenue_positive (singular, tag slow), orders_unit (unit test of orders).
 */
export function shopProject(): Manifest {
  return makeManifest(
    [
      source('raw', 'orders'),
      source('raw', 'customers'),
      source('other_src', 'events', { folders: ['staging'] }),
      seed('country_codes'),
      model('stg_orders', { folders: ['staging'], deps: [sourceId('raw', 'orders')], tags: ['staging'] }),
      model('stg_customers', { folders: ['staging'], deps: [sourceId('raw', 'customers')], tags: ['staging'] }),
      model('stg_events', { folders: ['staging', 'events'], deps: [sourceId('other_src', 'events')] }),
      model('orders', {
        folders: ['marts'],
        deps: [modelId('stg_orders'), modelId('stg_customers'), seedId('country_codes')],
        tags: ['nightly'],
        config: { materialized: 'table' },
        macros: [macroId('cents_to_dollars')],
        patchPath: 'shop://models/marts/_marts.yml',
      }),
      model('customers', {
        folders: ['marts'],
        deps: [modelId('stg_customers'), modelId('orders')],
        tags: ['nightly', 'finance'],
        config: { materialized: 'incremental', unique_key: ['id', 'region'], meta: { owner: 'alice' }, full_refresh: false },
      }),
      model('revenue', { folders: ['marts', 'finance'], deps: [modelId('orders')], tags: ['finance'], config: { materialized: 'table' } }),
      model('pkg_model', { pkg: 'utils' }),
      dataTest('not_null_orders_id', { generic: 'not_null', attachedNode: modelId('orders'), deps: [modelId('orders')] }),
      dataTest('unique_customers_id', { generic: 'unique', attachedNode: modelId('customers'), deps: [modelId('customers')] }),
      dataTest('relationships_orders_customers', {
        generic: 'relationships',
        attachedNode: modelId('orders'),
        deps: [modelId('orders'), modelId('customers')],
      }),
      dataTest('assert_revenue_positive', { deps: [modelId('revenue')], tags: ['slow'] }),
      unitTest('orders_unit', 'orders'),
    ],
    [macro('cents_to_dollars')],
  );
}
