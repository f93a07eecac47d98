/**
 * When a node ran, and which part of it was the work itself: the statements a hand-written script
 * would also run (the model's SQL and hooks, a seed's or source's COPY, a test's queries). The rest
 * of a node's time (catalog reads, planning, state bookkeeping) is strata's own overhead, which the
 * `pipeline` benchmark reports from these entries in target/run_results.json.
 */

/** dbt's run_results `timing` entry, in strata's camelCase. */
export interface TimingEntry {
  name: 'execute';
  startedAt: string;
  completedAt: string;
}

/** Runs `work`, appending its wall-clock interval to `timing` (also when it throws). */
export async function timed<T>(timing: TimingEntry[], work: () => Promise<T>): Promise<T> {
  const startedAt = new Date().toISOString();
  try {
    return await work();
  } finally {
    timing.push({ name: 'execute', startedAt, completedAt: new Date().toISOString() });
  }
}
