/**
 * A worker thread that loads files (load-threads.ts starts it): each request is one `loadFile` on
 * the thread's own connection pool, with the file source rebuilt here from the project folder
 * and the pattern that listed the file (FileSources hold sockets and streams, which cannot cross
 * threads). Progress and the result go back as messages; `loadFile` never throws for a file.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createPool, type TargetConfig } from '../adapters/postgres/index.js';
import { loadFile } from './load-file.js';
import type { ThreadRequest, ThreadReply } from './load-threads.js';
import { fileSources } from './source-loading.js';

const { target, projectDir } = workerData as { target: TargetConfig; projectDir: string };
// One connection for the file's transaction, one for what happens outside it (a failure's ledger row).
const db = createPool(target, { max: 2 });
const port = parentPort!;

port.on('message', (request: ThreadRequest) => {
  if (request.type === 'close') {
    void db.close().finally(() => port.close());
    return;
  }
  const { id, task } = request;
  const reply = (message: ThreadReply): void => port.postMessage(message);
  void (async () => {
    const sources = await fileSources(projectDir, [task.spec]);
    try {
      const source = sources.fileSourceFor(task.pattern, task.spec);
      const result = await loadFile(db, { ...task, source }, (progress) => reply({ id, progress }));
      reply({ id, result });
    } finally {
      sources.close();
    }
  })().catch((e: unknown) => reply({ id, failed: String((e as Error)?.stack ?? e) }));
});
