/** The thread of BackgroundFileWriter (file-writer.ts): reserves files, then writes them. */
import { fileWriter, type WriterReply, type WriterRequest } from './file-writer.js';
import { serve, SharedCursor } from './sync-worker.js';

const writer = fileWriter();

serve<WriterRequest, WriterReply>(
  (request, progress) => {
    if ('reserve' in request) {
      try {
        writer.reserve(request.reserve, new SharedCursor(request.reserve.length, request.position), progress);
      } catch {
        // only a head start: write() creates what could not be reserved, or reports why not
      }
      return undefined;
    }
    try {
      return { written: writer.write(request.write, new SharedCursor(request.write.length, request.position), progress) };
    } finally {
      writer.release(new Set(request.write.map((f) => f.path)));
    }
  },
  () => writer.release(new Set()),
);
