import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  embeddedStatus, ensureEmbeddedServer, queryOnce, stopEmbeddedServer, type EmbeddedServer,
} from '../../../src/adapters/postgres/index.js';
import { dbStart, dbStatus, dbStop, dbUrl } from '../../../src/api/db.js';

let projectDir: string;

beforeAll(async () => {
  projectDir = await mkdtemp(join(tmpdir(), 'strata-embedded-test-'));
  // Traversable by the OS user postgres runs as when the tests run as root.
  await chmod(projectDir, 0o755);
});
afterAll(async () => {
  await stopEmbeddedServer(projectDir).catch(() => undefined);
  await rm(projectDir, { recursive: true, force: true });
});

async function currentDb(url: string): Promise<string> {
  const res = await queryOnce<{ db: string }>({ name: 'e', type: 'postgres', url, schema: 'public', threads: 1 }, 'SELECT current_database() AS db');
  return res.rows[0]!.db;
}

/** Throwaway cluster: skip fsync (crash recovery after the kill test is much faster). */
function ensure(opts: Parameters<typeof ensureEmbeddedServer>[1] = {}): Promise<EmbeddedServer> {
  return ensureEmbeddedServer(projectDir, { durable: false, ...opts });
}

function pgDir(...parts: string[]): string {
  return join(projectDir, '.strata', 'pg', ...parts);
}

describe('embedded server', () => {
  let first: EmbeddedServer;

  it('initialises and starts on first use, creating the project database', async () => {
    const logs: string[] = [];
    first = await ensure({ onLog: (l) => logs.push(l) });
    expect(first.startedHere).toBe(true);
    expect(first.url).toMatch(/^postgres:\/\/strata:[^@]+@127\.0\.0\.1:\d+\/strata$/);
    expect(await currentDb(first.url)).toBe('strata');
    expect(logs.join('\n')).toMatch(/initialising embedded PostgreSQL 17/);
    expect(existsSync(pgDir('data', 'PG_VERSION'))).toBe(true);
    expect(await readFile(pgDir('postgres.log'), 'utf8')).toMatch(/ready to accept connections/);
    const state = JSON.parse(await readFile(pgDir('strata-server.json'), 'utf8')) as Record<string, unknown>;
    expect(state).toMatchObject({ pid: first.pid, port: first.port, user: 'strata', keepRunning: false });
  });

  it('status says running, with a masked URL', async () => {
    const status = await embeddedStatus(projectDir);
    expect(status).toMatchObject({ initialized: true, running: true, pid: first.pid, port: first.port, major: 17 });
    expect(status.url).toBe(`postgres://strata:****@127.0.0.1:${first.port}/strata`);
    const text = (await dbStatus(projectDir)).text;
    expect(text).toContain('running on 127.0.0.1');
    expect(text).not.toContain(new URL(first.url).password);
  });

  it('a second ensure reuses the running server; the last user stops it', async () => {
    const second = await ensure({ database: 'other_db' });
    expect(second.startedHere).toBe(false);
    expect(second.pid).toBe(first.pid);
    expect(await currentDb(second.url)).toBe('other_db');
    await second.stop();
    expect((await embeddedStatus(projectDir)).running).toBe(true); // first still uses it
    await first.stop();
    await first.stop(); // idempotent
    const status = await embeddedStatus(projectDir);
    expect(status.running).toBe(false);
    expect(status.initialized).toBe(true);
  });

  it('db start keeps it running across commands; db stop stops it', async () => {
    const started = await dbStart(projectDir);
    expect(started.data.alreadyRunning).toBe(false);
    expect(started.text).not.toMatch(/strata:[^*@]+@/);
    const cmd = await ensure();
    expect(cmd.startedHere).toBe(false);
    await cmd.stop();
    expect((await embeddedStatus(projectDir)).running).toBe(true);
    expect((await dbStart(projectDir)).data.alreadyRunning).toBe(true);
    const url = (await dbUrl(projectDir)).data.url;
    expect(await currentDb(url)).toBe('strata');
    expect((await dbUrl(projectDir, { mask: true })).data.url).toContain(':****@');
    expect((await dbStop(projectDir)).data.wasRunning).toBe(true);
    expect((await dbStop(projectDir)).data.wasRunning).toBe(false);
    await expect(dbUrl(projectDir)).rejects.toMatchObject({ code: 'CONNECTION' });
  });

  it('ignores a stale state file and a stale postmaster.pid (pid reused by another process)', async () => {
    const stateFile = pgDir('strata-server.json');
    const state = JSON.parse(await readFile(stateFile, 'utf8')) as Record<string, unknown>;
    await writeFile(stateFile, JSON.stringify({ ...state, pid: 2 ** 22 + 1, port: 1 }));
    // Our own pid: alive, but not a postmaster for this data directory.
    await writeFile(pgDir('data', 'postmaster.pid'), `${process.pid}\n${pgDir('data')}\n0\n5432\n\n127.0.0.1\n0 0\nready\n`);
    expect((await embeddedStatus(projectDir)).running).toBe(false);
    const server = await ensure();
    expect(server.startedHere).toBe(true);
    expect(server.pid).not.toBe(process.pid);
    expect(await currentDb(server.url)).toBe('strata');
    await server.stop();
    expect((await embeddedStatus(projectDir)).running).toBe(false);
  });

  it('recovers after the server was killed', async () => {
    const server = await ensure();
    process.kill(server.pid, 'SIGKILL');
    for (let i = 0; i < 100 && (await embeddedStatus(projectDir)).running; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await embeddedStatus(projectDir)).running).toBe(false);
    // The killed server's handle must not break anything when released.
    await server.stop();
    const again = await ensure();
    expect(again.startedHere).toBe(true);
    expect(await currentDb(again.url)).toBe('strata');
    await again.stop();
  });

  it.runIf(process.getuid?.() === 0)('as root: explains a project directory the server user cannot reach', async () => {
    const hidden = await mkdtemp(join(tmpdir(), 'strata-private-')); // 0700, owned by root
    try {
      await expect(ensureEmbeddedServer(join(hidden, 'proj'))).rejects.toMatchObject({
        code: 'CONNECTION',
        message: expect.stringMatching(/cannot access/),
        hint: expect.stringMatching(/traversable/),
      });
    } finally {
      await rm(hidden, { recursive: true, force: true });
    }
  });

  it('explains a missing credentials file instead of failing obscurely', async () => {
    const stateFile = pgDir('strata-server.json');
    await rename(stateFile, `${stateFile}.bak`);
    try {
      await expect(ensure()).rejects.toMatchObject({ code: 'CONNECTION', hint: expect.stringMatching(/delete/) });
    } finally {
      await rename(`${stateFile}.bak`, stateFile);
    }
  });
});
