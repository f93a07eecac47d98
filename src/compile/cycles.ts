/**
 * Cycle detection on the child map, iteratively (no recursion limit on deep DAGs) and without
 * building a graph object: on a 40,000-node project this takes milliseconds, where building a
 * graphlib graph just to ask it for cycles took most of a second.
 *
 * Returns each cycle once, as an ordered path [a, b, c] meaning a -> b -> c -> a along
 * parent -> child edges (b depends on a), starting from its smallest id for stable output.
 */

/** Tarjan's strongly connected components, iterative. */
function stronglyConnected(ids: string[], children: (id: string) => readonly string[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let counter = 0;
  for (const root of ids) {
    if (index.has(root)) continue;
    const work: Array<{ id: string; next: number }> = [{ id: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const frame = work[work.length - 1]!;
      const kids = children(frame.id);
      if (frame.next < kids.length) {
        const child = kids[frame.next++]!;
        if (!index.has(child)) {
          index.set(child, counter);
          low.set(child, counter++);
          stack.push(child);
          onStack.add(child);
          work.push({ id: child, next: 0 });
        } else if (onStack.has(child)) {
          low.set(frame.id, Math.min(low.get(frame.id)!, index.get(child)!));
        }
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1]!.id;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.id)!));
      }
      if (low.get(frame.id) === index.get(frame.id)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.id);
        if (component.length > 1 || children(frame.id).includes(frame.id)) out.push(component);
      }
    }
  }
  return out;
}

/** A concrete cycle through the component, found by BFS back to the start node. */
function cycleThrough(component: string[], children: (id: string) => readonly string[]): string[] {
  const members = new Set(component);
  const start = [...component].sort()[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    for (const child of children(id)) {
      if (!members.has(child)) continue;
      if (child === start) {
        const path = [id];
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
        return path;
      }
      if (!previous.has(child)) {
        previous.set(child, id);
        queue.push(child);
      }
    }
  }
  return [start];
}

export function findCyclesInChildMap(childMap: Record<string, readonly string[]>): string[][] {
  const children = (id: string) => childMap[id] ?? [];
  const ids = Object.keys(childMap).sort();
  return stronglyConnected(ids, children)
    .map((c) => cycleThrough(c, children))
    .sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}
