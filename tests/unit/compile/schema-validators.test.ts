/**
 * The schema validators strata runs are compiled ahead of time from schema/*.schema.json
 * (scripts/generate-schema-validators.mjs): the checked-in module must be what the schemas give.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs build script, no type declarations
import { GENERATED, generate } from '../../../scripts/generate-schema-validators.mjs';
import { validateAgainstSchema } from '../../../src/project/schema-validation.js';
import { YamlLocator } from '../../../src/project/yaml-file.js';

describe('precompiled schema validators', () => {
  it('are current with schema/*.schema.json (else: node scripts/generate-schema-validators.mjs)', () => {
    expect(readFileSync(GENERATED as string, 'utf8') === (generate as () => string)()).toBe(true);
  });

  it('report an unknown key with its location and a suggestion', () => {
    const text = 'name: p\nmodel-paths: [models]\nmodles: {}\n';
    const [error, ...rest] = validateAgainstSchema('project', { name: 'p', 'model-paths': ['models'], modles: {} }, new YamlLocator('project.yml', text));
    expect(rest).toEqual([]);
    expect(error?.message).toBe("unknown key 'modles' in the file");
    expect(error?.hint).toBe("did you mean 'models'?");
    expect(error?.location).toMatchObject({ file: 'project.yml', line: 3 });
  });
});
