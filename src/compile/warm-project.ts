/**
 * A run of an unchanged project reads its manifest instead of parsing it. When the compile
 * fingerprint (fingerprint.ts) holds (same input files, project file, --vars, --target and the
 * environment variables the project read) and target/manifest.json is the one that fingerprint
 * vouches for, that manifest is what a parse would produce: reading it (JSON.parse, ~13 ms for
 * 200 models and their tests) replaces the parse and compile (~120 ms for the same project).
 *
 * What the run still needs of a parse is its context: the project config (already loaded, to
 * connect while this runs), the template engine with the project's macros (hooks and templates
 * that read `execute` render at run time) and the parse's warnings (kept in the fingerprint).
 *
 * Anything unexpected (no fingerprint, a manifest that does not read) means "parse", never an
 * error: the parse then reports what is wrong. `readsBack` tells the fingerprint, when it is
 * saved, whether the manifest survives JSON at all.
 */
import { join, resolve } from 'node:path';
import { StrataError, StrataErrors, type ErrorCode, type SourceLocation } from '../errors/strata-error.js';
import type { Manifest } from '../manifest/types.js';
import type { loadProjectConfig } from '../project/project-config.js';
import { readManifestIf } from './artifacts.js';
import { valuesOf } from '../manifest/record-values.js';
import { unchangedSince, type FingerprintInput, type TakenDigest } from './fingerprint.js';
import { ParseContext } from './parse-context.js';
import { readMacroFiles } from './parse-project.js';

export interface WarmProject {
  manifest: Manifest;
  ctx: ParseContext;
  warnings: StrataError[];
}

/** A warning as the fingerprint keeps it (StrataError.toJSON), made an error object again. */
/** A warning saved with the fingerprint, as the parse reported it. */
export function warningOf(json: Record<string, unknown>): StrataError {
  const { code, message, location, nodeId, hint, details } = json as {
    code: ErrorCode; message: string; location?: SourceLocation; nodeId?: string; hint?: string; details?: string[];
  };
  return new StrataError(code, message, { ...(location ? { location } : {}), ...(nodeId ? { nodeId } : {}), ...(hint ? { hint } : {}), ...(details ? { details } : {}) });
}

/**
 * The project as its last parse left it, when nothing changed since; undefined otherwise.
 * `taken`: as for unchangedSince, the inputs' digest when it was taken and found changed.
 */
export function warmProject(
  input: FingerprintInput, loaded: ReturnType<typeof loadProjectConfig>, taken?: (d: TakenDigest) => void, options: { runsUnitTests?: boolean } = {},
): WarmProject | undefined {
  if (!loaded.config || !loaded.engine) return undefined;
  const fp = unchangedSince(input, taken, 'manifest');
  if (!fp) return undefined;
  // Unit tests render their model again with the config the parse rendered it with (its render
  // records, which the manifest does not hold): a command that runs them parses.
  if (options.runsUnitTests && fp.summary.unitTests > 0) return undefined;
  const config = loaded.config;
  const path = resolve(input.projectDir, config.targetPath, 'manifest.json');
  // The manifest the fingerprint vouches for is this configuration's (a target-path from an env var or var).
  if (resolve(fp.manifestPath) !== resolve(path)) return undefined;
  const manifest = readManifestIf(path, fp.manifest);
  if (!manifest?.nodes || manifest.metadata?.projectName !== config.name || manifest.metadata.targetName !== config.target.name) return undefined;
  // Every model and data test compiled (a parse-only manifest is never vouched for; belt and braces).
  for (const n of valuesOf(manifest.nodes)) if ((n.resourceType === 'model' || n.resourceType === 'test') && typeof n.compiledCode !== 'string') return undefined;
  const ctx = new ParseContext(config, loaded.engine, input.vars, input.env);
  // The macro files are among the fingerprint's inputs: they loaded when it was taken. Should one
  // fail now all the same, a parse would report just that (into this engine, which has them half loaded).
  const errors = ctx.engine.loadMacros(readMacroFiles(input.projectDir, config));
  if (errors.length) throw new StrataErrors(errors);
  return { manifest, ctx, warnings: fp.warnings.map(warningOf) };
}

/** A value JSON cannot hold (NaN, ±Infinity: written as null), anywhere in `value`. */
function hasNonFinite(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (Array.isArray(value)) return value.some(hasNonFinite);
  if (value !== null && typeof value === 'object') {
    for (const k in value) if (hasNonFinite((value as Record<string, unknown>)[k])) return true;
  }
  return false;
}

/**
 * Whether manifest.json reads back as this manifest: where YAML or config() values land (node
 * configs and columns, test arguments, unit tests' rows and overrides, sources' load blocks), no
 * number JSON cannot hold.
 */
export function readsBack(manifest: Manifest): boolean {
  for (const n of valuesOf(manifest.nodes)) {
    if (hasNonFinite(n.config)) return false;
    // kwargs, and rawKwargs (a test rendered again at run time renders them again)
    if (n.resourceType === 'test' && hasNonFinite(n.testMetadata)) return false;
    if (n.resourceType === 'unit_test' && (hasNonFinite(n.given) || hasNonFinite(n.expect) || hasNonFinite(n.overrides))) return false;
    if ((n.resourceType === 'model' || n.resourceType === 'seed') && hasNonFinite(n.columns)) return false;
  }
  for (const src of valuesOf(manifest.sources)) if (hasNonFinite(src.config) || hasNonFinite(src.load) || hasNonFinite(src.columns)) return false;
  return true;
}
