import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTarget } from '../../../src/adapters/postgres/index.js';
import { debugTarget } from '../../../src/api/db.js';
import { useTestDatabase } from '../../setup/test-database.js';

const testDb = useTestDatabase();
let projectDir: string;

beforeAll(async () => {
  projectDir = await mkdtemp(join(tmpdir(), 'strata-db-api-test-'));
});
afterAll(async () => {
  await rm(projectDir, { recursive: true, force: true });
});

describe('strata debug', () => {
  it('reports a working connection and the server version, password masked', async () => {
    const target = testDb.target({ name: 'dev', threads: 4 });
    const withPassword = { ...target, url: target.url!.replace(/^postgres:\/\/([^:@/]+)(:[^@]*)?@/, 'postgres://$1:dbg-Secret-1@') };
    // Trust-auth servers accept any password; servers with passwords reject this one. Either way
    // the password must not appear in the output.
    const out = await debugTarget(projectDir, withPassword);
    expect(out.text).not.toContain('dbg-Secret-1');
    expect(JSON.stringify(out.data)).not.toContain('dbg-Secret-1');
    const ok = await debugTarget(projectDir, target);
    expect(ok.data.connection).toEqual({ ok: true });
    expect(ok.data.server?.versionNum).toBeGreaterThanOrEqual(130000);
    expect(ok.text).toMatch(/connection: OK/);
    expect(ok.text).toMatch(/server: PostgreSQL \d+\.\d+/);
    expect(ok.text).toContain('target: dev (postgres)');
  });

  it('reports a failed connection as data, with a hint', async () => {
    const out = await debugTarget(projectDir, {
      name: 'broken', type: 'postgres', host: '127.0.0.1', port: 1, user: 'x', password: 'top-Secret-9', dbname: 'd', schema: 'public', threads: 1,
    });
    expect(out.data.connection.ok).toBe(false);
    expect(out.data.connection.error?.code).toBe('CONNECTION');
    expect(out.text).toMatch(/connection: FAILED \[CONNECTION\]/);
    expect(out.text).toContain('password: ****');
    expect(out.text).not.toContain('top-Secret-9');
  });
});

describe('openTarget', () => {
  it('opens a postgres target and probes capabilities', async () => {
    const opened = await openTarget(projectDir, testDb.target());
    try {
      expect(opened.capabilities.version).toBeGreaterThanOrEqual(130000);
      expect((await opened.db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await opened.close();
    }
  });
});
