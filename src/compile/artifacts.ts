/**
 * Writes what compile produced: `target/manifest.json` and `target/compiled/<path>.sql` (for generic
 * tests `target/compiled/<property file>/<test name>.sql`, as dbt does). A compiled file whose
 * content did not change is left alone, so a warm compile of a large project writes almost nothing.
 */
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { sameStamp, stampOf, type FileStamp } from './fingerprint.js';
import { join } from 'node:path';
import type { Manifest, ModelNode, TestNode } from '../manifest/types.js';
import { entriesOf } from '../manifest/record-values.js';
import { writeFiles, type FileToWrite } from './file-writer.js';

export function compiledPath(node: ModelNode | TestNode): string {
  if (node.resourceType === 'test' && node.testType === 'generic') return `${node.originalFilePath}/${node.name}.sql`;
  return node.originalFilePath;
}

/**
 * A file written through one reused buffer: strings are encoded straight into it and written a
 * megabyte at a time (no string of the whole file, no concatenated chunks to flatten).
 */
class BufferedFile {
  #buffer = Buffer.allocUnsafe(1 << 20);
  #used = 0;
  constructor(readonly fd: number) {}

  write(text: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    if (text.length * 3 > this.#buffer.length - this.#used) {
      this.flush();
      if (text.length * 3 > this.#buffer.length) {
        writeSync(this.fd, text);
        return;
      }
    }
    this.#used += this.#buffer.write(text, this.#used);
  }

  flush(): void {
    if (this.#used) writeSync(this.fd, this.#buffer, 0, this.#used);
    this.#used = 0;
  }
}

/**
 * Writes manifest.json node by node: one JSON.stringify of a 40,000-node manifest builds a
 * ~70 MB string (twice that in UTF-16) on top of the manifest itself.
 */
export function writeManifest(targetDir: string, manifest: Manifest): WrittenManifest {
  const steps = manifestWriter(targetDir, manifest);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * writeManifest a step at a time: each `next()` writes about one node (the file appears, whole,
 * when the last step renames it into place). A run writes it so while its nodes build
 * (src/run/idle-slices.ts): the thread mostly waits for the server then.
 */
export function* manifestWriter(targetDir: string, manifest: Manifest): Generator<void, WrittenManifest> {
  const path = join(targetDir, 'manifest.json');
  mkdirSync(targetDir, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  let stamp: FileStamp;
  try {
    const out = new BufferedFile(fd);
    const keys = Object.keys(manifest) as Array<keyof Manifest>;
    for (const [i, key] of keys.entries()) {
      out.write(`${i ? ',' : '{'}${JSON.stringify(key)}:`);
      const value = manifest[key];
      if (key === 'nodes' || key === 'sources' || key === 'parentMap' || key === 'childMap') {
        let first = true;
        for (const [id, v] of entriesOf(value as Record<string, unknown>)) {
          out.write(`${first ? '{' : ','}${JSON.stringify(id)}:`);
          out.write(JSON.stringify(v));
          first = false;
          yield;
        }
        out.write(first ? '{}' : '}');
      } else out.write(JSON.stringify(value));
      yield;
    }
    out.write(keys.length ? '}' : '{}');
    out.flush();
    // The file's own stamp, before the rename: a stat of the path afterwards could see another
    // command's manifest, renamed over this one in between (the compile fingerprint vouches for this one).
    stamp = stampOf(fstatSync(fd));
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return { path, stamp };
}

export interface WrittenManifest {
  path: string;
  stamp: FileStamp;
}

export function readManifest(path: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

/** The manifest at `path` if it is still the file of that stamp (read from the file it checked); else undefined. */
export function readManifestIf(path: string, stamp: FileStamp): Manifest | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    if (!sameStamp(stampOf(fstatSync(fd)), stamp)) return undefined;
    return JSON.parse(readFileSync(fd, 'utf8')) as Manifest;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Generic tests' files: `write` them all, or only `refresh` those already there. A project's
 * generic tests outnumber its models (three per model is common), and creating a file costs more
 * than compiling the test; their SQL is in manifest.json either way.
 */
export type GenericTestFiles = 'write' | 'refresh';

/** The compiled SQL files of the given nodes (models and tests), under `targetDir/compiled/`. */
export function compiledFiles(targetDir: string, manifest: Manifest, ids: Iterable<string>, genericTests: GenericTestFiles = 'write'): FileToWrite[] {
  const root = join(targetDir, 'compiled');
  // Nothing compiled before (a cold compile): no generic test's file to refresh.
  const refresh = genericTests === 'refresh' ? existsSync(root) : undefined;
  const files: FileToWrite[] = [];
  for (const id of ids) {
    const node = manifest.nodes[id];
    if (!node || (node.resourceType !== 'model' && node.resourceType !== 'test') || node.compiledCode === undefined) continue;
    const generic = node.resourceType === 'test' && node.testType === 'generic';
    if (generic && refresh === false) continue;
    files.push({ path: join(root, compiledPath(node)), content: `${node.compiledCode.trimEnd()}\n`, ...(generic && refresh ? { onlyIfExists: true } : {}) });
  }
  return files;
}

/** Writes the compiled SQL of the given nodes; returns how many files changed. */
export function writeCompiled(targetDir: string, manifest: Manifest, ids: Iterable<string>, genericTests: GenericTestFiles = 'write'): number {
  mkdirSync(join(targetDir, 'compiled'), { recursive: true });
  return writeFiles(compiledFiles(targetDir, manifest, ids, genericTests));
}
