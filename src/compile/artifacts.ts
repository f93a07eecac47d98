/**
 * Writes what compile produced: `target/manifest.json` and `target/compiled/<path>.sql` (for generic
 * tests `target/compiled/<property file>/<test name>.sql`, as dbt does). A compiled file whose
 * content did not change is left alone, so a warm compile of a large project writes almost nothing.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Manifest, ModelNode, TestNode } from '../manifest/types.js';

export function compiledPath(node: ModelNode | TestNode): string {
  if (node.resourceType === 'test' && node.testType === 'generic') return `${node.originalFilePath}/${node.name}.sql`;
  return node.originalFilePath;
}

function writeIfChanged(path: string, content: string): boolean {
  if (existsSync(path)) {
    try {
      if (readFileSync(path, 'utf8') === content) return false;
    } catch {
      // unreadable: overwrite
    }
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  return true;
}

/**
 * Writes manifest.json node by node: one JSON.stringify of a 40,000-node manifest builds a
 * ~70 MB string (twice that in UTF-16) on top of the manifest itself.
 */
export function writeManifest(targetDir: string, manifest: Manifest): string {
  const path = join(targetDir, 'manifest.json');
  mkdirSync(targetDir, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    let buffer = '{';
    const flush = (force: boolean) => {
      if (buffer.length > 1 << 20 || (force && buffer.length)) {
        writeSync(fd, buffer);
        buffer = '';
      }
    };
    const keys = Object.keys(manifest) as Array<keyof Manifest>;
    keys.forEach((key, i) => {
      buffer += `${i ? ',' : ''}${JSON.stringify(key)}:`;
      const value = manifest[key];
      if (key === 'nodes' || key === 'sources' || key === 'parentMap' || key === 'childMap') {
        buffer += '{';
        let first = true;
        for (const [id, v] of Object.entries(value as Record<string, unknown>)) {
          buffer += `${first ? '' : ','}${JSON.stringify(id)}:${JSON.stringify(v)}`;
          first = false;
          flush(false);
        }
        buffer += '}';
      } else buffer += JSON.stringify(value);
      flush(false);
    });
    buffer += '}';
    flush(true);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return path;
}

export function readManifest(path: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

/** Writes compiled SQL of the given nodes; returns how many files changed. */
export function writeCompiled(targetDir: string, manifest: Manifest, ids: Iterable<string>): number {
  let changed = 0;
  const made = new Set<string>();
  for (const id of ids) {
    const node = manifest.nodes[id];
    if (!node || (node.resourceType !== 'model' && node.resourceType !== 'test') || node.compiledCode === undefined) continue;
    const path = join(targetDir, 'compiled', compiledPath(node));
    const dir = dirname(path);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    if (writeIfChanged(path, `${node.compiledCode.trimEnd()}\n`)) changed++;
  }
  return changed;
}
