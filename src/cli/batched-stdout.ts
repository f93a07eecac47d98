/**
 * The lines the CLI prints on stdout, written together once per turn of the event loop.
 *
 * A run prints two lines per node (START and OK). Written one by one, each is a write(2) on the
 * pipe or terminal, made while the next node waits: the START line before its statements are
 * sent, the OK line before the next node starts. On a 2-core VM a write to a pipe whose reader
 * wakes up costs ~0.1-0.2 ms, i.e. ~40-60 ms on the critical path of a 1-thread run of 200 models.
 * Collected here, they go out in one write from setImmediate, after the turn that finished one
 * node has sent the next one's statements: the write overlaps the server's work, and lines still
 * appear within the same turn of the event loop, so no one watching sees a delay.
 *
 * Pending lines are flushed before anything is written to stderr (so the two streams keep their
 * order on a terminal) and when the process exits.
 */
let pending: string[] = [];
let scheduled = false;
let exitHooked = false;

export function flushStdout(): void {
  scheduled = false;
  if (pending.length === 0) return;
  const text = pending.join('');
  pending = [];
  process.stdout.write(text);
}

/** Queues `text` (one or more whole lines) for stdout. */
export function writeStdout(text: string): void {
  pending.push(text);
  if (scheduled) return;
  scheduled = true;
  setImmediate(flushStdout);
  if (!exitHooked) {
    exitHooked = true;
    // process.exit() skips pending immediates; stdout writes are synchronous for files, pipes and
    // terminals on Linux, so an exit handler still gets them out.
    process.on('exit', flushStdout);
  }
}

/** Writes to stderr after whatever is pending on stdout. */
export function writeStderr(text: string): void {
  flushStdout();
  process.stderr.write(text);
}
