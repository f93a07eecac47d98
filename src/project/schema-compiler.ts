/**
 * Turns the published JSON Schemas (schema/*.schema.json, the source of truth) into ajv validators.
 *
 * Compiling a schema with ajv costs 40-90 ms per schema and process (and loading ajv itself ~15 ms),
 * paid by every compile, and again by the worker thread that validates property files. So the build
 * (`npm run build`, scripts/build-validators.mjs) generates each validator as standalone JavaScript
 * into dist/project/validators/<name>.cjs; schema-validation.ts loads that and compiles at run time
 * only when it is missing (running from the TypeScript sources). Both come from the same options
 * here, so they report the same errors.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Ajv as AjvClass, Options, ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);

/** The schemas under schema/, by name (`<name>.schema.json`). */
export const SCHEMA_NAMES = ['project', 'properties'] as const;
export type SchemaName = (typeof SCHEMA_NAMES)[number];

// verbose: errors carry their parent schema (the known keys, for a did-you-mean).
const OPTIONS: Options = { allErrors: true, strict: false, verbose: true };

function schemaOf(name: SchemaName): object {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../../schema/${name}.schema.json`, import.meta.url)), 'utf8')) as object;
}

function ajv(options: Options): AjvClass {
  const { Ajv } = require('ajv') as typeof import('ajv');
  return new Ajv(options);
}

/** Compiles the schema now (the fallback when no generated validator is there). */
export function compileSchema(name: SchemaName): ValidateFunction {
  return ajv(OPTIONS).compile(schemaOf(name));
}

/** The validator as a CommonJS module (ajv "standalone" code), for the build to write into dist/. */
export function validatorModuleSource(name: SchemaName): string {
  const instance = ajv({ ...OPTIONS, code: { source: true } });
  const standalone = require('ajv/dist/standalone') as { default: (ajv: AjvClass, validate: ValidateFunction) => string };
  return standalone.default(instance, instance.compile(schemaOf(name)));
}
