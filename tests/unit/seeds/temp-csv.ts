/**
 * Temporary CSV files for seed tests (unit and integration): `csvFile(content)` writes one into
 * a per-file temp directory, removed after all tests of the file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

export function useTempCsv(): { csvFile: (content: string | Buffer, name?: string) => string; dir: () => string } {
  let root: string | undefined;
  let n = 0;
  const dir = (): string => (root ??= mkdtempSync(join(tmpdir(), 'strata-seeds-')));
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });
  return {
    dir,
    csvFile: (content, name) => {
      const file = join(dir(), name ?? `seed_${++n}.csv`);
      writeFileSync(file, content);
      return file;
    },
  };
}
