/**
 * Generated inputs (bench/.work, git-ignored) and downloaded tools (bench/.cache, git-ignored).
 * A generated project is reused across runs as long as its stamp -- what it was generated from,
 * including a hash of the generator's source -- is unchanged.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BENCH_DIR } from './results.js';

export const WORK_DIR = join(BENCH_DIR, '.work');
export const CACHE_DIR = join(BENCH_DIR, '.cache');

/** sha256 (first 16 hex digits) of files' contents, e.g. of the generator. */
export function fingerprint(...files: string[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(readFileSync(f));
  return h.digest('hex').slice(0, 16);
}

/**
 * Run `generate()` unless `dir` exists with the same stamp (kept in `<dir>.stamp.json`).
 * Returns true when it (re)generated.
 */
export function ensureGenerated(dir: string, stamp: Record<string, unknown>, generate: () => void): boolean {
  const stampFile = `${dir}.stamp.json`;
  const wanted = JSON.stringify(stamp);
  if (existsSync(dir) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === wanted) return false;
  mkdirSync(dirname(dir), { recursive: true });
  generate();
  writeFileSync(stampFile, wanted);
  return true;
}

/** `ensureGenerated` for a generator that is asynchronous; the stamp is written only after it succeeded. */
export async function ensureGeneratedAsync(dir: string, stamp: Record<string, unknown>, generate: () => Promise<void>): Promise<boolean> {
  const stampFile = `${dir}.stamp.json`;
  const wanted = JSON.stringify(stamp);
  if (existsSync(dir) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === wanted) return false;
  mkdirSync(dirname(dir), { recursive: true });
  await generate();
  writeFileSync(stampFile, wanted);
  return true;
}
