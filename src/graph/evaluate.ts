/**
 * Evaluates a SelectionSpec against the graph, following dbt's NodeSelector exactly so results
 * match dbt's: every criterion first matches its method, then adds its graph neighbours, then
 * expands to tests ("indirect selection"); set operations then combine the per-criterion sets.
 *
 * Doing the test expansion per criterion (not once at the end) is what makes dbt idioms work:
 * `--select "tag:nightly,test_type:generic"` = generic tests of nightly models, because the
 * tag criterion already pulled those tests in before the intersection.
 *
 * Exclusion follows from the same rule, and this is the one place where intuitions differ:
 * an `--exclude` criterion also expands to tests, so in the default eager mode a test is
 * excluded as soon as ANY of its parents is excluded (dbt: "dbt test --exclude orders" skips
 * every test touching orders, relationships tests from other models included). In cautious
 * mode the exclusion only takes tests whose parents are ALL excluded.
 */
import { ancestors, descendants } from './dag.js';
import { matchCriterion, type MethodContext } from './selector-methods.js';
import { testParents, testsOf, type NodeIndex } from './node-index.js';
import type { IndirectSelection, SelectionBundle, SelectionCriterion, SelectionSpec } from './selection-spec.js';

export type { SelectionBundle };

export interface EvalContext extends MethodContext {
  index: NodeIndex;
  mode: IndirectSelection;
  /** Criteria that matched nothing, collected for a warning (a typo would otherwise select nothing silently). */
  unmatched?: SelectionCriterion[];
}

function isSubset(a: Iterable<string>, b: Set<string>): boolean {
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

/** `@`, `+`, `N+`, `+N` around an already matched set (dbt's collect_specified_neighbors). */
function addNeighbours(ctx: EvalContext, c: SelectionCriterion, matched: Set<string>): Set<string> {
  const g = ctx.index.graph;
  const out = new Set(matched);
  const add = (ids: Iterable<string>): void => {
    for (const id of ids) out.add(id);
  };
  if (c.childrensParents) {
    const family = new Set([...matched, ...descendants(g, matched)]);
    add(family);
    add(ancestors(g, family));
  }
  if (c.parents) add(ancestors(g, matched, c.parentsDepth));
  if (c.children) add(descendants(g, matched, c.childrenDepth));
  return out;
}

/** Everything `selected` builds from, plus all sources (dbt's "buildable" yardstick). */
function buildableSet(ctx: EvalContext, selected: Set<string>): Set<string> {
  const out = new Set([...selected, ...ancestors(ctx.index.graph, selected)]);
  for (const id of Object.keys(ctx.index.manifest.sources)) out.add(id);
  return out;
}

/** dbt's expand_selection: pull in tests whose parents are selected, per the mode. */
function expandToTests(ctx: EvalContext, selected: Set<string>, mode: IndirectSelection): SelectionBundle {
  const direct = new Set(selected);
  const indirect = new Set<string>();
  if (mode === 'empty') return { direct, indirect };
  const buildable = mode === 'buildable' ? buildableSet(ctx, selected) : undefined;
  for (const id of selected) {
    for (const test of testsOf(ctx.index, id)) {
      if (direct.has(test)) continue;
      if (mode === 'eager') {
        direct.add(test);
        continue;
      }
      const parents = testParents(ctx.index, test);
      if (isSubset(parents, selected) || (buildable && isSubset(parents, buildable))) {
        direct.add(test);
      } else {
        indirect.add(test);
      }
    }
  }
  return { direct, indirect };
}

/** dbt's incorporate_indirect_nodes: held-back tests whose parents are now all selected. */
function incorporate(ctx: EvalContext, bundle: SelectionBundle, mode: IndirectSelection): Set<string> {
  if (mode !== 'cautious' && mode !== 'buildable') return bundle.direct;
  const selected = new Set(bundle.direct);
  const yardstick = mode === 'buildable' ? buildableSet(ctx, bundle.direct) : bundle.direct;
  for (const id of bundle.indirect) {
    if (isSubset(testParents(ctx.index, id), yardstick)) selected.add(id);
  }
  return selected;
}

function combine(kind: 'union' | 'intersection' | 'difference', sets: Set<string>[]): Set<string> {
  const [first = new Set<string>(), ...rest] = sets;
  if (kind === 'union') return new Set(sets.flatMap((s) => [...s]));
  if (kind === 'difference') {
    const out = new Set(first);
    for (const s of rest) for (const id of s) out.delete(id);
    return out;
  }
  const out = new Set<string>();
  for (const id of first) if (rest.every((s) => s.has(id))) out.add(id);
  return out;
}

function evaluateCriterion(ctx: EvalContext, c: SelectionCriterion): SelectionBundle {
  // A bare `selector:NAME` is that selector's own result: expanding it to tests again would
  // undo the selector's exclusions and its indirect_selection setting.
  if (c.method === 'selector' && !c.parents && !c.children && !c.childrensParents && ctx.resolveSelector) {
    return ctx.resolveSelector(c.value, c.raw);
  }
  const matched = matchCriterion(ctx.index, c, ctx);
  return expandToTests(ctx, addNeighbours(ctx, c, matched), c.indirectSelection ?? ctx.mode);
}

/** dbt's select_nodes_recursively. The caller keeps `direct` as the selection. */
export function evaluateSpec(ctx: EvalContext, spec: SelectionSpec): SelectionBundle {
  if (spec.kind === 'all') return { direct: new Set(ctx.index.ids), indirect: new Set() };
  if (spec.kind === 'criterion') {
    const bundle = evaluateCriterion(ctx, spec);
    if (bundle.direct.size === 0 && bundle.indirect.size === 0) ctx.unmatched?.push(spec);
    return bundle;
  }
  const parts = spec.kind === 'difference' ? [spec.include, spec.exclude] : spec.items;
  const bundles = parts.map((p) => evaluateSpec(ctx, p));
  const direct = combine(
    spec.kind,
    bundles.map((b) => b.direct),
  );
  const indirect = combine(
    spec.kind,
    bundles.map((b) => new Set([...b.direct, ...b.indirect])),
  );
  const mode = spec.indirectSelection ?? ctx.mode;
  return { direct: incorporate(ctx, { direct, indirect }, mode), indirect };
}
