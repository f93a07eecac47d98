/** Facts about the machine and checkout a benchmark ran on, recorded with every result. */
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, platform, release, totalmem } from 'node:os';

export interface MachineFacts {
  cpuModel: string;
  /** Logical CPUs the OS reports. */
  cores: number;
  /** CPUs this process may actually use (cgroup/affinity aware). */
  availableParallelism: number;
  totalMemoryBytes: number;
  os: string;
  nodeVersion: string;
  /** `select version()` of the server when a database URL was given, else null. */
  postgres: string | null;
  gitCommit: string | null;
  /** Uncommitted changes in the checkout (results then describe a commit plus local edits). */
  gitDirty: boolean | null;
}

function tryExec(cmd: string, args: string[], cwd?: string): string | null {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
  } catch {
    return null;
  }
}

export function machineFacts(opts: { databaseUrl?: string; cwd?: string } = {}): MachineFacts {
  const cpuList = cpus();
  const commit = tryExec('git', ['rev-parse', 'HEAD'], opts.cwd);
  const status = commit === null ? null : tryExec('git', ['status', '--porcelain', '--untracked-files=no'], opts.cwd);
  const postgres = opts.databaseUrl
    ? tryExec('psql', [opts.databaseUrl, '-X', '-A', '-t', '-c', 'select version()'])
    : null;
  return {
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    availableParallelism: availableParallelism(),
    totalMemoryBytes: totalmem(),
    os: `${platform()} ${release()}`,
    nodeVersion: process.version,
    postgres,
    gitCommit: commit,
    gitDirty: status === null ? null : status.length > 0,
  };
}
