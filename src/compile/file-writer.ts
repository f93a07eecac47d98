/**
 * Writes compiled SQL files, leaving alone those whose content did not change (a warm compile of
 * a large project writes almost nothing): a file that may exist is opened and compared, a file in
 * a folder this writer created is simply created.
 */
import { closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface FileToWrite {
  path: string;
  content: string;
  /** Update the file only if it is already there; never create it. */
  onlyIfExists?: boolean;
}

/**
 * Writes into a file that exists, opened without O_CREAT, unless it already holds exactly this
 * content: its old content is read only when the size matches.
 */
function update(path: string, content: string): 'same' | 'written' | 'missing' {
  let fd: number;
  try {
    fd = openSync(path, 'r+');
  } catch {
    return 'missing';
  }
  try {
    const bytes = Buffer.from(content);
    const size = fstatSync(fd).size;
    if (size === bytes.length) {
      const old = Buffer.allocUnsafe(size);
      if (readSync(fd, old, 0, size, 0) === size && old.equals(bytes)) return 'same';
    }
    writeSync(fd, bytes, 0, bytes.length, 0);
    if (size > bytes.length) ftruncateSync(fd, bytes.length);
    return 'written';
  } finally {
    closeSync(fd);
  }
}

/** Writes the files whose content changed; returns how many it created or changed. */
export function writeFiles(files: readonly FileToWrite[]): number {
  // Per folder: created here (no old file to compare with in it), found, or missing.
  const folders = new Map<string, 'created' | 'found' | 'missing'>();
  const folder = (dir: string, create: boolean) => {
    let state = folders.get(dir);
    if (state === undefined || (state === 'missing' && create)) {
      if (existsSync(dir)) state = 'found';
      else if (!create) state = 'missing';
      else {
        mkdirSync(dir, { recursive: true });
        state = 'created';
      }
      folders.set(dir, state);
    }
    return state;
  };
  let written = 0;
  for (const f of files) {
    const state = folder(dirname(f.path), !f.onlyIfExists);
    if (state === 'missing') continue;
    // A file that may exist is written into; only a new one is created.
    if (state === 'found') {
      const outcome = update(f.path, f.content);
      if (outcome === 'same' || (outcome === 'missing' && f.onlyIfExists)) continue;
      if (outcome === 'written') {
        written++;
        continue;
      }
    }
    writeFileSync(f.path, f.content);
    written++;
  }
  return written;
}
