/**
 * The thread of property-documents.ts: reads, parses and validates property files. Anything wrong
 * with a file is only flagged (`valid: false`): the main thread parses that file again and
 * reports the error the usual way.
 */
import { readFileSync } from 'node:fs';
import { validateAgainstSchema } from '../project/schema-validation.js';
import { parseYaml, YamlLocator } from '../project/yaml-file.js';
import type { DocumentsReply, DocumentsRequest, PropertyDocument } from './property-documents.js';
import { serve, SharedCursor } from './sync-worker.js';

function readDocument(file: { path: string; absPath: string }): PropertyDocument {
  let text: string;
  try {
    text = readFileSync(file.absPath, 'utf8');
  } catch {
    return { path: file.path, valid: false };
  }
  try {
    const doc = parseYaml(file.path, text) ?? null;
    const valid = doc === null || validateAgainstSchema('properties', doc, new YamlLocator(file.path, text)).length === 0;
    return valid ? { path: file.path, text, valid, doc } : { path: file.path, text, valid };
  } catch {
    return { path: file.path, text, valid: false };
  }
}

serve<DocumentsRequest, DocumentsReply>((request, progress) => {
  const cursor = new SharedCursor(request.files.length, request.position);
  const documents: PropertyDocument[] = [];
  for (let i = cursor.claim(); i !== undefined; i = cursor.claim()) {
    documents.push(readDocument(request.files[i]!));
    progress();
  }
  return { documents };
});
