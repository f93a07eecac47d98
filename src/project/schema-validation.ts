/**
 * Validates YAML documents against the published JSON Schemas (schema/*.schema.json), turning
 * each violation into a StrataError('CONFIG') at the offending file:line:column.
 *
 * The validators are ajv's, compiled ahead of time into schema-validators.generated.ts
 * (scripts/generate-schema-validators.mjs): importing ajv and compiling the project schema cost
 * ~100 ms of CPU on every command, more than the rest of a warm compile of 200 models.
 */
import type { ErrorObject } from 'ajv';
import { StrataError } from '../errors/strata-error.js';
import { didYouMean } from '../graph/did-you-mean.js';
import * as generated from './schema-validators.generated.js';
import { pointerToPath, type YamlLocator } from './yaml-file.js';

interface ValidateFunction {
  (value: unknown): boolean;
  errors?: ErrorObject[] | null;
}

export type SchemaName = 'project' | 'properties';

function validator(schemaName: SchemaName): ValidateFunction {
  return (generated as Record<SchemaName, ValidateFunction>)[schemaName];
}

function describe(err: ErrorObject): { message: string; hint?: string; key?: boolean } {
  const at = err.instancePath ? `'${pointerToPath(err.instancePath).join('.')}'` : 'the file';
  switch (err.keyword) {
    case 'additionalProperties': {
      const key = (err.params as { additionalProperty: string }).additionalProperty;
      const parent = err.parentSchema as { properties?: Record<string, unknown> } | undefined;
      const suggestion = didYouMean(key, Object.keys(parent?.properties ?? {}));
      return { message: `unknown key '${key}' in ${at}`, key: true, ...(suggestion ? { hint: `did you mean '${suggestion}'?` } : {}) };
    }
    case 'required':
      return { message: `${at} is missing required key '${(err.params as { missingProperty: string }).missingProperty}'` };
    case 'enum':
      return { message: `${at} must be one of: ${((err.params as { allowedValues: unknown[] }).allowedValues).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'type':
      return { message: `${at} must be ${(err.params as { type: string | string[] }).type}` };
    default:
      return { message: `${at} ${err.message ?? 'is invalid'}` };
  }
}

export function validateAgainstSchema(schemaName: SchemaName, value: unknown, locator: YamlLocator): StrataError[] {
  const v = validator(schemaName);
  if (v(value)) return [];
  const seen = new Set<string>();
  const errors: StrataError[] = [];
  for (const err of v.errors ?? []) {
    // oneOf branches produce one error per branch; report the first per path.
    if (err.keyword === 'oneOf' || err.keyword === 'if') continue;
    const d = describe(err);
    const path = pointerToPath(err.instancePath);
    const fullPath = d.key ? [...path, (err.params as { additionalProperty: string }).additionalProperty] : path;
    const id = `${fullPath.join('.')}|${err.keyword}`;
    if (seen.has(id)) continue;
    seen.add(id);
    errors.push(new StrataError('CONFIG', d.message, { location: locator.locate(fullPath, d.key), ...(d.hint ? { hint: d.hint } : {}) }));
  }
  return errors;
}
