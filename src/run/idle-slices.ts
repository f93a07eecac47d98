/**
 * Work a run must finish but no node waits for (writing manifest.json), done in short slices
 * while the nodes build. A node's round trip leaves this thread waiting for the server most of
 * the time (with 1 thread ~80% of the model phase); done before the first node, the same work is
 * wall time of the run.
 *
 * Between slices the event loop runs (a slice is a setImmediate callback): a server's answer that
 * arrives during a slice waits at most for that slice's end, so slices are kept short.
 */

/** How long one slice may take, in ms: an answer waits for half of it on average when it comes in one. */
const SLICE_MS = 0.25;

/** Runs `steps` (each `next()` a short piece of work) to the end, a slice per turn of the event loop. */
export async function inIdleSlices(steps: Iterator<unknown>): Promise<void> {
  for (;;) {
    await new Promise((next) => setImmediate(next));
    const end = performance.now() + SLICE_MS;
    do {
      if (steps.next().done) return;
    } while (performance.now() < end);
  }
}

/** Runs `steps` to the end at once (when there are no nodes to overlap). */
export function drain(steps: Iterator<unknown>): void {
  while (!steps.next().done);
}
