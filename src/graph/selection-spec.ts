/**
 * The parsed form of a selection: what `--select`, `--exclude` and selectors.yml turn into
 * before anything is evaluated against a manifest. Mirrors dbt's SelectionSpec tree (criteria
 * combined by union, intersection and difference) so dbt's evaluation rules carry over as-is.
 */

/** Selection methods strata supports (dbt names). `selector` reuses a named YAML selector. */
export const SELECTOR_METHODS = [
  'fqn',
  'tag',
  'source',
  'resource_type',
  'path',
  'file',
  'package',
  'config',
  'test_type',
  'test_name',
  'state',
  'selector',
] as const;

export type SelectorMethodName = (typeof SELECTOR_METHODS)[number];

/** How tests attached to selected nodes are pulled in (dbt's --indirect-selection). */
export type IndirectSelection = 'eager' | 'cautious' | 'buildable' | 'empty';

export const INDIRECT_SELECTION_MODES: readonly IndirectSelection[] = ['eager', 'cautious', 'buildable', 'empty'];

/** Values accepted by the methods whose values form a closed set (checked while parsing). */
export const RESOURCE_TYPE_VALUES = ['model', 'seed', 'source', 'test', 'unit_test'] as const;
export const TEST_TYPE_VALUES = ['generic', 'singular', 'unit', 'data'] as const;
export const STATE_VALUES = [
  'new',
  'old',
  'modified',
  'unmodified',
  'modified.body',
  'modified.configs',
  'modified.relation',
  'modified.macros',
] as const;

/** One selection criterion: a method match plus graph operators, e.g. `2+tag:nightly+`. */
export interface SelectionCriterion {
  kind: 'criterion';
  /** The text as written, for messages. */
  raw: string;
  method: SelectorMethodName;
  /** Extra method arguments: the config key path of `config.meta.owner` -> ['meta', 'owner']. */
  methodArgs: string[];
  value: string;
  /** `+x`: ancestors; depth undefined = unlimited. */
  parents: boolean;
  parentsDepth?: number;
  /** `x+`: descendants; depth undefined = unlimited. */
  children: boolean;
  childrenDepth?: number;
  /** `@x`: x, its descendants, and every ancestor of those. */
  childrensParents: boolean;
  /** Overrides the mode in force for this criterion (YAML `indirect_selection:`). */
  indirectSelection?: IndirectSelection;
}

export interface SelectionSetOp {
  kind: 'union' | 'intersection';
  items: SelectionSpec[];
  raw?: string;
  indirectSelection?: IndirectSelection;
}

/** `include` minus `exclude`. */
export interface SelectionDifference {
  kind: 'difference';
  include: SelectionSpec;
  exclude: SelectionSpec;
  raw?: string;
  indirectSelection?: IndirectSelection;
}

/** The outcome of evaluating a spec: nodes selected outright, and tests held back until all
 * their parents are selected (cautious / buildable indirect selection). */
export interface SelectionBundle {
  direct: Set<string>;
  indirect: Set<string>;
}

/** Every node of the graph (an empty --select). */
export interface SelectionAll {
  kind: 'all';
}

export type SelectionSpec = SelectionCriterion | SelectionSetOp | SelectionDifference | SelectionAll;
