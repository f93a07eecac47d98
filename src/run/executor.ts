/**
 * A bounded, dependency-aware worker pool over a DAG (the shape of dbt's graph queue and
 * SQLMesh's concurrent executor). Pure: it knows nothing of models or databases, only ids,
 * edges and a `run` callback, so every scheduling rule is unit-testable with fake async work.
 *
 * Rules:
 * - A node starts once every parent *inside `nodes`* finished successfully (`!isFailure`).
 *   Parents outside the set are assumed to be built already.
 * - At most `threads` runs are in flight.
 * - When a node fails, each of its not-yet-run descendants gets `skipResult(id, failedId)` and
 *   is never run; nodes that do not depend on the failure carry on.
 * - `failFast`: after the first failure nothing new starts; running nodes finish, and every node
 *   that never started gets `skipResult` (with the failure that stopped the run as ancestor,
 *   or with its own failed ancestor when it has one).
 * - Among ready nodes the start order is deterministic: the node with the longest chain of
 *   descendants below it first (the critical path, so long chains do not start last and leave
 *   threads idle at the end), ties by unique id ascending. A chain's length is its number of
 *   nodes, or with `weight` the sum of its nodes' weights (expected durations).
 * - `run` rejecting (or a callback throwing) is a bug in the caller, not a node failure: no new
 *   node starts, running ones are awaited, and executeDag rejects with that first error.
 *
 * `onFinish` fires exactly once per node, skipped ones included (those never get `onStart`), so
 * a reporter can print every node from it. The returned map is in the order of `nodes`.
 */
import { buildPlan, ReadyQueue, type DagPlan } from './executor-plan.js';

export interface ExecuteDagOptions<R> {
  nodes: readonly string[];
  /** Parents of a node; ids not in `nodes` are ignored. */
  dependsOn: (id: string) => readonly string[];
  threads: number;
  /** How long a node is expected to take, in any unit (default: 1 each). */
  weight?: (id: string) => number;
  run: (id: string) => Promise<R>;
  isFailure: (result: R) => boolean;
  skipResult: (id: string, failedAncestor: string) => R;
  failFast?: boolean;
  onStart?: (id: string) => void;
  onFinish?: (id: string, result: R) => void;
}

export async function executeDag<R>(opts: ExecuteDagOptions<R>): Promise<Map<string, R>> {
  // buildPlan throws on a cycle; being inside an async function turns that into a rejection.
  const plan = buildPlan(opts.nodes, opts.dependsOn, opts.weight);
  return new Scheduler(opts, plan).start();
}

class Scheduler<R> {
  private readonly results = new Map<string, R>();
  private readonly waiting = new Map<string, number>();
  private readonly queue: ReadyQueue;
  private readonly threads: number;
  private inFlight = 0;
  private stopped = false;
  private firstFailure: string | undefined;
  private bug: { error: unknown } | undefined;
  private settled = false;
  private resolve: (value: Map<string, R>) => void = () => undefined;
  private reject: (error: unknown) => void = () => undefined;

  constructor(
    private readonly opts: ExecuteDagOptions<R>,
    private readonly plan: DagPlan,
  ) {
    this.queue = new ReadyQueue(plan.priority);
    const t = Math.floor(opts.threads);
    this.threads = Number.isNaN(t) || t < 1 ? 1 : t;
  }

  start(): Promise<Map<string, R>> {
    return new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      for (const id of this.plan.ids) {
        const n = this.plan.parents.get(id)?.length ?? 0;
        this.waiting.set(id, n);
        if (n === 0) this.queue.push(id);
      }
      this.pump();
    });
  }

  /** Starts ready nodes up to the thread limit; settles once nothing runs and nothing can start. */
  private pump(): void {
    while (!this.stopped && this.inFlight < this.threads && this.queue.size > 0) {
      this.launch(this.queue.pop() as string);
    }
    if (this.inFlight === 0 && (this.stopped || this.queue.size === 0)) this.finish();
  }

  private launch(id: string): void {
    this.inFlight += 1;
    let pending: Promise<R>;
    try {
      this.opts.onStart?.(id);
      pending = Promise.resolve(this.opts.run(id));
    } catch (err) {
      pending = Promise.reject(err);
    }
    // Settling always goes through a promise callback, so completions never nest on the stack
    // (a 10,000-node chain of already-resolved runs stays flat).
    pending
      .then(
        (result) => this.guard(() => this.complete(id, result)),
        (err: unknown) => this.abort(err),
      )
      .finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
  }

  private complete(id: string, result: R): void {
    this.record(id, result);
    if (this.opts.isFailure(result)) {
      this.firstFailure ??= id;
      this.skipDescendants(id);
      if (this.opts.failFast) this.stopped = true;
      return;
    }
    for (const child of this.plan.children.get(id) ?? []) {
      const left = (this.waiting.get(child) ?? 0) - 1;
      this.waiting.set(child, left);
      // A child already holding a result was skipped because another parent failed.
      if (left === 0 && !this.results.has(child)) this.queue.push(child);
    }
  }

  private skipDescendants(failed: string): void {
    const stack = [...(this.plan.children.get(failed) ?? [])];
    while (stack.length > 0) {
      const id = stack.pop() as string;
      // Already skipped by an earlier failure: its descendants were marked at the same time.
      if (this.results.has(id)) continue;
      this.record(id, this.opts.skipResult(id, failed));
      stack.push(...(this.plan.children.get(id) ?? []));
    }
  }

  private record(id: string, result: R): void {
    this.results.set(id, result);
    this.opts.onFinish?.(id, result);
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.abort(err);
    }
  }

  private abort(err: unknown): void {
    this.bug ??= { error: err };
    this.stopped = true;
  }

  private finish(): void {
    if (this.settled) return;
    this.settled = true;
    if (this.bug === undefined && this.stopped) {
      const cause = this.firstFailure as string;
      this.guard(() => {
        for (const id of this.plan.ids) if (!this.results.has(id)) this.record(id, this.opts.skipResult(id, cause));
      });
    }
    if (this.bug !== undefined) {
      this.reject(this.bug.error);
      return;
    }
    const ordered = new Map<string, R>();
    for (const id of this.plan.ids) ordered.set(id, this.results.get(id) as R);
    this.resolve(ordered);
  }
}
