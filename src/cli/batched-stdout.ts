/**
 * The lines the CLI prints on stdout, written together at most every FLUSH_MS.
 *
 * A run prints two lines per node (START and OK). Written one by one, each is a write(2) on the
 * pipe or terminal, made on the thread that dispatches the nodes: the START line before the node's
 * statements are sent, the OK line before the next node starts. On this 2-core VM a write to a
 * pipe whose reader then wakes up costs ~0.15-0.25 ms of the thread's time: ~40 ms of a 1-thread
 * run of 200 models (~490 writes), and with 4 threads (the thread then being what the connections
 * wait for) ~40 ms of CPU on a core the server needs. Collected here they go out ~every FLUSH_MS,
 * from a timer (after the turn that finished one node has sent the next one's statements). Each
 * line keeps the time it was printed at in its text; no one watching sees 20 ms.
 *
 * Pending lines are flushed before anything is written to stderr (so the two streams keep their
 * order on a terminal) and when the process exits: the timer does not keep the process alive, and
 * stdout writes are synchronous for files, pipes and terminals on Linux, so the exit handler gets
 * them out (also after process.exit()).
 */
const FLUSH_MS = 20;

let pending: string[] = [];
let scheduled = false;
let exitHooked = false;
let errorsHooked = false;
/** Streams whose reader went away (`strata run | head -1`): their output is dropped. */
const closed = new Set<NodeJS.WriteStream>();

/**
 * A reader that closes the pipe early (`| head`) makes the next write fail with EPIPE, an
 * 'error' event that would end the process with a stack trace in the middle of a run (its run
 * row left "running"). The command goes on without that stream instead, as when its output
 * goes to /dev/null; the exit code still tells how the run went.
 */
function hookStreamErrors(): void {
  if (errorsHooked) return;
  errorsHooked = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      closed.add(stream);
    });
  }
}

function write(stream: NodeJS.WriteStream, text: string): void {
  hookStreamErrors();
  if (!closed.has(stream)) stream.write(text);
}

export function flushStdout(): void {
  scheduled = false;
  if (pending.length === 0) return;
  const text = pending.join('');
  pending = [];
  write(process.stdout, text);
}

/** Queues `text` (one or more whole lines) for stdout. */
export function writeStdout(text: string): void {
  pending.push(text);
  if (scheduled) return;
  scheduled = true;
  setTimeout(flushStdout, FLUSH_MS).unref();
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', flushStdout);
  }
}

/** Writes to stderr after whatever is pending on stdout. */
export function writeStderr(text: string): void {
  flushStdout();
  write(process.stderr, text);
}
