/**
 * The programmatic surface of the compiler: `compile()`, `parse()` and `list()`. No database.
 * Each returns data (manifest, selection, errors); the CLI only formats it.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StrataError, StrataErrors } from '../errors/strata-error.js';
import { compiledFiles, readManifest, writeManifest, type GenericTestFiles, type WrittenManifest } from '../compile/artifacts.js';
import { parseProject, strataBuild, type ParseOptions } from '../compile/parse-project.js';
import { inputFolders, inputsDigest, saveFingerprint, takeFingerprint, unchangedSince, type CompileSummary, type Fingerprint, type FingerprintInput, type TakenDigest } from '../compile/fingerprint.js';
import { writeFiles } from '../compile/file-writer.js';
import { findProjectFile, type loadProjectConfig } from '../project/project-config.js';
import { readsBack, warmProject, warningOf } from '../compile/warm-project.js';
import type { ParseContext } from '../compile/parse-context.js';
import { buildGraph, type Graph } from '../graph/dag.js';
import { selectNodes } from '../graph/select.js';
import { parseSelectorsFile } from '../graph/selectors-file.js';
import type { SelectorDefinition } from '../graph/selector-definition.js';
import type { SelectionCriterion } from '../graph/selection-spec.js';
import { unmatchedCriteriaWarnings } from '../graph/unmatched-criteria.js';
import type { Manifest, ResourceType } from '../manifest/types.js';
import { valuesOf } from '../manifest/record-values.js';

export interface ProjectOptions {
  projectDir?: string;
  vars?: Record<string, unknown>;
  target?: string;
  env?: Record<string, string | undefined>;
}

export interface SelectionOptions {
  select?: string[];
  exclude?: string[];
  selector?: string;
  /** Directory holding the manifest.json to compare with for `state:` selection. */
  state?: string;
  resourceTypes?: ResourceType[];
}

export interface CompiledProject {
  projectDir: string;
  manifest: Manifest;
  graph: Graph;
  ctx: ParseContext;
  selected: Set<string>;
  warnings: StrataError[];
  /**
   * Criteria of this selection that matched nothing (unmatched-criteria.ts). Apart from
   * `warnings`, which the compile cache keeps: these belong to one command's selection.
   */
  selectionWarnings: StrataError[];
  targetDir: string;
}

/** Where a successful run keeps its manifest for `state:modified` (written by the runner). */
export const LAST_SUCCESS_DIR = 'last_success';

function loadSelectors(projectDir: string): Record<string, SelectorDefinition> {
  const file = 'selectors.yml';
  const path = join(projectDir, file);
  if (!existsSync(path)) return {};
  return parseSelectorsFile(readFileSync(path, 'utf8'), file);
}

function previousManifest(projectDir: string, targetDir: string, stateDir: string | undefined): Manifest | undefined {
  const dir = stateDir ? resolve(projectDir, stateDir) : join(targetDir, LAST_SUCCESS_DIR);
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) {
    if (stateDir) throw new StrataError('USAGE', `--state ${stateDir}: no manifest.json there`, { hint: 'point --state at the target/ folder of an earlier run' });
    return undefined;
  }
  return readManifest(path);
}

/** Parses and compiles the project, then selects nodes. Throws StrataErrors on any project error. */
export function compileProject(options: ProjectOptions & SelectionOptions & Pick<ParseOptions, 'parseOnly' | 'loaded'> = {}): CompiledProject {
  const projectDir = resolve(options.projectDir ?? '.');
  const result = parseProject(projectDir, {
    ...(options.vars ? { vars: options.vars } : {}),
    ...(options.target ? { target: options.target } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.parseOnly ? { parseOnly: true } : {}),
    ...(options.loaded ? { loaded: options.loaded } : {}),
  });
  if (result.errors.length || !result.manifest || !result.ctx) throw new StrataErrors(result.errors);
  return selectIn(projectDir, { manifest: result.manifest, ctx: result.ctx, warnings: result.warnings }, options);
}

/** A parsed project (or one read back, warm-project.ts) with its selection. */
function selectIn(projectDir: string, parsed: { manifest: Manifest; ctx: ParseContext; warnings: StrataError[] }, options: SelectionOptions): CompiledProject {
  const { manifest, ctx } = parsed;
  const targetDir = resolve(projectDir, ctx.config.targetPath);
  const selectors = loadSelectors(projectDir);
  manifest.selectors = selectors as Record<string, unknown>;
  const selectAll = !options.select?.length && !options.exclude?.length && !options.selector && !options.resourceTypes
    && !Object.values(selectors).some((s) => s.default);
  // Only a selection can compare with the last run (`state:`): reading its manifest.json is
  // ~1 s at 10,000 models, which every full compile or run after a successful one used to pay.
  const previous = selectAll && !options.state ? undefined : previousManifest(projectDir, targetDir, options.state);
  // Building the graphlib graph costs most of a second on 40,000 nodes; without a selection
  // every node is selected and the graph is built only if a caller asks for it.
  let graph: Graph | undefined;
  const getGraph = () => (graph ??= buildGraph(manifest));
  const unmatched: SelectionCriterion[] = [];
  const selected = selectAll ? new Set([...Object.keys(manifest.nodes), ...Object.keys(manifest.sources)]) : selectNodes(manifest, getGraph(), {
    unmatched,
    ...(options.select ? { select: options.select } : {}),
    ...(options.exclude ? { exclude: options.exclude } : {}),
    ...(options.selector ? { selector: options.selector } : {}),
    selectors,
    ...(previous ? { previousManifest: previous } : {}),
    ...(options.resourceTypes ? { resourceTypes: options.resourceTypes } : {}),
  });
  const selectionWarnings = unmatchedCriteriaWarnings(unmatched, manifest);
  return { projectDir, manifest, get graph() { return getGraph(); }, ctx, selected, warnings: parsed.warnings, selectionWarnings, targetDir };
}

/**
 * The fingerprint's input for a compile or run of the whole project with these options (undefined:
 * no project file). `projectText`: the project file as the command's config was loaded from it.
 */
function fingerprintInput(options: ProjectOptions, projectText?: string): FingerprintInput | undefined {
  const projectDir = resolve(options.projectDir ?? '.');
  const projectFile = findProjectFile(projectDir);
  if (!projectFile) return undefined;
  return {
    projectDir, projectFile, ...(projectText !== undefined ? { projectText } : {}),
    strataVersion: strataBuild(), vars: options.vars ?? {}, target: options.target, env: options.env ?? process.env,
  };
}

/** A project for a command that runs it: warm (read back) or compiled. */
export interface ProjectToRun {
  project: CompiledProject;
  /** Read back from the last parse: target/manifest.json is already this project's and need not be written. */
  warm: boolean;
  /** Cold: saves the fingerprint once target/manifest.json is written, so that the next run can read it back. */
  remember(written: WrittenManifest): void;
}

/**
 * The project for `strata run`, `build`, `seed` and `test`: when nothing changed since the last
 * parse, read back from target/manifest.json (warm-project.ts); else parsed and compiled.
 * `loaded`: the project config, loaded with the same options.
 */
export function projectToRun(
  options: ProjectOptions & SelectionOptions & { cache?: boolean; runsUnitTests?: boolean }, loaded: ReturnType<typeof loadProjectConfig>,
): ProjectToRun {
  const projectDir = resolve(options.projectDir ?? '.');
  // The project file's hash is the text the config came from: an edit while the run runs is not vouched for.
  const fpInput = options.cache === false || loaded.text === undefined ? undefined : fingerprintInput(options, loaded.text);
  let taken: TakenDigest | undefined;
  const warm = fpInput && warmProject(fpInput, loaded, (d) => (taken = d), { runsUnitTests: Boolean(options.runsUnitTests) });
  if (warm) return { project: selectIn(projectDir, warm, options), warm: true, remember: () => undefined };
  // The inputs as they are before the parse (a stat per file; unchangedSince took them already
  // when only files changed): taken after the run, they would vouch for a file edited during it.
  if (fpInput && !taken && loaded.config) {
    const folders = inputFolders(loaded.config);
    taken = { folders, digest: inputsDigest(projectDir, folders) };
  }
  const project = compileProject({ ...options, loaded });
  return {
    project,
    warm: false,
    remember: (written) => {
      const fingerprint = fpInput && fingerprintOf(project, fpInput, taken, false);
      if (fpInput && fingerprint) saveFingerprint(fpInput, { ...fingerprint, manifestPath: written.path, manifest: written.stamp });
    },
  };
}

export function summarize(manifest: Manifest): CompileSummary {
  const summary: CompileSummary = { models: 0, tests: 0, seeds: 0, sources: Object.keys(manifest.sources).length, unitTests: 0 };
  for (const n of valuesOf(manifest.nodes)) {
    if (n.resourceType === 'model') summary.models++;
    else if (n.resourceType === 'test') summary.tests++;
    else if (n.resourceType === 'seed') summary.seeds++;
    else if (n.resourceType === 'unit_test') summary.unitTests++;
  }
  return summary;
}

/**
 * The fingerprint of what this compile (or run) read, for the next one's "nothing changed".
 * `compiledFiles`: target/compiled/ holds every file a full compile writes.
 */
function fingerprintOf(project: CompiledProject, input: FingerprintInput, taken: TakenDigest | undefined, compiledFiles: boolean): Omit<Fingerprint, 'manifestPath' | 'manifest'> | undefined {
  const c = project.ctx.config;
  // Every env var the parse read: the project file's, each node's (disabled ones too: an env var
  // can enable one) and the sources' load blocks'.
  const envRead: Record<string, string | null> = { ...c.envRead, ...project.ctx.disabledEnvRead };
  for (const n of valuesOf(project.manifest.nodes)) if ((n.resourceType === 'model' || n.resourceType === 'test') && n.envRead) Object.assign(envRead, n.envRead);
  for (const src of valuesOf(project.manifest.sources)) Object.assign(envRead, src.envRead ?? {});
  const folders = inputFolders(c);
  const before = taken && JSON.stringify(taken.folders) === JSON.stringify(folders) ? taken.digest : undefined;
  const fp = takeFingerprint(input, folders, envRead, summarize(project.manifest), before ?? project.ctx.inputsDigest);
  return fp && { ...fp, compiledFiles, warnings: project.warnings.map((w) => w.toJSON()), readsBack: readsBack(project.manifest) };
}

export type CompileOutcome =
  | { upToDate: true; summary: CompileSummary; warnings: StrataError[] }
  | (CompiledProject & { upToDate: false; written: number; genericTestFiles: GenericTestFiles; summary: CompileSummary });

/**
 * `strata compile`: compile, then write target/manifest.json and target/compiled/ for the
 * selection. When nothing changed since the last full compile (same files, vars, target and
 * environment), there is nothing to do and nothing is parsed.
 *
 * A compile of the whole project writes the files of models and singular tests, and refreshes
 * generic tests' files only where they already exist (their SQL is in manifest.json); a compile
 * of a selection writes every selected node's file.
 */
export function compile(options: ProjectOptions & SelectionOptions & { cache?: boolean } = {}): CompileOutcome {
  const full = !options.select?.length && !options.exclude?.length && !options.selector && !options.state;
  const fpInput = fingerprintInput(options);
  let taken: TakenDigest | undefined;
  if (full && fpInput && options.cache !== false) {
    const fp = unchangedSince(fpInput, (d) => (taken = d));
    // The parse's warnings hold until what they are about changes: say them again.
    if (fp) return { upToDate: true, summary: fp.summary, warnings: (fp.warnings ?? []).map(warningOf) };
  }
  // The compiled files are written here, once their SQL is known. (Creating them empty on a worker
  // thread while the parse ran, then filling them in, was measured slower on two CPUs: each file
  // was opened twice, and the thread took CPU time from the parse; bench/results/compile.analysis.md.)
  const project = compileProject(options);
  const genericTestFiles: GenericTestFiles = full ? 'refresh' : 'write';
  mkdirSync(join(project.targetDir, 'compiled'), { recursive: true });
  const filesWritten = writeFiles(compiledFiles(project.targetDir, project.manifest, project.selected, genericTestFiles));
  const written = writeManifest(project.targetDir, project.manifest);
  const fingerprint = full && fpInput && options.cache !== false ? fingerprintOf(project, fpInput, taken, true) : undefined;
  // Only once every output is in place: the next compile trusts it.
  if (fpInput && fingerprint) saveFingerprint(fpInput, { ...fingerprint, manifestPath: written.path, manifest: written.stamp });
  // Not a spread: that would evaluate the lazy `graph` getter.
  return Object.assign(project, { upToDate: false as const, written: filesWritten, genericTestFiles, summary: fingerprint?.summary ?? summarize(project.manifest) });
}

/** `strata parse`: validate only (no compile pass, nothing selected, manifest written). */
export function parse(options: ProjectOptions = {}): CompiledProject {
  const project = compileProject({ ...options, parseOnly: true });
  writeManifest(project.targetDir, project.manifest);
  return project;
}

export type ListOutput = 'selector' | 'name' | 'path' | 'json';

export interface ListedNode {
  uniqueId: string;
  name: string;
  resourceType: ResourceType;
  path: string;
  selector: string;
  materialized?: string;
  tags: string[];
}

/** `strata ls`: the selected resources in a stable order, and the criteria that matched nothing. */
export function list(options: ProjectOptions & SelectionOptions = {}): { nodes: ListedNode[]; warnings: StrataError[] } {
  const project = compileProject({ ...options, parseOnly: true });
  const out: ListedNode[] = [];
  for (const id of [...project.selected].sort()) {
    const n = project.manifest.nodes[id] ?? project.manifest.sources[id];
    if (!n) continue;
    out.push({
      uniqueId: n.uniqueId,
      name: n.resourceType === 'source' ? `${n.sourceName}.${n.name}` : n.name,
      resourceType: n.resourceType,
      path: n.originalFilePath,
      selector: n.resourceType === 'source' ? `source:${n.fqn.join('.')}` : n.fqn.join('.'),
      ...(n.resourceType === 'model' ? { materialized: n.config.materialized } : {}),
      tags: n.tags,
    });
  }
  return { nodes: out, warnings: project.selectionWarnings };
}
