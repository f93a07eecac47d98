/**
 * What a run executes, as executor nodes: models, seeds, test groups and unit tests, with the
 * edges between them.
 *
 * In `build`, tests gate what comes after (test-gates.ts): the descendants of a model wait for
 * the model's tests, and a model waits for its unit tests, which run before it is built (they
 * need only its inputs' shapes, given as literal rows).
 */
import type { TestGroup } from '../data-tests/types.js';
import type { Manifest, ModelNode, SeedNode, SourceNode, UnitTestNode } from '../manifest/types.js';
import type { LoadSpec } from '../load/types.js';
import type { LoadableSource } from '../load/source-loading.js';
import { planTestGroups } from '../data-tests/groups.js';
import { addGates, splitForGates, type GateGroup } from './test-gates.js';
import { effectiveParents } from './run-context.js';

export type BuildableKind = 'load' | 'model' | 'seed' | 'test' | 'unit_test';

export type WorkItem =
  | { kind: 'model'; id: string; node: ModelNode; deps: string[] }
  | { kind: 'seed'; id: string; node: SeedNode; deps: string[] }
  /** readsBeyond: what its tests read that is not upstream of their model (test-gates.ts). */
  | { kind: 'tests'; id: string; group: TestGroup; deps: string[]; readsBeyond?: string[] }
  | { kind: 'unit'; id: string; node: UnitTestNode; deps: string[] }
  | { kind: 'load'; id: string; source: SourceNode; spec: LoadSpec; deps: string[] };

/**
 * `loadable`: the selected sources strata loads (loadableSources), when `kinds` has 'load'; the
 * caller imports the loader's planning only then.
 */
export function planWorkItems(
  manifest: Manifest, ids: Iterable<string>, kinds: ReadonlySet<BuildableKind>, gateOnTests: boolean, loadable: readonly LoadableSource[] = [],
): WorkItem[] {
  const items: WorkItem[] = [];
  const testIds: string[] = [];
  const selectedIds = [...ids];
  for (const id of selectedIds) {
    const n = manifest.nodes[id];
    if (!n) continue;
    if (n.resourceType === 'model' && kinds.has('model') && n.config.materialized !== 'ephemeral') items.push({ kind: 'model', id, node: n, deps: effectiveParents(manifest, n) });
    else if (n.resourceType === 'seed' && kinds.has('seed')) items.push({ kind: 'seed', id, node: n, deps: [] });
    else if (n.resourceType === 'test' && kinds.has('test')) testIds.push(id);
    else if (n.resourceType === 'unit_test' && kinds.has('unit_test')) {
      const model = manifest.nodes[n.dependsOn.nodes[0] ?? ''];
      // A unit test needs no upstream data: in build it only waits for nothing and gates its model.
      items.push({ kind: 'unit', id, node: n, deps: model && gateOnTests ? [] : n.dependsOn.nodes });
    }
  }
  if (kinds.has('load')) {
    for (const { node, spec } of loadable) items.push({ kind: 'load', id: node.uniqueId, source: node, spec, deps: [] });
  }
  const groups = planTestGroups(manifest, testIds);
  for (const { group, readsBeyond } of gateOnTests ? groups.flatMap((g) => splitForGates(manifest, g)) : groups.map((group): GateGroup => ({ group }))) {
    const deps = group.dependsOn.flatMap((d: string): string[] => [d, ...effectiveParentsIfEphemeral(manifest, d)]);
    items.push({ kind: 'tests', id: group.id, group, deps: [...new Set(deps)], ...(readsBeyond ? { readsBeyond } : {}) });
  }
  if (gateOnTests) addGates(manifest, items);
  throughUnexecuted(manifest, items);
  return items;
}

/**
 * Edges through nodes the run does not execute (unselected, excluded, ephemeral): a dependency
 * that is not an item is replaced by the nearest items above it in the manifest. Without this,
 * `strata build -s orders orders_merge`, where orders_merge reads the seed through an unselected
 * view, built the model first, from the seed's old rows, and a failed seed did not skip it. dbt
 * keeps these transitive edges when it takes a subgraph.
 */
function throughUnexecuted(manifest: Manifest, items: WorkItem[]): void {
  const members = new Set(items.map((i) => i.id));
  /** For a node that is not an item: the items it reads from, through any number of others. */
  const nearest = new Map<string, string[]>();
  const resolve = (start: string): string[] => {
    // Iterative post-order: a 10,000-model chain of unselected views must not blow the stack.
    const stack: Array<{ id: string; expanded: boolean }> = [{ id: start, expanded: false }];
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      if (nearest.has(top.id)) {
        stack.pop();
        continue;
      }
      const parents = manifest.parentMap[top.id] ?? [];
      if (!top.expanded) {
        top.expanded = true;
        for (const p of parents) if (!members.has(p) && !nearest.has(p)) stack.push({ id: p, expanded: false });
        continue;
      }
      stack.pop();
      const found = new Set<string>();
      for (const p of parents) {
        if (members.has(p)) found.add(p);
        else for (const m of nearest.get(p) ?? []) found.add(m);
      }
      nearest.set(top.id, [...found]);
    }
    return nearest.get(start)!;
  };
  for (const item of items) {
    if (item.deps.every((d) => members.has(d))) continue;
    const deps = new Set<string>();
    for (const d of item.deps) {
      if (members.has(d)) deps.add(d);
      else for (const m of resolve(d)) deps.add(m);
    }
    item.deps = [...deps];
  }
}

/** An ephemeral node is never built: whoever reads it waits for its parents instead. */
function effectiveParentsIfEphemeral(manifest: Manifest, id: string): string[] {
  const n = manifest.nodes[id];
  return n?.resourceType === 'model' && n.config.materialized === 'ephemeral' ? effectiveParents(manifest, n) : [];
}
