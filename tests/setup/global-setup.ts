/**
 * vitest globalSetup of the `integration` project: one PostgreSQL for the whole run.
 *
 * With STRATA_TEST_DATABASE_URL set (CI: the system PostgreSQL 15) that server is used as is;
 * otherwise one embedded PostgreSQL 17 is started in a temporary directory (outside the repo),
 * tuned for throwaway data (fsync off), and stopped and deleted at teardown. Test files get the
 * admin URL through `inject('strataAdminUrl')` and create their own database from it
 * (tests/setup/test-database.ts), so files can run in parallel without seeing each other.
 */
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureEmbeddedServer, maskUrl, queryOnce, stopEmbeddedServer } from '../../src/adapters/postgres/index.js';

const DIR_PREFIX = 'strata-test-pg-';
const OWNER_FILE = 'owner.pid';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser-ish URL of the test server (may contain a password: mask before printing). */
    strataAdminUrl: string;
    /** 'external' when STRATA_TEST_DATABASE_URL is used, else 'embedded'. */
    strataServerKind: 'embedded' | 'external';
  }
}

async function checkReachable(url: string): Promise<void> {
  try {
    await queryOnce({ name: 'test-admin', type: 'postgres', url, schema: 'public', threads: 1 }, 'SELECT 1');
  } catch (err) {
    throw new Error(`STRATA_TEST_DATABASE_URL=${maskUrl(url)} is not usable: ${(err as Error).message}`, { cause: err });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A run killed before its teardown (Ctrl-C, crash) leaves a server and its temp dir behind;
 * stop and delete those whose owning vitest process is gone.
 */
async function reapAbandoned(): Promise<void> {
  const entries = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const name of entries.filter((n) => n.startsWith(DIR_PREFIX))) {
    const dir = join(tmpdir(), name);
    const owner = Number.parseInt(await readFile(join(dir, OWNER_FILE), 'utf8').catch(() => ''), 10);
    if (!Number.isInteger(owner) || isAlive(owner)) continue;
    await stopEmbeddedServer(dir).catch(() => undefined);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env['STRATA_TEST_DATABASE_URL'];
  if (external) {
    await checkReachable(external);
    project.provide('strataAdminUrl', external);
    project.provide('strataServerKind', 'external');
    return async () => undefined;
  }

  await reapAbandoned();
  const dir = await mkdtemp(join(tmpdir(), DIR_PREFIX));
  await writeFile(join(dir, OWNER_FILE), String(process.pid));
  // mkdtemp makes the directory 0700; when tests run as root the server runs as another OS user
  // that must be able to traverse it.
  await chmod(dir, 0o755);
  const server = await ensureEmbeddedServer(dir, {
    database: 'postgres',
    durable: false,
    // Test files run in parallel, each with its own pools.
    settings: { max_connections: 300 },
  });
  project.provide('strataAdminUrl', server.adminUrl);
  project.provide('strataServerKind', 'embedded');
  return async () => {
    try {
      await server.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}
