/**
 * "Nothing changed since the last compile": a stat-level fingerprint of every input file (path,
 * size, modification time), the project file's content, --vars, --target and the environment
 * variables the project read. When it matches, `strata compile` has nothing to do; a 10,000-model
 * project is checked with ~20,000 stat calls and no parsing at all.
 *
 * It also vouches for target/manifest.json (its size and modification time when the fingerprint
 * was saved): a run whose inputs did not change reads that manifest instead of parsing the
 * project (warm-project.ts). Whatever rewrites manifest.json (`strata parse`, an older strata, a
 * user) makes both the compile and the run parse again.
 *
 * Anything unexpected (missing file, other format) is a mismatch, never an error.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FORMAT = 2;
const EXTENSIONS = ['.sql', '.yml', '.yaml', '.csv', '.md'];

export interface CompileSummary {
  models: number;
  tests: number;
  seeds: number;
  sources: number;
  unitTests: number;
}

export interface Fingerprint {
  format: number;
  strataVersion: string;
  projectFileHash: string;
  folders: string[];
  inputs: string;
  vars: string;
  target: string;
  env: Record<string, string | null>;
  summary: CompileSummary;
  /** target/manifest.json as the compile or run that saved this fingerprint left it. */
  manifest: FileStamp;
  /** Written by a full `strata compile`: target/compiled/ holds every model's and singular test's file. A run writes only what it ran. */
  compiledFiles: boolean;
  /** The parse's warnings, for a run that reads the manifest instead of parsing (JSON of StrataError). */
  warnings: Array<Record<string, unknown>>;
}

export interface FileStamp {
  size: number;
  mtimeMs: number;
}

/** What a caller of unchangedSince needs in place: a compile needs target/compiled/ complete, a run only the manifest. */
export type Needs = 'compiled' | 'manifest';

export interface FingerprintInput {
  projectDir: string;
  projectFile: string;
  strataVersion: string;
  vars: Record<string, unknown>;
  target: string | undefined;
  env: Record<string, string | undefined>;
}

/** The target path as written in the project file (a miss is harmless: it only skips the fast path). */
export function targetPathOf(projectText: string): string {
  const m = /^target-path:\s*["']?([^"'\n#]+?)["']?\s*(?:#.*)?$/m.exec(projectText);
  return m?.[1]?.trim() || 'target';
}

function fingerprintPath(projectDir: string, projectText: string): string {
  return join(projectDir, targetPathOf(projectText), '.cache', 'compile-fingerprint.json');
}

function stampOf(path: string): FileStamp | undefined {
  try {
    const st = statSync(path);
    return { size: st.size, mtimeMs: st.mtimeMs };
  } catch {
    return undefined;
  }
}

/** The folders whose files are a compile's inputs. */
export function inputFolders(c: { modelPaths: string[]; seedPaths: string[]; macroPaths: string[]; testPaths: string[]; docsPaths: string[] }): string[] {
  return [...c.modelPaths, ...c.seedPaths, ...c.macroPaths, ...c.testPaths, ...c.docsPaths];
}

/** Digest of (path, size, mtime) of every input file below the folders, plus selectors.yml. */
export function inputsDigest(projectDir: string, folders: string[]): string {
  const h = createHash('sha1');
  const lines: string[] = [];
  for (const folder of [...new Set(folders)].sort()) {
    const root = join(projectDir, folder);
    if (!existsSync(root)) continue;
    for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !EXTENSIONS.some((e) => entry.name.endsWith(e))) continue;
      const path = join(entry.parentPath, entry.name);
      const st = statSync(path);
      lines.push(`${path}\t${st.size}\t${st.mtimeMs}`);
    }
  }
  const selectors = join(projectDir, 'selectors.yml');
  if (existsSync(selectors)) {
    const st = statSync(selectors);
    lines.push(`${selectors}\t${st.size}\t${st.mtimeMs}`);
  }
  for (const line of lines.sort()) h.update(line).update('\n');
  return h.digest('hex');
}

function readProjectText(input: FingerprintInput): string | undefined {
  try {
    return readFileSync(join(input.projectDir, input.projectFile), 'utf8');
  } catch {
    return undefined;
  }
}

/** The inputs' digest as unchangedSince took it, for the compile that follows (when its folders are the same). */
export interface TakenDigest {
  folders: string[];
  digest: string;
}

/**
 * The last compile's (or run's) fingerprint when nothing changed since and what `needs` asks for
 * is in place; undefined otherwise. `taken` receives the inputs' digest when it was taken (the
 * files changed): the compile that follows records it rather than stat every input again, and it
 * describes the inputs as they were before the parse, so a file edited during the compile makes
 * the next one run again.
 */
export function unchangedSince(input: FingerprintInput, taken?: (d: TakenDigest) => void, needs: Needs = 'compiled'): Fingerprint | undefined {
  const text = readProjectText(input);
  if (text === undefined) return undefined;
  let fp: Fingerprint;
  try {
    fp = JSON.parse(readFileSync(fingerprintPath(input.projectDir, text), 'utf8')) as Fingerprint;
  } catch {
    return undefined;
  }
  const targetDir = join(input.projectDir, targetPathOf(text));
  if (fp.format !== FORMAT || fp.strataVersion !== input.strataVersion) return undefined;
  if (fp.projectFileHash !== createHash('sha1').update(text).digest('hex')) return undefined;
  if (fp.vars !== JSON.stringify(input.vars) || fp.target !== (input.target ?? '')) return undefined;
  for (const [name, value] of Object.entries(fp.env)) if ((input.env[name] ?? null) !== value) return undefined;
  if (needs === 'compiled' && (!fp.compiledFiles || !existsSync(join(targetDir, 'compiled')))) return undefined;
  const manifest = stampOf(join(targetDir, 'manifest.json'));
  if (!manifest || manifest.size !== fp.manifest?.size || manifest.mtimeMs !== fp.manifest.mtimeMs) return undefined;
  const digest = inputsDigest(input.projectDir, fp.folders);
  if (fp.inputs !== digest) {
    taken?.({ folders: fp.folders, digest });
    return undefined;
  }
  return fp;
}

/**
 * The fingerprint of a compile. `inputs`: the inputs' digest if already taken (a worker thread
 * takes it while a cold compile parses; best taken before parsing anyway: a file edited during the
 * compile then makes the next one run again); else taken now, a stat call per input file.
 */
export function takeFingerprint(input: FingerprintInput, folders: string[], envRead: Record<string, string | null>, summary: CompileSummary, inputs?: string): Omit<Fingerprint, 'manifest' | 'compiledFiles' | 'warnings'> | undefined {
  const text = readProjectText(input);
  if (text === undefined) return undefined;
  return {
    format: FORMAT,
    strataVersion: input.strataVersion,
    projectFileHash: createHash('sha1').update(text).digest('hex'),
    folders,
    inputs: inputs ?? inputsDigest(input.projectDir, folders),
    vars: JSON.stringify(input.vars),
    target: input.target ?? '',
    env: { STRATA_TARGET: input.env['STRATA_TARGET'] ?? null, ...envRead },
    summary,
  };
}

/**
 * Saves it, with the stamp of target/manifest.json as it is now: save it only once every output
 * is in place, or the next compile (or run) trusts a partial one.
 */
export function saveFingerprint(input: FingerprintInput, taken: Omit<Fingerprint, 'manifest'>): void {
  const text = readProjectText(input);
  if (text === undefined) return;
  const manifest = stampOf(join(input.projectDir, targetPathOf(text), 'manifest.json'));
  if (!manifest) return;
  const fp: Fingerprint = { ...taken, manifest };
  try {
    const path = fingerprintPath(input.projectDir, text);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, JSON.stringify(fp));
  } catch {
    // read-only target/: no fast path next time
  }
}
