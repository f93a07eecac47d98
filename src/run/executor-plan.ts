/**
 * The static part of the DAG executor: the edges restricted to the nodes being run, a
 * topological order (which doubles as the cycle check) and each node's priority, plus the
 * ready queue. Kept apart from executor.ts so the scheduling loop there stays short.
 *
 * Everything is iterative: a 10,000-model chain must not blow the call stack.
 */
import { StrataError } from '../errors/strata-error.js';

export interface DagPlan {
  /** Unique ids in the order the caller gave them (duplicates dropped). */
  ids: string[];
  parents: Map<string, string[]>;
  children: Map<string, string[]>;
  /**
   * Longest path from this node to a leaf of the sub-graph, the node included, each node counting
   * its weight (1 each by default: the path in nodes, a leaf has 1).
   */
  priority: Map<string, number>;
}

export function buildPlan(nodes: readonly string[], dependsOn: (id: string) => readonly string[], weight: (id: string) => number = () => 1): DagPlan {
  const ids = [...new Set(nodes)];
  const members = new Set(ids);
  const parents = new Map<string, string[]>();
  const children = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const id of ids) {
    // Only edges inside the set count: a parent that is not being run (unselected, or a
    // source) is assumed to exist already, which is what `strata run -s x` means.
    const own = [...new Set(dependsOn(id))].filter((p) => members.has(p));
    parents.set(id, own);
    for (const p of own) children.get(p)?.push(id);
  }
  const order = topologicalOrder(ids, parents, children);
  return { ids, parents, children, priority: longestPathToLeaf(order, children, weight) };
}

/** Kahn's algorithm. Nodes left over sit on (or behind) a cycle, which would never become ready. */
function topologicalOrder(ids: string[], parents: Map<string, string[]>, children: Map<string, string[]>): string[] {
  const waiting = new Map(ids.map((id) => [id, parents.get(id)?.length ?? 0]));
  const order = ids.filter((id) => waiting.get(id) === 0);
  for (let i = 0; i < order.length; i++) {
    for (const child of children.get(order[i] as string) ?? []) {
      const left = (waiting.get(child) ?? 0) - 1;
      waiting.set(child, left);
      if (left === 0) order.push(child);
    }
  }
  if (order.length !== ids.length) {
    const placed = new Set(order);
    const stuck = ids.filter((id) => !placed.has(id)).sort();
    throw new StrataError('CYCLE', `cannot execute: ${stuck.length} node(s) are on or behind a dependency cycle`, {
      details: stuck.slice(0, 20),
      hint: 'the compiler rejects cycles, so this is a bug in whatever built the node list',
    });
  }
  return order;
}

function longestPathToLeaf(order: string[], children: Map<string, string[]>, weight: (id: string) => number): Map<string, number> {
  const priority = new Map<string, number>();
  // Reverse topological order: every child is scored before its parents.
  for (let i = order.length - 1; i >= 0; i--) {
    const id = order[i] as string;
    let best = 0;
    for (const child of children.get(id) ?? []) best = Math.max(best, priority.get(child) ?? 0);
    priority.set(id, best + weight(id));
  }
  return priority;
}

/**
 * Binary max-heap of ready nodes: highest priority first, ties broken by id (ascending) so the
 * start order never depends on completion timing among equally ready nodes.
 */
export class ReadyQueue {
  private readonly heap: string[] = [];
  constructor(private readonly priority: Map<string, number>) {}

  get size(): number {
    return this.heap.length;
  }

  push(id: string): void {
    const h = this.heap;
    h.push(id);
    let i = h.length - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!this.before(h[i] as string, h[up] as string)) break;
      [h[i], h[up]] = [h[up] as string, h[i] as string];
      i = up;
    }
  }

  pop(): string | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      this.sinkFromTop();
    }
    return top;
  }

  /** Empties the queue, returning what was in it (failFast: these never start). */
  drain(): string[] {
    return this.heap.splice(0, this.heap.length);
  }

  private sinkFromTop(): void {
    const h = this.heap;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < h.length && this.before(h[l] as string, h[best] as string)) best = l;
      if (r < h.length && this.before(h[r] as string, h[best] as string)) best = r;
      if (best === i) return;
      [h[i], h[best]] = [h[best] as string, h[i] as string];
      i = best;
    }
  }

  private before(a: string, b: string): boolean {
    const pa = this.priority.get(a) ?? 0;
    const pb = this.priority.get(b) ?? 0;
    if (pa !== pb) return pa > pb;
    return a < b;
  }
}
