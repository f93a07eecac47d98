/**
 * Groups the selected data tests into the runner's DAG nodes (see types.ts): all generic tests
 * attached to one node form one group, so their column tests can share a scan of that node;
 * a singular test (free SQL over any relations) is a group of its own.
 */
import type { Manifest, TestNode } from '../manifest/types.js';
import type { TestGroup } from './types.js';

export const GROUP_PREFIX = 'tests:';

/**
 * Ids that are not data tests (models, unit tests, unknown ids) are ignored, so a caller can pass
 * the whole selection. Groups come sorted by id and their tests by id, so plans and logs do not
 * depend on the order of the selection.
 */
export function planTestGroups(manifest: Manifest, testIds: Iterable<string>): TestGroup[] {
  const byKey = new Map<string, { attachedNode?: string; tests: TestNode[] }>();
  for (const id of new Set(testIds)) {
    const node = manifest.nodes[id];
    if (!node || node.resourceType !== 'test') continue;
    const attached = node.testType === 'generic' ? node.attachedNode : undefined;
    const key = attached ? `${GROUP_PREFIX}${attached}` : node.uniqueId;
    let group = byKey.get(key);
    if (!group) {
      group = attached ? { attachedNode: attached, tests: [] } : { tests: [] };
      byKey.set(key, group);
    }
    group.tests.push(node);
  }
  const groups: TestGroup[] = [];
  for (const [id, g] of byKey) {
    const dependsOn = new Set<string>();
    // The attached node is read by every test of the group even if a test forgot to declare it.
    if (g.attachedNode) dependsOn.add(g.attachedNode);
    for (const t of g.tests) for (const d of t.dependsOn.nodes) dependsOn.add(d);
    groups.push({
      id,
      ...(g.attachedNode ? { attachedNode: g.attachedNode } : {}),
      testIds: g.tests.map((t) => t.uniqueId).sort(),
      dependsOn: [...dependsOn].sort(),
    });
  }
  return groups.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
