/**
 * Small ModelNode / RelationState / options factories for the materialization tests (unit and
 * integration).
 */
import type { ModelNode, NodeConfig, RelationName } from '../../../src/manifest/types.js';
import type { ColumnState, MaterializationOptions, RelationState } from '../../../src/materializations/types.js';

export interface ModelOpts {
  name?: string;
  schema?: string;
  sql?: string;
  incrementalSql?: string;
  config?: Partial<NodeConfig>;
}

export function model(o: ModelOpts = {}): ModelNode {
  const name = o.name ?? 'orders';
  const node: ModelNode = {
    uniqueId: `model.shop.${name}`,
    resourceType: 'model',
    name,
    packageName: 'shop',
    originalFilePath: `models/${name}.sql`,
    path: `${name}.sql`,
    fqn: ['shop', name],
    description: '',
    config: { enabled: true, materialized: 'view', tags: [], pre_hook: [], post_hook: [], indexes: [], grants: {}, meta: {}, ...o.config } as NodeConfig,
    tags: [],
    dependsOn: { nodes: [], macros: [] },
    checksum: 'x',
    location: { file: `models/${name}.sql`, line: 1, column: 1 },
    rawCode: o.sql ?? 'select 1 as id',
    refs: [],
    sources: [],
    columns: {},
    relation: { schema: o.schema ?? 'analytics', identifier: name },
    varsRead: {},
    envRead: {},
    usesIsIncremental: o.incrementalSql !== undefined,
    compiledCode: o.sql ?? 'select 1 as id',
  };
  if (o.incrementalSql !== undefined) node.compiledIncrementalCode = o.incrementalSql;
  return node;
}

export const relationOf = (node: ModelNode): RelationName => node.relation;

/** `cols('id integer', 'name text')` → ColumnState[]. */
export function cols(...specs: string[]): ColumnState[] {
  return specs.map((s) => {
    const i = s.indexOf(' ');
    return { name: s.slice(0, i), type: s.slice(i + 1) };
  });
}

export function options(o: Partial<MaterializationOptions> = {}): MaterializationOptions {
  return { fullRefresh: false, supportsMerge: true, runId: 'run-1', ...o };
}

export const missing: RelationState = { exists: false };

export function existing(kind: NonNullable<RelationState['kind']>, columns?: ColumnState[], dependentViews: RelationState['dependentViews'] = []): RelationState {
  return { exists: true, kind, ...(columns ? { columns } : {}), dependentViews };
}
