/**
 * Validates YAML documents against the published JSON Schemas (schema/*.schema.json) with ajv,
 * turning each violation into a StrataError('CONFIG') at the offending file:line:column.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { StrataError } from '../errors/strata-error.js';
import { didYouMean } from '../graph/did-you-mean.js';
import { pointerToPath, type YamlLocator } from './yaml-file.js';

const validators = new Map<string, ValidateFunction>();

function validator(schemaName: string): ValidateFunction {
  let v = validators.get(schemaName);
  if (!v) {
    const url = new URL(`../../schema/${schemaName}.schema.json`, import.meta.url);
    const schema = JSON.parse(readFileSync(fileURLToPath(url), 'utf8')) as object;
    v = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(schema);
    validators.set(schemaName, v);
  }
  return v;
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

export function validateAgainstSchema(schemaName: string, value: unknown, locator: YamlLocator): StrataError[] {
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
