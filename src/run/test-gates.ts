/**
 * The gates of `strata build`: a model or seed waits for the tests of its parents (an
 * error-severity failure skips it; warnings do not), and for its own unit tests.
 *
 * As in dbt, a test gates a node only when everything the test reads is upstream of that node.
 * Most tests read their model alone, and gate all its descendants. A test that also reads a node
 * that is not upstream of its model (a relationships test to a sibling, or pointing downstream)
 * gates only the descendants that read that node too: another descendant would wait for a node it
 * does not read, or, when the node is downstream of it, close a cycle. Such a test runs in a test
 * group of its own (splitForGates): in one group with the model's other tests, the group could not
 * gate, and one relationships test took the gate away from every test of its model.
 */
import type { TestGroup } from '../data-tests/types.js';
import type { Manifest } from '../manifest/types.js';
import type { WorkItem } from './work-items.js';

function ancestorsOrSelf(manifest: Manifest, id: string): Set<string> {
  const out = new Set([id]);
  const queue = [id];
  for (let i = 0; i < queue.length; i++) {
    for (const p of manifest.parentMap[queue[i]!] ?? []) {
      if (!out.has(p)) {
        out.add(p);
        queue.push(p);
      }
    }
  }
  return out;
}

/** A test group, and what its tests read that is not upstream of their model (none: every descendant may wait for it). */
export interface GateGroup {
  group: TestGroup;
  readsBeyond?: string[];
}

/**
 * The tests of one model that read only it and its ancestors (one group, under the group's id),
 * and, apart, those that also read other nodes: one group per set of such nodes, with the id
 * `<group id>+<node>+...`. A group with nothing beyond its model is returned as is.
 */
export function splitForGates(manifest: Manifest, group: TestGroup): GateGroup[] {
  const model = group.attachedNode;
  if (!model) return [{ group }];
  let upstream: Set<string> | undefined; // computed only for a test reading another node
  const beyondOf = (testId: string): string[] => {
    const deps = manifest.nodes[testId]?.dependsOn.nodes ?? [];
    const others = deps.filter((d) => d !== model);
    if (!others.length) return [];
    upstream ??= ancestorsOrSelf(manifest, model);
    return [...new Set(others.filter((d) => !upstream!.has(d)))].sort();
  };
  const byBeyond = new Map<string, { beyond: string[]; testIds: string[] }>();
  for (const id of group.testIds) {
    const beyond = beyondOf(id);
    const key = beyond.join('+');
    const entry = byBeyond.get(key) ?? { beyond, testIds: [] };
    entry.testIds.push(id);
    byBeyond.set(key, entry);
  }
  if (byBeyond.size === 1 && byBeyond.has('')) return [{ group }];
  return [...byBeyond.entries()].map(([key, { beyond, testIds }]) => {
    const dependsOn = new Set([model]);
    for (const id of testIds) for (const d of manifest.nodes[id]?.dependsOn.nodes ?? []) dependsOn.add(d);
    const part: TestGroup = { id: key ? `${group.id}+${key}` : group.id, attachedNode: model, testIds, dependsOn: [...dependsOn].sort() };
    return beyond.length ? { group: part, readsBeyond: beyond } : { group: part };
  });
}

/** Adds the gates to the models' and seeds' dependencies (in `build`). */
export function addGates(manifest: Manifest, items: WorkItem[]): void {
  const groupsOf = new Map<string, Array<Extract<WorkItem, { kind: 'tests' }>>>();
  const unitsOf = new Map<string, string[]>();
  for (const item of items) {
    if (item.kind === 'tests' && item.group.attachedNode) groupsOf.set(item.group.attachedNode, [...(groupsOf.get(item.group.attachedNode) ?? []), item]);
    if (item.kind === 'unit') {
      const model = item.node.dependsOn.nodes[0] ?? '';
      unitsOf.set(model, [...(unitsOf.get(model) ?? []), item.id]);
    }
  }
  for (const item of items) {
    if (item.kind !== 'model' && item.kind !== 'seed') continue;
    const extra: string[] = [...(unitsOf.get(item.id) ?? [])];
    let upstream: Set<string> | undefined;
    for (const parent of item.deps) {
      for (const tests of groupsOf.get(parent) ?? []) {
        // Everything the tests read must be upstream of the item (strictly: the item itself would be a cycle).
        const gates = !tests.readsBeyond || tests.readsBeyond.every((d) => d !== item.id && (upstream ??= ancestorsOrSelf(manifest, item.id)).has(d));
        if (gates) extra.push(tests.id);
      }
    }
    item.deps = [...new Set([...item.deps, ...extra])];
  }
}
