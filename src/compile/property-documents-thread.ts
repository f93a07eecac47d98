/** The thread of PropertyDocumentsReader (property-documents.ts): reads the files it claims. */
import { inputsDigest } from './fingerprint.js';
import { readDocument, type DocumentsReply, type DocumentsRequest, type PropertyDocument } from './property-documents.js';
import { serve, SharedCursor } from './sync-worker.js';

serve<DocumentsRequest, DocumentsReply>((request, progress) => {
  const inputs = request.digest && inputsDigest(request.digest.projectDir, request.digest.folders);
  const cursor = new SharedCursor(request.files.length, request.position);
  const documents: PropertyDocument[] = [];
  for (let i = cursor.claim(); i !== undefined; i = cursor.claim()) {
    documents.push(readDocument(request.files[i]!));
    progress();
  }
  return { documents, ...(inputs ? { inputs } : {}) };
});
