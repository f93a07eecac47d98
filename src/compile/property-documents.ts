/**
 * Property files read, parsed and validated off the main thread (by the parse helper,
 * parse-helper.ts) while it renders the models: after rendering, parsing YAML is most of a cold
 * parse's work, and its result is plain data, cheap to hand over.
 */
import { readFileSync } from 'node:fs';
import { validateAgainstSchema } from '../project/schema-validation.js';
import { parseYaml, YamlLocator } from '../project/yaml-file.js';

/** A property file as the worker read it: `doc` is set when it parsed and validated. */
export interface PropertyDocument {
  path: string;
  text?: string;
  valid: boolean;
  doc?: unknown;
}

/**
 * Reads, parses and validates a property file. Anything wrong is only flagged (`valid: false`): the
 * file is parsed again on the main thread, which reports the error the usual way.
 */
export function readDocument(file: { path: string; absPath: string }): PropertyDocument {
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
