/**
 * Lookup structures built once per selection call, so that each criterion costs one linear
 * scan (or less) and nothing is quadratic in the number of nodes. Built from the graph's node
 * list so selection can never return an id the graph (and therefore the runner) does not know.
 *
 * Kept deliberately lean (parallel arrays; anything else derived lazily, on demand): with
 * 40,000 nodes, even one Map entry or Set per node costs more than evaluating a selection.
 * Tests are found through the graph, whose edges include what each test tests (see dag.ts).
 */
import type { Graph } from './dag.js';
import type { GraphNode, Manifest } from '../manifest/types.js';

export interface NodeIndex {
  manifest: Manifest;
  graph: Graph;
  /** Every graph node id and, at the same position, its node. */
  ids: string[];
  list: GraphNode[];
  /** Lazily filled: path strings a `path:` value is compared with, per node. */
  pathCandidates: Map<string, string[]>;
}

export function nodeOf(index: NodeIndex, id: string): GraphNode | undefined {
  return index.manifest.nodes[id] ?? index.manifest.sources[id];
}

/**
 * Is this the id of a test or unit test? Read from the id's prefix, which the manifest's id
 * convention fixes (test.<project>.<name>, unit_test.<project>.<model>.<name>): looking nodes
 * up in a 40,000-key object for every child of every selected node was the slowest step.
 */
export function isTestId(id: string): boolean {
  return id.startsWith('test.') || id.startsWith('unit_test.');
}

/** Tests (and unit tests) that have `id` as a parent. */
export function testsOf(index: NodeIndex, id: string): string[] {
  return (index.graph.successors(id) ?? []).filter(isTestId);
}

/** The nodes a test depends on, i.e. what must all be selected for cautious selection. */
export function testParents(index: NodeIndex, testId: string): string[] {
  return index.graph.predecessors(testId) ?? [];
}

export function buildNodeIndex(manifest: Manifest, graph: Graph): NodeIndex {
  const ids: string[] = [];
  const list: GraphNode[] = [];
  for (const id of graph.nodes()) {
    const node = manifest.nodes[id] ?? manifest.sources[id];
    if (!node) continue;
    ids.push(id);
    list.push(node);
  }
  return { manifest, graph, ids, list, pathCandidates: new Map() };
}
