/** Temp directories with raw files (plain, .gz, .zip) for the load tests. */
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { afterAll } from 'vitest';
import yazl from 'yazl';

export interface TempFiles {
  /** The temp directory (created on first use, removed after the test file). */
  dir(): string;
  /** Writes `content` at `rel` (directories created); returns the absolute path. */
  file(rel: string, content: string | Buffer): string;
  gz(rel: string, content: string | Buffer): string;
  zip(rel: string, members: Record<string, string | Buffer>): Promise<string>;
}

export function useTempFiles(prefix = 'strata-load-'): TempFiles {
  let root: string | undefined;
  const dir = (): string => (root ??= mkdtempSync(join(tmpdir(), prefix)));
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });
  const file = (rel: string, content: string | Buffer): string => {
    const path = join(dir(), rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    return path;
  };
  return {
    dir,
    file,
    gz: (rel, content) => file(rel, gzipSync(content)),
    zip: async (rel, members) => {
      const path = join(dir(), rel);
      mkdirSync(dirname(path), { recursive: true });
      await writeZip(path, members);
      return path;
    },
  };
}

export async function writeZip(path: string, members: Record<string, string | Buffer>): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(members)) zip.addBuffer(Buffer.from(content), name, { compress: true });
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(path));
}
