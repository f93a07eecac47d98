/** Starts load-child.ts (through tsx) and reads its JSON lines. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./load-child.ts', import.meta.url));

export interface LoadChild {
  process: ChildProcess;
  /** Resolves with the first JSON line that satisfies `test` (rejects if the child exits first). */
  waitFor(test: (msg: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (null when killed) and every JSON line. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; messages: Array<Record<string, unknown>>; stderr: string }>;
}

export function startLoadChild(input: Record<string, unknown>, nodeArgs: string[] = []): LoadChild {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', CHILD], {
    env: { ...process.env, STRATA_LOAD_CHILD: JSON.stringify(input) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const messages: Array<Record<string, unknown>> = [];
  const waiters: Array<{ test: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }> = [];
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    messages.push(msg);
    for (const w of [...waiters]) {
      if (!w.test(msg)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(msg);
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; messages: Array<Record<string, unknown>>; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, messages, stderr })),
  );
  const waitFor: LoadChild['waitFor'] = (test, timeoutMs = 60_000) =>
    new Promise((resolve, reject) => {
      const found = messages.find(test);
      if (found) return resolve(found);
      const timer = setTimeout(() => reject(new Error(`child: timed out; stderr: ${stderr}`)), timeoutMs);
      waiters.push({
        test,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
      void exited.then(({ code }) => reject(new Error(`child exited (${code}) before the expected message; stderr: ${stderr}`)));
    });
  return { process: child, waitFor, exited };
}
