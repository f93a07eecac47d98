/**
 * dbt's functional-test pattern: a dictionary of files becomes a temporary project folder.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';
import { runCli } from '../../src/cli/program.js';

const made: string[] = [];

export function writeProject(files: Record<string, string>, dir?: string): string {
  const root = dir ?? mkdtempSync(join(tmpdir(), 'strata-test-'));
  if (!dir) made.push(root);
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  return root;
}

/** Removes every project made by writeProject in this test file. */
export function cleanupProjects(): void {
  afterEach(() => {
    while (made.length) rmSync(made.pop()!, { recursive: true, force: true });
  });
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the strata CLI in-process, capturing its output. */
export async function cli(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    env: opts.env ?? {},
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    isTTY: false,
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

export const PROJECT_YML = 'name: proj\n';
