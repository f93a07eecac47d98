/**
 * Shared setup of the load integration tests: a pool on the test database, temp raw files, and
 * `load(name, block)` = parseLoadSpec + loadSources for one source of schema `raw`.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { afterAll, beforeAll, expect } from 'vitest';
import { createPool, type Database, type Row } from '../../../src/adapters/postgres/index.js';
import { loadSources, parseLoadSpec, type FileLoadResult, type LoadEvent, type LoadSourcesOptions } from '../../../src/load/index.js';
import { useTestDatabase } from '../../setup/test-database.js';
import { useTempFiles, type TempFiles } from '../../unit/load/file-fixture.js';
import { sourceNode } from '../../unit/load/spec-fixture.js';

export interface LoadHarness {
  db(): Database;
  files: TempFiles;
  url(): string;
  load(name: string, block: Record<string, unknown>, opts?: Partial<LoadSourcesOptions>): Promise<FileLoadResult[]>;
  /** Like load, also returning every event. */
  loadWithEvents(name: string, block: Record<string, unknown>, opts?: Partial<LoadSourcesOptions>): Promise<{ results: FileLoadResult[]; events: LoadEvent[] }>;
  rows<R = Row>(sql: string, params?: unknown[]): Promise<R[]>;
}

export function useLoadHarness(): LoadHarness {
  const testDb = useTestDatabase();
  const files = useTempFiles();
  let db: Database | undefined;
  beforeAll(() => {
    db = createPool(testDb.target({ threads: 4 }));
  });
  afterAll(async () => {
    await db?.close();
  });
  const current = (): Database => {
    if (!db) throw new Error('database not ready');
    return db;
  };
  const loadWithEvents: LoadHarness['loadWithEvents'] = async (name, block, opts = {}) => {
    const node = sourceNode(name, block);
    const { spec, errors } = parseLoadSpec(node);
    expect(errors.map((e) => e.message)).toEqual([]);
    const events: LoadEvent[] = [];
    const results = await loadSources(current(), [{ node, spec: spec! }], {
      projectDir: files.dir(), threads: 2, reload: false, dryRun: false, onEvent: (e) => events.push(e), ...opts,
    });
    return { results, events };
  };
  return {
    db: current,
    files,
    url: () => testDb.url,
    loadWithEvents,
    load: async (name, block, opts) => (await loadWithEvents(name, block, opts)).results,
    rows: async (sql, params) => (await current().query(sql, params)).rows as never,
  };
}

/** `n` rows of three fields: `<i>|name <i>|<i * 2>`, lines numbered from `from`. */
export function threeColumnRows(n: number, from = 1): string {
  let out = '';
  for (let i = from; i < from + n; i++) out += `${i}|name ${i}|${i * 2}\n`;
  return out;
}

/**
 * A large file of 32-field pipe-delimited rows (about `mb` MB), written by repeating one block,
 * so generating it costs little more than the disk write. Returns the number of rows.
 */
export function writeBigFile(path: string, mb: number): number {
  const rowsPerBlock = 10_000;
  let block = '';
  for (let i = 0; i < rowsPerBlock; i++) {
    const fields = [String(100000000000 + i), '01/01/2020', i % 3 === 0 ? '' : 'SERVICER NAME, NA', '4.125', '123456.78'];
    while (fields.length < 32) fields.push(fields.length % 4 === 0 ? String(i % 97) : '');
    block += `${fields.join('|')}\n`;
  }
  const buf = Buffer.from(block);
  const blocks = Math.max(1, Math.round((mb * 1024 * 1024) / buf.length));
  const fd = openSync(path, 'w');
  try {
    for (let b = 0; b < blocks; b++) writeSync(fd, buf);
  } finally {
    closeSync(fd);
  }
  return blocks * rowsPerBlock;
}

export const BIG_COLUMNS = Array.from({ length: 32 }, (_, i) => `c${i + 1}`);
