/** LoadSpec / SourceNode builders shared by the load tests. */
import type { SourceNode } from '../../../src/manifest/types.js';
import type { LoadSpec } from '../../../src/load/types.js';

export function loadSpec(overrides: Partial<LoadSpec> = {}): LoadSpec {
  const columns = overrides.columns ?? ['a', 'b', 'c'];
  return {
    files: [],
    format: 'delimited',
    delimiter: '|',
    quote: null,
    header: false,
    encoding: 'utf8',
    nullValues: [''],
    columns,
    minColumns: columns.length,
    extraColumns: 'error',
    onBadRow: 'quarantine',
    maxBadRows: 100,
    allowEmpty: false,
    ...overrides,
  };
}

/** A source node as the compiler would produce it, with a verbatim `load:` block. */
export function sourceNode(name: string, load: Record<string, unknown> | undefined, opts: { schema?: string; columns?: string[] } = {}): SourceNode {
  const columns = Object.fromEntries((opts.columns ?? []).map((c) => [c, { name: c, description: '', tests: [], meta: {} }]));
  return {
    uniqueId: `source.proj.raw.${name}`,
    resourceType: 'source',
    name,
    packageName: 'proj',
    originalFilePath: 'models/sources.yml',
    path: 'sources.yml',
    fqn: ['proj', 'raw', name],
    description: '',
    config: { enabled: true, materialized: 'view', tags: [], pre_hook: [], post_hook: [], indexes: [], grants: {}, meta: {} },
    tags: [],
    dependsOn: { nodes: [], macros: [] },
    checksum: 'x',
    location: { file: 'models/sources.yml', line: 7, column: 7 },
    sourceName: 'raw',
    relation: { schema: opts.schema ?? 'raw', identifier: name },
    columns,
    ...(load ? { load } : {}),
    static: false,
    identifier: name,
  };
}
