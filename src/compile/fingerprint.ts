/**
 * "Nothing changed since the last compile": a stat-level fingerprint of every input file (path,
 * size, modification and change times, inode), the project file's content, --vars, --target, the
 * environment variables the project read and the strata build. When it matches, `strata compile`
 * has nothing to do; a 10,000-model project is checked with ~20,000 stat calls and no parsing.
 *
 * It also vouches for the manifest.json it was saved with (its path, inode, size and modification
 * time, taken from the written file before it was renamed into place): a run whose inputs did not
 * change reads that manifest instead of parsing the project (warm-project.ts). Whatever replaces
 * or rewrites manifest.json (`strata parse`, a concurrent command, an older strata, a user) makes
 * both the compile and the run parse again.
 *
 * Anything unexpected (missing file, other format) is a mismatch, never an error.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { valueKey } from '../template/python-float.js';

const FORMAT = 3;
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
  /** The manifest.json the compile or run that saved this fingerprint wrote (absolute path). */
  manifestPath: string;
  manifest: FileStamp;
  /**
   * The manifest reads back as the parse produced it: no value JSON cannot hold (NaN and the
   * infinities, which YAML's .nan and .inf give, are written as null) in the nodes' configs, unit
   * tests' rows or test arguments. A run parses when it does not.
   */
  readsBack: boolean;
  /** Written by a full `strata compile`: target/compiled/ holds every model's and singular test's file. A run writes only what it ran. */
  compiledFiles: boolean;
  /** The parse's warnings, for a run that reads the manifest instead of parsing (JSON of StrataError). */
  warnings: Array<Record<string, unknown>>;
}

export interface FileStamp {
  ino: number;
  size: number;
  mtimeMs: number;
}

export function stampOf(st: { ino: number; size: number; mtimeMs: number }): FileStamp {
  return { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
}

export function sameStamp(a: FileStamp | undefined, b: FileStamp | undefined): boolean {
  return Boolean(a && b) && a!.ino === b!.ino && a!.size === b!.size && a!.mtimeMs === b!.mtimeMs;
}

/** What a caller of unchangedSince needs in place: a compile needs target/compiled/ complete, a run only the manifest. */
export type Needs = 'compiled' | 'manifest';

export interface FingerprintInput {
  projectDir: string;
  projectFile: string;
  /**
   * The project file's text as the command read it (a run: what its config was loaded from), so
   * an edit while the command runs does not get vouched for; read when first needed otherwise.
   */
  projectText?: string;
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
  return resolve(projectDir, targetPathOf(projectText), '.cache', 'compile-fingerprint.json');
}

function statStamp(path: string): FileStamp | undefined {
  try {
    return stampOf(statSync(path));
  } catch {
    return undefined;
  }
}

/** The folders whose files are a compile's inputs. */
export function inputFolders(c: { modelPaths: string[]; seedPaths: string[]; macroPaths: string[]; testPaths: string[]; docsPaths: string[] }): string[] {
  return [...c.modelPaths, ...c.seedPaths, ...c.macroPaths, ...c.testPaths, ...c.docsPaths];
}

/**
 * Digest of (path, size, mtime, ctime, inode) of every input file below the folders, plus
 * selectors.yml. The change time is set by the kernel on every write, rename or chmod and no tool
 * can set it back (`cp -p`, `rsync -a` and `touch -r` restore mtimes). A folder or file that
 * cannot be listed or stat'ed (removed meanwhile, no permission) gives a digest that matches
 * nothing: the command then parses, and the parse reports what is wrong.
 */
export function inputsDigest(projectDir: string, folders: string[]): string {
  const h = createHash('sha1');
  const lines: string[] = [];
  const line = (path: string): string => {
    const st = statSync(path);
    return `${path}\t${st.size}\t${st.mtimeMs}\t${st.ctimeMs}\t${st.ino}`;
  };
  try {
    for (const folder of [...new Set(folders)].sort()) {
      const root = join(projectDir, folder);
      if (!existsSync(root)) continue;
      for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile() || !EXTENSIONS.some((e) => entry.name.endsWith(e))) continue;
        lines.push(line(join(entry.parentPath, entry.name)));
      }
    }
    const selectors = join(projectDir, 'selectors.yml');
    if (existsSync(selectors)) lines.push(line(selectors));
  } catch {
    return `unreadable ${randomUUID()}`;
  }
  for (const l of lines.sort()) h.update(l).update('\n');
  return h.digest('hex');
}

/** --vars as the fingerprint compares them: JSON, with 1.0 told from 1, and NaN and the infinities from null. */
export function varsKey(vars: Record<string, unknown>): string {
  return valueKey(vars);
}

function readProjectText(input: FingerprintInput): string | undefined {
  if (input.projectText !== undefined) return input.projectText;
  try {
    return (input.projectText = readFileSync(join(input.projectDir, input.projectFile), 'utf8'));
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
 * is in place; undefined otherwise. `taken` receives the inputs' digest when it was taken: the
 * compile that follows records it rather than stat every input again, and it describes the inputs
 * as they were before the parse, so a file edited during the compile makes the next one run again.
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
  if (fp.format !== FORMAT || fp.strataVersion !== input.strataVersion) return undefined;
  if (fp.projectFileHash !== createHash('sha1').update(text).digest('hex')) return undefined;
  if (fp.vars !== varsKey(input.vars) || fp.target !== (input.target ?? '')) return undefined;
  for (const [name, value] of Object.entries(fp.env)) if ((input.env[name] ?? null) !== value) return undefined;
  // Taken before the checks of the outputs: the parse that follows when one fails records it.
  const digest = inputsDigest(input.projectDir, fp.folders);
  taken?.({ folders: fp.folders, digest });
  if (fp.inputs !== digest) return undefined;
  if (typeof fp.manifestPath !== 'string' || !sameStamp(statStamp(fp.manifestPath), fp.manifest)) return undefined;
  if (needs === 'compiled' && (!fp.compiledFiles || !existsSync(join(fp.manifestPath, '..', 'compiled')))) return undefined;
  if (needs === 'manifest' && !fp.readsBack) return undefined;
  return fp;
}

/**
 * The fingerprint of a compile. `inputs`: the inputs' digest if already taken (a worker thread
 * takes it while a cold compile parses; best taken before parsing anyway: a file edited during the
 * compile then makes the next one run again); else taken now, a stat call per input file.
 */
export function takeFingerprint(input: FingerprintInput, folders: string[], envRead: Record<string, string | null>, summary: CompileSummary, inputs?: string): Omit<Fingerprint, 'manifestPath' | 'manifest' | 'compiledFiles' | 'warnings' | 'readsBack'> | undefined {
  const text = readProjectText(input);
  if (text === undefined) return undefined;
  return {
    format: FORMAT,
    strataVersion: input.strataVersion,
    projectFileHash: createHash('sha1').update(text).digest('hex'),
    folders,
    inputs: inputs ?? inputsDigest(input.projectDir, folders),
    vars: varsKey(input.vars),
    target: input.target ?? '',
    env: { STRATA_TARGET: input.env['STRATA_TARGET'] ?? null, ...envRead },
    summary,
  };
}

/**
 * Saves it, for the manifest.json written at `manifestPath` with stamp `manifest` (taken from the
 * written file itself, before it was renamed into place: a stat afterwards could see another
 * command's). Save it only once every output is in place, or the next compile (or run) trusts a
 * partial one.
 */
export function saveFingerprint(input: FingerprintInput, fp: Fingerprint): void {
  const text = readProjectText(input);
  if (text === undefined) return;
  try {
    const path = fingerprintPath(input.projectDir, text);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, JSON.stringify(fp));
  } catch {
    // read-only target/: no fast path next time
  }
}
