/**
 * Sources' `load:` blocks, validated with the rest of the project: a misspelt key (`delimeter`)
 * or a bad value is a CONFIG error at the source's line from `strata parse` and `compile`, which
 * need no database, instead of from the first `strata load` or `build` that reaches the source.
 * The loader parses the block again when it loads (src/load/spec.ts), with the same rules.
 */
import type { StrataError } from '../errors/strata-error.js';
import { parseLoadSpec } from '../load/spec.js';
import type { Manifest } from '../manifest/types.js';
import { valuesOf } from '../manifest/record-values.js';

export function checkLoadBlocks(manifest: Manifest): StrataError[] {
  const errors: StrataError[] = [];
  for (const source of valuesOf(manifest.sources)) {
    if (source.load !== undefined) errors.push(...parseLoadSpec(source).errors);
  }
  return errors;
}
