import { describe, expect, it } from 'vitest';
import { executeDag, type ExecuteDagOptions } from '../../../src/run/executor.js';

type Result = { status: 'ok' | 'error' } | { status: 'skipped'; because: string };

/** edges as "parent>child" strings. */
function graph(edges: string[], extra: string[] = []): { nodes: string[]; dependsOn: (id: string) => string[] } {
  const parents = new Map<string, string[]>();
  for (const id of extra) parents.set(id, []);
  for (const e of edges) {
    const [p, c] = e.split('>') as [string, string];
    if (!parents.has(p)) parents.set(p, []);
    parents.set(c, [...(parents.get(c) ?? []), p]);
  }
  return { nodes: [...parents.keys()], dependsOn: (id) => parents.get(id) ?? [] };
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Trace {
  started: string[];
  finished: string[];
  maxInFlight: number;
}

function harness(
  g: { nodes: string[]; dependsOn: (id: string) => string[] },
  opts: { threads?: number; fail?: string[]; failFast?: boolean; delay?: (id: string) => number } = {},
): { trace: Trace; options: ExecuteDagOptions<Result> } {
  const trace: Trace = { started: [], finished: [], maxInFlight: 0 };
  let inFlight = 0;
  const options: ExecuteDagOptions<Result> = {
    ...g,
    threads: opts.threads ?? 4,
    failFast: opts.failFast ?? false,
    run: async (id) => {
      trace.started.push(id);
      inFlight += 1;
      trace.maxInFlight = Math.max(trace.maxInFlight, inFlight);
      await tick(opts.delay?.(id) ?? 0);
      inFlight -= 1;
      trace.finished.push(id);
      return { status: opts.fail?.includes(id) ? 'error' : 'ok' };
    },
    isFailure: (r) => r.status === 'error',
    skipResult: (_id, because) => ({ status: 'skipped', because }),
  };
  return { trace, options };
}

describe('executeDag', () => {
  it('never runs more than `threads` nodes at once', async () => {
    const g = graph([], Array.from({ length: 40 }, (_, i) => `n${String(i).padStart(2, '0')}`));
    const { trace, options } = harness(g, { threads: 3, delay: (id) => Number(id.slice(1)) % 4 });
    const results = await executeDag(options);
    expect(trace.maxInFlight).toBe(3);
    expect(results.size).toBe(40);
    expect([...results.values()].every((r) => r.status === 'ok')).toBe(true);
  });

  it('starts a node only after all its parents finished', async () => {
    const g = graph(['a>c', 'b>c', 'c>d', 'a>e', 'e>d']);
    const { trace, options } = harness(g, { threads: 8, delay: (id) => (id === 'b' ? 15 : 1) });
    await executeDag(options);
    for (const id of g.nodes) {
      for (const p of g.dependsOn(id)) {
        expect(trace.finished.indexOf(p)).toBeLessThan(trace.started.indexOf(id));
      }
    }
    expect(trace.started.at(-1)).toBe('d');
  });

  it('runs a diamond: both branches in parallel, the join once, after both', async () => {
    const g = graph(['top>left', 'top>right', 'left>bottom', 'right>bottom']);
    const { trace, options } = harness(g, { threads: 2, delay: () => 5 });
    const results = await executeDag(options);
    expect(trace.started).toEqual(['top', 'left', 'right', 'bottom']);
    expect(trace.maxInFlight).toBe(2);
    expect(results.get('bottom')).toEqual({ status: 'ok' });
  });

  it('skips exactly the descendants of a failed node and runs everything else', async () => {
    // a -> b -> c, b -> d, x -> d ; y independent ; z depends on a only.
    const g = graph(['a>b', 'b>c', 'b>d', 'x>d', 'a>z'], ['y']);
    const { trace, options } = harness(g, { fail: ['b'] });
    const results = await executeDag(options);
    expect(Object.fromEntries(results)).toEqual({
      a: { status: 'ok' },
      b: { status: 'error' },
      c: { status: 'skipped', because: 'b' },
      d: { status: 'skipped', because: 'b' },
      x: { status: 'ok' },
      z: { status: 'ok' },
      y: { status: 'ok' },
    });
    expect(trace.started.sort()).toEqual(['a', 'b', 'x', 'y', 'z']);
  });

  it('skips a node with two failed parents once, naming the first failure', async () => {
    const g = graph(['p1>c', 'p2>c', 'c>gc']);
    const { options } = harness(g, { fail: ['p1', 'p2'], threads: 1 });
    const finishes: string[] = [];
    const results = await executeDag({ ...options, onFinish: (id) => finishes.push(id) });
    expect(results.get('c')).toEqual({ status: 'skipped', because: 'p1' });
    expect(results.get('gc')).toEqual({ status: 'skipped', because: 'p1' });
    expect(finishes.sort()).toEqual(['c', 'gc', 'p1', 'p2']);
  });

  it('failFast: lets running nodes finish, starts nothing new, skips the rest', async () => {
    const g = graph(['a>a2', 'b>b2', 'c>c2'], ['d', 'e']);
    const { trace, options } = harness(g, { threads: 2, failFast: true, fail: ['a'], delay: (id) => (id === 'a' ? 1 : 10) });
    const results = await executeDag(options);
    // priority: chains (a, b, c) before leaves; two threads: a and b start, a fails, b finishes.
    expect(trace.started).toEqual(['a', 'b']);
    expect(trace.finished.sort()).toEqual(['a', 'b']);
    expect(results.get('b')).toEqual({ status: 'ok' });
    expect(results.get('a2')).toEqual({ status: 'skipped', because: 'a' });
    for (const id of ['b2', 'c', 'c2', 'd', 'e']) expect(results.get(id)).toEqual({ status: 'skipped', because: 'a' });
  });

  it('starts ready nodes by longest path to a leaf, then by id', async () => {
    const g = graph(['m>m1', 'm1>m2', 'z>z1'], ['a', 'b']);
    const { trace, options } = harness(g, { threads: 1 });
    await executeDag(options);
    // Priorities: m 3; m1, z 2; the rest 1. Ties go by id, so leaves a and b come before m2 / z1.
    expect(trace.started).toEqual(['m', 'm1', 'z', 'a', 'b', 'm2', 'z1']);
  });

  it('with weights, starts the chain expected to take longest first', async () => {
    const g = graph(['m>m1', 'm1>m2', 'z>z1'], ['a', 'b']);
    const { trace, options } = harness(g, { threads: 1 });
    const seconds: Record<string, number> = { m: 1, m1: 1, m2: 1, z: 1, z1: 10, a: 4, b: 0.5 };
    await executeDag({ ...options, weight: (id) => seconds[id]! });
    // Chains: z 11, z1 10, a 4, m 3, m1 2, m2 1, b 0.5.
    expect(trace.started).toEqual(['z', 'z1', 'a', 'm', 'm1', 'm2', 'b']);
  });

  it('returns results in the order of `nodes` and calls onStart/onFinish once per node', async () => {
    const g = graph(['b>a'], ['c']);
    const { options } = harness(g, { fail: ['b'] });
    const starts: string[] = [];
    const finishes: string[] = [];
    const results = await executeDag({ ...options, onStart: (id) => starts.push(id), onFinish: (id) => finishes.push(id) });
    expect([...results.keys()]).toEqual(g.nodes);
    expect(starts.sort()).toEqual(['b', 'c']);
    expect(finishes.sort()).toEqual(['a', 'b', 'c']);
  });

  it('ignores dependencies outside the node set and duplicate ids', async () => {
    const { trace, options } = harness({ nodes: ['a', 'b', 'a'], dependsOn: (id) => (id === 'b' ? ['a', 'source.x', 'a'] : ['model.unselected']) });
    const results = await executeDag(options);
    expect(trace.started).toEqual(['a', 'b']);
    expect(results.size).toBe(2);
  });

  it('resolves an empty node list to an empty map', async () => {
    const { options } = harness({ nodes: [], dependsOn: () => [] });
    expect((await executeDag(options)).size).toBe(0);
  });

  it('rejects when run rejects (a caller bug), after in-flight runs settle', async () => {
    const g = graph([], ['a', 'b', 'c']);
    const { trace, options } = harness(g, { threads: 2, delay: () => 5 });
    const boom = new Error('boom');
    const run = options.run;
    await expect(executeDag({ ...options, run: (id) => (id === 'a' ? Promise.reject(boom) : run(id)) })).rejects.toBe(boom);
    expect(trace.started).toEqual(['b']);
    expect(trace.finished).toEqual(['b']);
  });

  it('rejects when run throws synchronously or a callback throws', async () => {
    const { options } = harness(graph([], ['a']));
    await expect(
      executeDag({
        ...options,
        run: () => {
          throw new Error('sync');
        },
      }),
    ).rejects.toThrow('sync');
    await expect(
      executeDag({
        ...options,
        onFinish: () => {
          throw new Error('reporter');
        },
      }),
    ).rejects.toThrow('reporter');
  });

  it('rejects a cycle without running anything', async () => {
    const { trace, options } = harness(graph(['a>b', 'b>a', 'b>c'], ['d']));
    await expect(executeDag(options)).rejects.toMatchObject({ code: 'CYCLE', details: ['a', 'b', 'c'] });
    expect(trace.started).toEqual([]);
  });

  it('runs a 10,000-node chain without overflowing the stack', async () => {
    const n = 10_000;
    const nodes = Array.from({ length: n }, (_, i) => `m${i}`);
    let last = -1;
    const results = await executeDag({
      nodes,
      dependsOn: (id) => (id === 'm0' ? [] : [`m${Number(id.slice(1)) - 1}`]),
      threads: 8,
      // Already-resolved promises: the worst case for recursion.
      run: (id) => {
        const i = Number(id.slice(1));
        if (i !== last + 1) throw new Error(`out of order: ${id}`);
        last = i;
        return Promise.resolve('ok');
      },
      isFailure: (r) => r !== 'ok',
      skipResult: () => 'skipped',
    });
    expect(results.size).toBe(n);
    expect(last).toBe(n - 1);
  });

  it('skips a 10,000-node chain below a failing root without overflowing the stack', async () => {
    const n = 10_000;
    const nodes = Array.from({ length: n }, (_, i) => `m${i}`);
    const results = await executeDag({
      nodes,
      dependsOn: (id) => (id === 'm0' ? [] : [`m${Number(id.slice(1)) - 1}`]),
      threads: 1,
      run: () => Promise.resolve('error'),
      isFailure: (r) => r === 'error',
      skipResult: (_id, because) => `skipped:${because}`,
    });
    expect(results.get('m0')).toBe('error');
    expect(results.get(`m${n - 1}`)).toBe('skipped:m0');
  });

  it('treats threads < 1 as 1', async () => {
    const { trace, options } = harness(graph([], ['a', 'b', 'c']), { threads: 0 });
    await executeDag(options);
    expect(trace.maxInFlight).toBe(1);
  });
});
