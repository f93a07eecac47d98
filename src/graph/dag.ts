/**
 * The dependency DAG of a manifest, and the walks selection needs on it.
 *
 * Nodes are every model, seed, test, unit test (manifest.nodes) and source table
 * (manifest.sources); macros are not part of the DAG (they never run on their own).
 * Edges go parent -> child, from each node's `dependsOn.nodes`; also from the node a generic
 * test is attached to and the model a unit test tests, should the parser not have listed
 * them in dependsOn, so a test is always downstream of what it tests (selection relies on it).
 */
import { Graph, alg } from '@dagrejs/graphlib';
import type { GraphNode, Manifest } from '../manifest/types.js';

export type { Graph };

/** The node a test tests, when it may be missing from dependsOn (see the module comment). */
function testedNode(node: GraphNode, manifest: Manifest): string | undefined {
  if (node.resourceType === 'test') return node.attachedNode;
  if (node.resourceType !== 'unit_test') return undefined;
  // `model` may be a unique id or a bare name in the unit test's own package.
  return manifest.nodes[node.model] ? node.model : `model.${node.packageName}.${node.model}`;
}

/** Builds the DAG. Dependencies on ids absent from the manifest are skipped, never invented. */
export function buildGraph(manifest: Manifest): Graph {
  const g = new Graph({ directed: true });
  for (const id of Object.keys(manifest.sources)) g.setNode(id);
  for (const id of Object.keys(manifest.nodes)) g.setNode(id);
  for (const [id, node] of Object.entries(manifest.nodes)) {
    for (const parent of node.dependsOn.nodes) {
      if (g.hasNode(parent)) g.setEdge(parent, id);
    }
    const tested = testedNode(node, manifest);
    if (tested !== undefined && tested !== id && g.hasNode(tested)) g.setEdge(tested, id);
  }
  return g;
}

type Step = (id: string) => string[] | undefined;

/**
 * Breadth-first walk from several start nodes at once, up to `depth` edges (undefined = no
 * limit). One multi-source walk instead of one per node keeps `@x` and `+tag:y` linear in the
 * size of the graph. Start nodes are only in the result when reachable from another start node.
 */
function walk(start: Iterable<string>, step: Step, depth?: number): Set<string> {
  const seen = new Set<string>();
  let frontier = [...start];
  for (let level = 0; frontier.length > 0 && (depth === undefined || level < depth); level++) {
    const next: string[] = [];
    for (const id of frontier) {
      for (const neighbour of step(id) ?? []) {
        if (!seen.has(neighbour)) {
          seen.add(neighbour);
          next.push(neighbour);
        }
      }
    }
    frontier = next;
  }
  return seen;
}

function startSet(id: string | Iterable<string>): Iterable<string> {
  return typeof id === 'string' ? [id] : id;
}

/** Everything upstream of `id` (or of each of several ids), at most `depth` edges away. */
export function ancestors(g: Graph, id: string | Iterable<string>, depth?: number): Set<string> {
  return walk(startSet(id), (v) => g.predecessors(v), depth);
}

/** Everything downstream of `id` (or of each of several ids), at most `depth` edges away. */
export function descendants(g: Graph, id: string | Iterable<string>, depth?: number): Set<string> {
  return walk(startSet(id), (v) => g.successors(v), depth);
}

/**
 * Nodes that can lie on a cycle: repeatedly strips nodes without parents and nodes without
 * children (Kahn's algorithm from both ends, iterative). On an acyclic project nothing is left,
 * so the common case never reaches graphlib's recursive Tarjan, which could overflow the stack
 * on a very long chain of models.
 */
function cyclicCore(g: Graph): Set<string> {
  const alive = new Set(g.nodes());
  const strip = (degree: Step, onward: Step): void => {
    const count = new Map<string, number>();
    const queue: string[] = [];
    for (const id of alive) {
      const n = (degree(id) ?? []).filter((p) => alive.has(p)).length;
      count.set(id, n);
      if (n === 0) queue.push(id);
    }
    for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
      alive.delete(id);
      for (const next of onward(id) ?? []) {
        if (!alive.has(next)) continue;
        const n = (count.get(next) ?? 0) - 1;
        count.set(next, n);
        if (n === 0) queue.push(next);
      }
    }
  };
  strip((v) => g.predecessors(v), (v) => g.successors(v));
  strip((v) => g.successors(v), (v) => g.predecessors(v));
  return alive;
}

/**
 * Shortest cycle through `start` inside one strongly connected component, as an ordered path
 * [start, ..., last] where last -> start closes the loop. Successors are visited in sorted
 * order so the same graph always yields the same path.
 */
function cycleThrough(g: Graph, start: string, component: Set<string>): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i] as string;
    for (const next of [...(g.successors(id) ?? [])].sort()) {
      if (next === start) {
        const path = [id];
        for (let p = previous.get(id); p !== undefined; p = previous.get(p)) path.push(p);
        return path.reverse();
      }
      if (component.has(next) && !previous.has(next)) {
        previous.set(next, id);
        queue.push(next);
      }
    }
  }
  return [start]; // unreachable for a real component; keeps the type total
}

/**
 * Every dependency cycle, one per strongly connected component, each as an ordered path
 * ([a, b, c] means a -> b -> c -> a) starting at the component's alphabetically first id.
 * A component can hold several elementary cycles; reporting the shortest one through a fixed
 * node is enough to show the user what to break. Cycles are sorted by their first id.
 */
export function findCycles(g: Graph): string[][] {
  const core = cyclicCore(g);
  if (core.size === 0) return [];
  const sub = g.filterNodes((v) => core.has(v));
  const cycles = alg.findCycles(sub).map((component) => {
    const members = new Set(component);
    const start = [...members].sort()[0] as string;
    return cycleThrough(sub, start, members);
  });
  return cycles.sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1));
}
