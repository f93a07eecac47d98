/**
 * Where a `strata build` spent its time, from target/run_results.json: the wall time of each
 * phase (load, seeds, each model layer, tests) and strata's own overhead.
 *
 * A phase's time is the union of its nodes' [startedAt, completedAt] intervals (with several
 * threads, phases overlap: a model's tests run while the next layer builds, so phases do not add
 * up to the total). The work is the union of every node's `timing` entries: the intervals spent
 * executing the node's own statements (the SQL a hand-written script would run too, a COPY, the
 * test queries). Overhead is everything else: the command's wall time as the harness measured it
 * (process start, compile, connecting, planning, catalog reads, state bookkeeping, exit) minus the
 * work. Pure functions, unit-tested in tests/unit/bench.
 */

export interface PhaseNode {
  resourceType: string;
  relation?: string;
  status: string;
  startedAt?: string;
  completedAt?: string;
  timing?: Array<{ name: string; startedAt: string; completedAt: string }>;
}

export type Interval = readonly [number, number];

/** Total length of the union of intervals (overlaps counted once). */
export function unionLength(intervals: readonly Interval[]): number {
  const sorted = [...intervals].filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let curStart = Number.NEGATIVE_INFINITY;
  let curEnd = Number.NEGATIVE_INFINITY;
  for (const [a, b] of sorted) {
    if (a > curEnd) {
      if (curEnd > curStart) total += curEnd - curStart;
      curStart = a;
      curEnd = b;
    } else if (b > curEnd) {
      curEnd = b;
    }
  }
  if (curEnd > curStart) total += curEnd - curStart;
  return total;
}

/** The phase of a node: `load`, `seeds`, `tests`, or the schema of the model it builds. */
export function phaseOf(node: PhaseNode): string {
  switch (node.resourceType) {
    case 'source':
      return 'load';
    case 'seed':
      return 'seeds';
    case 'test':
    case 'unit_test':
      return 'tests';
    default: {
      const schema = /^"((?:[^"]|"")+)"\./.exec(node.relation ?? '')?.[1];
      return schema ? schema.replaceAll('""', '"') : 'models';
    }
  }
}

export interface PhaseBreakdown {
  /** Milliseconds per phase, in first-started order. */
  phases: Record<string, number>;
  /** Union of the nodes' statement intervals. */
  workMs: number;
  /** wallMs − workMs. */
  overheadMs: number;
  wallMs: number;
}

const span = (start?: string, end?: string): Interval | null =>
  start && end ? [Date.parse(start), Date.parse(end)] : null;

/** The breakdown of one run, given its results and the wall time the harness measured. */
export function phaseBreakdown(results: readonly PhaseNode[], wallMs: number): PhaseBreakdown {
  const byPhase = new Map<string, { first: number; intervals: Interval[] }>();
  const work: Interval[] = [];
  for (const r of results) {
    const s = span(r.startedAt, r.completedAt);
    if (!s) continue; // skipped nodes never started
    const phase = phaseOf(r);
    const entry = byPhase.get(phase) ?? { first: s[0], intervals: [] };
    entry.first = Math.min(entry.first, s[0]);
    entry.intervals.push(s);
    byPhase.set(phase, entry);
    for (const t of r.timing ?? []) {
      const w = span(t.startedAt, t.completedAt);
      if (w) work.push(w);
    }
  }
  const phases: Record<string, number> = {};
  for (const [name, e] of [...byPhase].sort((a, b) => a[1].first - b[1].first)) phases[name] = unionLength(e.intervals);
  const workMs = unionLength(work);
  return { phases, workMs, overheadMs: Math.max(0, wallMs - workMs), wallMs };
}
