/**
 * How long each node of a run is expected to take: its time in the previous run
 * (`target/run_results.json`), for the executor's critical-path order (executor.ts). Counting
 * nodes treats a 2-second mart and a 20-millisecond test alike; with the last run's seconds the
 * chain that will take longest starts first, so it does not start late behind quick nodes and
 * leave the other threads idle at the end of the build (measured on the loan project's
 * incremental build: its slowest mart waited 0.8 s for a thread behind three quicker ones).
 *
 * Only nodes that did work last time tell a time (not up-to-date or skipped ones); a node
 * without one counts as the median of those that do. No previous run, or one thread (the order
 * cannot change the wall time, and a serial run keeps the same order run after run): no weights,
 * the chain's length in nodes.
 */
import { readRunResults } from './run-results.js';

export function expectedDurations(targetDir: string, threads: number): ((id: string) => number) | undefined {
  if (threads <= 1) return undefined;
  const seconds = new Map<string, number>();
  for (const r of readRunResults(targetDir)?.results ?? []) {
    if ((r.status === 'success' || r.status === 'warn' || r.status === 'error') && Number.isFinite(r.seconds)) seconds.set(r.uniqueId, r.seconds);
  }
  if (seconds.size === 0) return undefined;
  const sorted = [...seconds.values()].sort((a, b) => a - b);
  const typical = sorted[sorted.length >> 1]!;
  return (id) => seconds.get(id) ?? typical;
}
