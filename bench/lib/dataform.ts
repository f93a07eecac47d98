/**
 * The Dataform CLI used as a comparison point: @dataform/cli 2.6.7 with @dataform/core 2.9.0, the
 * last versions supporting PostgreSQL. Installed on demand into bench/.cache/dataform (git-ignored);
 * generated Dataform projects get a `node_modules` symlink to it (the CLI loads @dataform/core
 * from the project directory).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATAFORM_CLI_VERSION, DATAFORM_CORE_VERSION } from '../generate-project.js';
import { CACHE_DIR } from './workdir.js';

export const DATAFORM_DIR = join(CACHE_DIR, 'dataform');
export const DATAFORM_NODE_MODULES = join(DATAFORM_DIR, 'node_modules');
const CLI_ENTRY = join(DATAFORM_NODE_MODULES, '@dataform', 'cli', 'bundle.js');

function installedVersion(pkg: string): string | null {
  try {
    const json = JSON.parse(readFileSync(join(DATAFORM_NODE_MODULES, pkg, 'package.json'), 'utf8')) as { version?: string };
    return json.version ?? null;
  } catch {
    return null;
  }
}

/** Path of the Dataform CLI's entry script if the expected versions are installed, else null. */
export function dataformCli(): string | null {
  const ok =
    existsSync(CLI_ENTRY) &&
    installedVersion('@dataform/cli') === DATAFORM_CLI_VERSION &&
    installedVersion('@dataform/core') === DATAFORM_CORE_VERSION;
  return ok ? CLI_ENTRY : null;
}

/** Install the pinned Dataform CLI and core into bench/.cache/dataform (about 30 s, ~540 packages). */
export function installDataform(log: (msg: string) => void = console.log): string {
  const existing = dataformCli();
  if (existing) return existing;
  mkdirSync(DATAFORM_DIR, { recursive: true });
  const args = [
    'install',
    '--prefix',
    DATAFORM_DIR,
    '--no-audit',
    '--no-fund',
    `@dataform/cli@${DATAFORM_CLI_VERSION}`,
    `@dataform/core@${DATAFORM_CORE_VERSION}`,
  ];
  log(`installing Dataform: npm ${args.join(' ')}`);
  const r = spawnSync('npm', args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`npm install of the Dataform CLI failed (exit ${r.status ?? r.signal})`);
  const cli = dataformCli();
  if (!cli) throw new Error(`Dataform installed into ${DATAFORM_DIR} but ${CLI_ENTRY} is missing or has another version`);
  return cli;
}
