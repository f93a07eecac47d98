#!/usr/bin/env node
/**
 * Part of `npm run build`, after tsc: writes each JSON Schema's validator as standalone JavaScript
 * into dist/project/validators/<name>.cjs (see src/project/schema-compiler.ts), so that strata does
 * not compile the schemas with ajv on every run. Generated from schema/*.schema.json every build.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { SCHEMA_NAMES, validatorModuleSource } = await import(join(root, 'dist/project/schema-compiler.js'));
const out = join(root, 'dist/project/validators');
mkdirSync(out, { recursive: true });
for (const name of SCHEMA_NAMES) writeFileSync(join(out, `${name}.cjs`), `${validatorModuleSource(name)}\n`);
