/** The thread of BackgroundFileWriter (file-writer.ts): reserves files, then writes them. */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { fileWriter, folderBatches, type WriterReply, type WriterRequest } from './file-writer.js';
import { serve, SharedCursor } from './sync-worker.js';

// The files are needed only at the end, the main thread's work and the property files all along:
// on Linux this thread yields the CPU to them (a thread's own nice value, set through its id).
try {
  setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), 10);
} catch {
  // elsewhere: an ordinary thread
}

const writer = fileWriter();

serve<WriterRequest, WriterReply>(
  (request, progress) => {
    if ('reserve' in request) {
      try {
        writer.reserve(request.reserve, new SharedCursor(folderBatches(request.reserve).length, request.position), progress);
      } catch {
        // only a head start: write() creates what could not be reserved, or reports why not
      }
      return undefined;
    }
    try {
      return { written: writer.write(request.write, new SharedCursor(folderBatches(request.write.map((f) => f.path)).length, request.position), progress) };
    } finally {
      writer.release(new Set(request.write.map((f) => f.path)));
    }
  },
  () => writer.release(new Set()),
);
