/**
 * Live progress bars hide the terminal's cursor until they stop. Ctrl-C (or a SIGTERM) ends the
 * process at once by default, so the bars never stop and the user's shell is left without a
 * cursor. While bars are live, the first SIGINT or SIGTERM stops them, then the signal is raised
 * again with no handler left, so the process ends as it would have (exit 130 or 143; an open load
 * transaction rolls back when its connection drops).
 */
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Installs the handlers; the returned function removes them (call it when the bars stop). */
export function stopOnSignal(stop: () => void, raise: (signal: NodeJS.Signals) => void = (s) => process.kill(process.pid, s)): () => void {
  const remove = (): void => {
    for (const s of SIGNALS) process.removeListener(s, onSignal);
  };
  function onSignal(signal: NodeJS.Signals): void {
    remove();
    try {
      stop();
    } finally {
      raise(signal);
    }
  }
  for (const s of SIGNALS) process.once(s, onSignal);
  return remove;
}
