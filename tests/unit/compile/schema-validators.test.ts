import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ValidateFunction } from 'ajv';
import { compileSchema, validatorModuleSource, type SchemaName } from '../../../src/project/schema-compiler.js';

const require = createRequire(import.meta.url);
// Inside the repository, so that the generated code's require('ajv/dist/runtime/...') resolves.
const dir = mkdtempSync(join(fileURLToPath(new URL('.', import.meta.url)), '.validators-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The validator the build generates, loaded the way schema-validation.ts loads it from dist/. */
function generated(name: SchemaName): ValidateFunction {
  const file = join(dir, `${name}.cjs`);
  writeFileSync(file, validatorModuleSource(name));
  return require(file) as ValidateFunction;
}

function errorsOf(validate: ValidateFunction, doc: unknown) {
  validate(doc);
  return (validate.errors ?? []).map((e) => ({ keyword: e.keyword, instancePath: e.instancePath, params: e.params, parentKeys: Object.keys((e.parentSchema as { properties?: object })?.properties ?? {}) }));
}

const documents: Record<SchemaName, unknown[]> = {
  project: [
    { name: 'p', 'model-paths': ['models'], vars: { a: 1 } },
    { name: 'p', 'model-path': ['models'] },
    { 'model-paths': 'models' },
    { name: 3, threads: 'x', 'model-paths': [1] },
  ],
  properties: [
    { version: 2, models: [{ name: 'm', columns: [{ name: 'id', data_tests: ['unique', { relationships: { to: "ref('x')", field: 'id' } }] }] }] },
    { version: 2, models: [{ name: 'm', colums: [] }] },
    { version: 2, models: [{ columns: [{ name: 3 }] }], sources: [{ name: 's', tables: [{ name: 't', loaded_at: 1 }] }] },
    { version: 3, seeds: 'x' },
  ],
};

describe('validators generated at build time (schema-compiler.ts)', () => {
  for (const name of Object.keys(documents) as SchemaName[]) {
    it(`${name}: report the same errors as the schema compiled at run time`, () => {
      const standalone = generated(name);
      const compiled = compileSchema(name);
      const results = documents[name].map((doc) => errorsOf(standalone, doc));
      expect(results).toEqual(documents[name].map((doc) => errorsOf(compiled, doc)));
      // Valid and invalid documents both among them, and parent schemas present for did-you-mean.
      expect(results[0]).toEqual([]);
      expect(results.slice(1).every((r) => r.length > 0)).toBe(true);
      expect(results[1]!.some((e) => e.keyword === 'additionalProperties' && e.parentKeys.length > 0)).toBe(true);
    });
  }
});
