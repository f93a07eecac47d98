/**
 * The manifest: every resource of a project after parsing, as plain serialisable data.
 *
 * Unique ids follow dbt's convention so dbt users recognise them:
 *   model.<project>.<name>, seed.<project>.<name>, source.<project>.<source>.<table>,
 *   test.<project>.<test_name>, unit_test.<project>.<model>.<name>, macro.<project>.<name>.
 */
import type { SourceLocation } from '../errors/strata-error.js';

export type ResourceType = 'model' | 'seed' | 'source' | 'test' | 'unit_test' | 'macro';

export type Materialization = 'view' | 'table' | 'incremental' | 'ephemeral' | 'seed' | 'test';

export interface IndexConfig {
  columns: string[];
  unique?: boolean;
  type?: string;
}

/**
 * Resolved configuration of a node. Known keys are typed; any other key a user sets (dbt allows
 * arbitrary config, read back with `config.get`) is kept in the same object.
 */
export interface NodeConfig {
  enabled: boolean;
  materialized: Materialization;
  schema?: string;
  database?: string;
  alias?: string;
  tags: string[];
  unique_key?: string | string[];
  incremental_strategy?: 'append' | 'delete+insert' | 'merge';
  on_schema_change?: 'ignore' | 'fail' | 'append_new_columns' | 'sync_all_columns';
  pre_hook: string[];
  post_hook: string[];
  indexes: IndexConfig[];
  grants: Record<string, string[]>;
  full_refresh?: boolean;
  meta: Record<string, unknown>;
  // seeds
  column_types?: Record<string, string>;
  delimiter?: string;
  quote_columns?: boolean;
  // tests
  severity?: 'error' | 'warn';
  warn_if?: string;
  error_if?: string;
  where?: string;
  limit?: number;
  store_failures?: boolean;
  [key: string]: unknown;
}

export interface ColumnTestDef {
  /** Generic test name, possibly namespaced (`dbt_utils.accepted_range`). */
  name: string;
  /** Arguments as written (inline keys or under `arguments:`), without `config`. */
  args: Record<string, unknown>;
  /** Per-test config (severity, where, ...), from `config:` or legacy top-level keys. */
  config: Record<string, unknown>;
  location: SourceLocation;
}

export interface ColumnInfo {
  name: string;
  description: string;
  data_type?: string;
  tests: ColumnTestDef[];
  meta: Record<string, unknown>;
}

export interface RelationName {
  database?: string;
  schema: string;
  identifier: string;
}

export interface RefCall {
  name: string;
  package?: string;
  location?: SourceLocation;
}

export interface SourceCall {
  source: string;
  table: string;
  location?: SourceLocation;
}

interface NodeBase {
  uniqueId: string;
  resourceType: ResourceType;
  name: string;
  packageName: string;
  /** Path relative to the project root. */
  originalFilePath: string;
  /** Path relative to its resource path (model-paths etc.), used by `path:` and fqn. */
  path: string;
  /** Fully qualified name: [project, ...folders, name]. */
  fqn: string[];
  description: string;
  config: NodeConfig;
  tags: string[];
  /** Upstream unique ids (models, seeds, sources) and macros used. */
  dependsOn: { nodes: string[]; macros: string[] };
  /** sha256 of the raw file (or, for sources and generic tests, of their definition). */
  checksum: string;
  /** Where the resource is defined (the SQL file, or the YAML entry). */
  location: SourceLocation;
}

export interface ModelNode extends NodeBase {
  resourceType: 'model';
  rawCode: string;
  refs: RefCall[];
  sources: SourceCall[];
  columns: Record<string, ColumnInfo>;
  relation: RelationName;
  /** Vars and env vars the template read, with the values it saw (cache keys, state). */
  varsRead: Record<string, unknown>;
  envRead: Record<string, string | null>;
  /** Did the template call is_incremental()? If not, the incremental variant equals the full one. */
  usesIsIncremental: boolean;
  /** The template read `execute` (e.g. to call run_query): the runner renders it again with a connection. */
  needsRuntimeRender?: boolean;
  compiledCode?: string;
  /** Incremental models only: the SQL with is_incremental() true. */
  compiledIncrementalCode?: string;
  /** Property-file path that described it, if any. */
  patchPath?: string;
}

export interface SeedNode extends NodeBase {
  resourceType: 'seed';
  relation: RelationName;
  columns: Record<string, ColumnInfo>;
  patchPath?: string;
}

export interface SourceNode extends NodeBase {
  resourceType: 'source';
  sourceName: string;
  relation: RelationName;
  columns: Record<string, ColumnInfo>;
  loadedAtField?: string;
  freshness?: unknown;
  /** strata's `load:` block, with its templated strings rendered. */
  load?: Record<string, unknown>;
  /** Environment variables the `load:` block's templates read (part of the compile fingerprint). */
  envRead?: Record<string, string | null>;
  /** Declared `static: true`: treated as unchanged between runs by state-aware runs. */
  static: boolean;
  identifier: string;
}

export type TestType = 'generic' | 'singular';

export interface TestNode extends NodeBase {
  resourceType: 'test';
  testType: TestType;
  /**
   * Generic tests: the test name (`unique`, `relationships`, a custom one) and its arguments as
   * rendered when compiling (relations printed). `rawKwargs`, only on a test rendered again at run
   * time: the arguments as the property file wrote them (`ref('x')`, `{{ ... }}`), which that
   * render evaluates again, as dbt does.
   */
  testMetadata?: { name: string; namespace?: string; kwargs: Record<string, unknown>; rawKwargs?: Record<string, unknown> };
  /** The node this test is attached to (generic tests), and the column if any. */
  attachedNode?: string;
  columnName?: string;
  rawCode: string;
  refs: RefCall[];
  sources: SourceCall[];
  compiledCode?: string;
  /**
   * The template (or a generic test's macro or arguments) read `execute`, `run_started_at`,
   * `invocation_id` or `modules`: the runner renders it again when the test runs.
   */
  needsRuntimeRender?: boolean;
  /** Environment variables its SQL read, when any (part of the compile fingerprint). */
  envRead?: Record<string, string | null>;
}

export interface UnitTestNode extends NodeBase {
  resourceType: 'unit_test';
  model: string;
  given: Array<{ input: string; rows?: unknown; format?: string; fixture?: string }>;
  expect: { rows?: unknown; format?: string; fixture?: string };
  overrides?: { vars?: Record<string, unknown>; macros?: Record<string, unknown>; env_vars?: Record<string, unknown> };
}

export interface MacroNode {
  uniqueId: string;
  resourceType: 'macro';
  name: string;
  packageName: string;
  originalFilePath: string;
  location: SourceLocation;
  /** `{% test x %}` definitions are stored as macros named `test_x`. */
  isTest: boolean;
  argNames: string[];
  description: string;
  checksum: string;
}

export type GraphNode = ModelNode | SeedNode | SourceNode | TestNode | UnitTestNode;
export type AnyNode = GraphNode | MacroNode;

export interface DocBlock {
  name: string;
  content: string;
  location: SourceLocation;
}

export interface Manifest {
  metadata: {
    strataVersion: string;
    projectName: string;
    generatedAt: string;
    /** Hash of everything the manifest was built from (files, vars, env read). */
    inputsHash: string;
    targetName: string;
  };
  nodes: Record<string, ModelNode | SeedNode | TestNode | UnitTestNode>;
  sources: Record<string, SourceNode>;
  macros: Record<string, MacroNode>;
  docs: Record<string, DocBlock>;
  /** unique id -> direct parents / children (models, seeds, sources, tests). */
  parentMap: Record<string, string[]>;
  childMap: Record<string, string[]>;
  /** Disabled resources by unique id (kept so a ref to one gets a precise error). */
  disabled: Record<string, { uniqueId: string; resourceType: ResourceType; originalFilePath: string }>;
  selectors: Record<string, unknown>;
}
