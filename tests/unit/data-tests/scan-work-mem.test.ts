import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileProject } from '../../../src/api/compile.js';
import { DEFAULT_SCAN_WORK_MEM, largestMemorySize, scanWorkMem } from '../../../src/data-tests/scan-work-mem.js';
import type { TestNode } from '../../../src/manifest/types.js';
import { writeProject } from '../../helpers/temp-project.js';
import { FILES } from './compiled-fixture.js';

const node = (config: Record<string, unknown>) => ({ uniqueId: 'test.u.t', location: { file: 'models/schema.yml', line: 3, column: 1 }, config });

describe('scan_work_mem', () => {
  it('defaults to 256MB', () => {
    expect(DEFAULT_SCAN_WORK_MEM).toBe('256MB');
    expect(scanWorkMem(node({}))).toBe('256MB');
    expect(scanWorkMem(node({ scan_work_mem: null }))).toBe('256MB');
  });

  it('takes sizes in PostgreSQL units; false keeps the session setting', () => {
    expect(scanWorkMem(node({ scan_work_mem: '1GB' }))).toBe('1GB');
    expect(scanWorkMem(node({ scan_work_mem: ' 64 MB ' }))).toBe('64 MB');
    expect(scanWorkMem(node({ scan_work_mem: '512kB' }))).toBe('512kB');
    expect(scanWorkMem(node({ scan_work_mem: false }))).toBeUndefined();
  });

  it.each([['1gb'], ['256'], [256], ['0MB'], ["1GB'; drop table x; --"], [true]])('rejects %j as a CONFIG error on the test', (value) => {
    expect(() => scanWorkMem(node({ scan_work_mem: value }))).toThrow(expect.objectContaining({ code: 'CONFIG', message: expect.stringContaining('test.u.t') }));
  });

  it('a scan uses the largest value of its tests', () => {
    expect(largestMemorySize(['256MB', '1GB', undefined, '2048kB'])).toBe('1GB');
    expect(largestMemorySize(['1024MB', '1GB'])).toBe('1024MB');
    expect(largestMemorySize([undefined, undefined])).toBeUndefined();
    expect(largestMemorySize([])).toBeUndefined();
  });
});

describe('scan_work_mem in a project', () => {
  it('is set for every test by the data_tests tree of project.yml, and per test by its config', () => {
    const dir = writeProject(
      {
        'project.yml': `${FILES['project.yml']!}data_tests:\n  u:\n    +scan_work_mem: 1GB\n`,
        'models/m.sql': 'select 1 as id',
        'models/schema.yml': 'version: 2\nmodels:\n  - name: m\n    columns:\n      - name: id\n        tests:\n          - unique\n          - not_null: {config: {scan_work_mem: false}}\n',
      },
      mkdtempSync(join(tmpdir(), 'strata-dt-wm-')),
    );
    try {
      const nodes = Object.values(compileProject({ projectDir: dir }).manifest.nodes).filter((n): n is TestNode => n.resourceType === 'test');
      expect(Object.fromEntries(nodes.map((n) => [n.name, scanWorkMem(n)]))).toEqual({ unique_m_id: '1GB', not_null_m_id: undefined });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is a config key in project.yml without the + too (not taken for a folder name)', () => {
    const dir = writeProject(
      {
        'project.yml': `${FILES['project.yml']!}data_tests:\n  u:\n    scan_work_mem: 512MB\n`,
        'models/m.sql': 'select 1 as id',
        'models/schema.yml': 'version: 2\nmodels:\n  - name: m\n    columns:\n      - name: id\n        tests: [unique]\n',
      },
      mkdtempSync(join(tmpdir(), 'strata-dt-wm-')),
    );
    try {
      const nodes = Object.values(compileProject({ projectDir: dir }).manifest.nodes).filter((n): n is TestNode => n.resourceType === 'test');
      expect(nodes.map((n) => scanWorkMem(n))).toEqual(['512MB']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
