/**
 * A `files:` pattern on the local disk -> the matching files (absolute paths, sorted).
 *
 * The pattern is absolute or relative to the project. picomatch splits it into a static base
 * directory and a glob; only the base is walked, and only as deep as the glob can reach (any
 * depth with `**`). Hidden files match only when the glob says so (`.` at the start of a
 * segment). A pattern without glob characters names one file. A missing base, a missing file
 * and a glob that matches nothing are LOAD errors naming the pattern.
 */
import type { Dirent, Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { StrataError } from '../errors/strata-error.js';

/** Path shown to users: relative to the project when inside it, absolute otherwise. */
export function displayPath(projectDir: string, absolute: string): string {
  const rel = relative(projectDir, absolute);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? absolute : rel.split(sep).join('/');
}

function loadError(message: string, hint?: string, cause?: unknown): StrataError {
  return new StrataError('LOAD', message, { ...(hint ? { hint } : {}), ...(cause ? { cause } : {}) });
}

/**
 * A glob that matches nothing (or whose base folder does not exist). The loader treats it as an
 * error only when none of a source's patterns match anything: a source often lists alternatives
 * (`.txt` or `.zip`, two layouts) of which a given release has only some.
 */
export class NoMatchingFiles extends StrataError {
  constructor(message: string, hint: string) {
    super('LOAD', message, { hint });
  }
}

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw loadError(`cannot read ${path}: ${(err as Error).message}`, undefined, err);
  }
}

/** How many directory levels below the base the glob can reach (Infinity with `**`). */
function globDepth(glob: string): number {
  if (glob.includes('**')) return Infinity;
  return glob.split('/').length;
}

async function walk(base: string, depth: number, onFile: (rel: string) => void, prefix = ''): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(join(base, prefix), { withFileTypes: true });
  } catch (err) {
    throw loadError(`cannot list ${join(base, prefix)}: ${(err as Error).message}`, undefined, err);
  }
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (depth > 1) await walk(base, depth - 1, onFile, rel);
    } else if (e.isFile() || e.isSymbolicLink()) {
      onFile(rel);
    }
  }
}

/** Absolute paths of the regular files matching `pattern`, sorted. Throws LOAD errors. */
export async function expandLocalPattern(pattern: string, projectDir: string): Promise<string[]> {
  const absolute = resolve(projectDir, pattern).split(sep).join('/');
  const scan = picomatch.scan(absolute);
  const shown = pattern;
  if (!scan.isGlob) {
    const st = await statOrUndefined(absolute);
    if (!st) throw loadError(`file not found: ${shown}`, `check \`files:\` of the load: block (relative paths start at the project directory ${projectDir})`);
    if (st.isDirectory()) throw loadError(`${shown} is a directory`, `use a glob such as ${shown.replace(/\/$/, '')}/*.txt`);
    return [resolve(absolute)];
  }
  const base = scan.base === '' ? '/' : scan.base;
  const baseStat = await statOrUndefined(base);
  if (!baseStat?.isDirectory()) {
    throw new NoMatchingFiles(`no such directory ${displayPath(projectDir, base)} (from files: ${shown})`, `check \`files:\` of the load: block`);
  }
  const isMatch = picomatch(scan.glob, { dot: false });
  const found: string[] = [];
  await walk(base, globDepth(scan.glob), (rel) => {
    if (isMatch(rel)) found.push(resolve(base, rel));
  });
  const files: string[] = [];
  for (const f of found) if ((await statOrUndefined(f))?.isFile()) files.push(f);
  if (files.length === 0) throw new NoMatchingFiles(`no files match ${shown}`, `looked below ${displayPath(projectDir, base)}`);
  return files.sort();
}
