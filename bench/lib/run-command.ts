/**
 * Run one command and measure it: wall-clock time and peak resident memory of the whole process
 * TREE (the command plus every process it forks -- Dataform, for example, compiles in a forked
 * worker, and a tool that spawns helpers must be charged for them).
 *
 * Memory is measured two ways:
 *  - sampling: every ~20 ms, walk /proc (ppid links in /proc/<pid>/stat) from the command's pid
 *    and sum VmRSS of every live descendant; the largest sum seen is the tree peak;
 *  - GNU time (`/usr/bin/time -f %M`, when installed): the kernel's exact high-water mark, but of
 *    the single largest process in the tree (getrusage of waited-for children is a max, not a sum).
 * Sampling can miss a peak that lasts less than one interval, and the single-process maximum is a
 * lower bound of the tree peak, so the reported `peakRssBytes` is the larger of the two.
 *
 * Linux only for memory (/proc); elsewhere memory figures are 0 and timing still works.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunOptions {
  cwd?: string;
  /** Merged over process.env; a key set to undefined removes that variable. */
  env?: Record<string, string | undefined>;
  /** Kill the whole process group after this long (the result then has timedOut: true). */
  timeoutMs?: number;
  /** Interval between /proc samples. Default 20 ms. */
  sampleIntervalMs?: number;
  /** Keep at most this many bytes of stdout and of stderr (the rest is counted, not kept). Default 16 MiB. */
  maxOutputBytes?: number;
}

export interface RunResult {
  /** From spawn to the exit of the command. */
  wallMs: number;
  /** max(treePeakRssBytes, maxSingleRssBytes): what the benchmarks report. */
  peakRssBytes: number;
  /** Largest sampled sum of VmRSS over the process tree. */
  treePeakRssBytes: number;
  /** Kernel high-water mark of the largest single process (GNU time), null when unavailable. */
  maxSingleRssBytes: number | null;
  /** Number of /proc samples taken. */
  samples: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** Total bytes written to stdout (including any not kept). */
  stdoutBytes: number;
}

const DEFAULT_MAX_OUTPUT = 16 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// /proc process-tree sampling
// ---------------------------------------------------------------------------------------------

const HAS_PROC = existsSync('/proc/self/status');

/** Parent pid from /proc/<pid>/stat ("pid (comm) state ppid ..."; comm may contain spaces and parens). */
function readPpid(pid: string): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[1]);
  } catch {
    return null; // exited meanwhile
  }
}

function readRssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function livePids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const c = entry.charCodeAt(0);
    if (c >= 48 && c <= 57) pids.push(Number(entry)); // pid directories only
  }
  return pids;
}

/**
 * Samples the RSS of a process tree. Parent links are cached per pid (a process's parent only
 * changes when it is orphaned, and an orphan of the benchmarked command is still its work), so
 * a sample costs one readdir of /proc plus one read per process of the tree -- it matters: the
 * sampler shares the CPUs with what it measures.
 */
export class TreeSampler {
  private readonly ppids = new Map<number, number>();
  constructor(
    private readonly root: number,
    private readonly includeRoot = true,
  ) {}

  /** Pids of all live descendants of the root (not including the root). */
  descendants(): number[] {
    const live = livePids();
    const seen = new Set(live);
    for (const pid of this.ppids.keys()) if (!seen.has(pid)) this.ppids.delete(pid);
    const children = new Map<number, number[]>();
    for (const pid of live) {
      let ppid = this.ppids.get(pid);
      if (ppid === undefined) {
        const read = readPpid(String(pid));
        if (read === null) continue;
        ppid = read;
        this.ppids.set(pid, ppid);
      }
      const list = children.get(ppid);
      if (list) list.push(pid);
      else children.set(ppid, [pid]);
    }
    const out: number[] = [];
    const queue = [...(children.get(this.root) ?? [])];
    while (queue.length > 0) {
      const pid = queue.pop()!;
      out.push(pid);
      queue.push(...(children.get(pid) ?? []));
    }
    return out;
  }

  /** Sum of VmRSS over the tree right now. */
  rssBytes(): number {
    if (!HAS_PROC) return 0;
    let sum = this.includeRoot ? readRssBytes(this.root) : 0;
    for (const pid of this.descendants()) sum += readRssBytes(pid);
    return sum;
  }
}

/** One-off: pids of all live descendants of `root`. */
export function descendantsOf(root: number): number[] {
  return new TreeSampler(root).descendants();
}

/** One-off: sum of VmRSS of `root` (unless excluded) and all its descendants. */
export function treeRssBytes(root: number, includeRoot = true): number {
  return new TreeSampler(root, includeRoot).rssBytes();
}

// ---------------------------------------------------------------------------------------------
// GNU time
// ---------------------------------------------------------------------------------------------

let gnuTime: string | null | undefined;

/** Path of a GNU-compatible `time` supporting `-f %M -o FILE`, or null. Probed once. */
function findGnuTime(): string | null {
  if (gnuTime !== undefined) return gnuTime;
  gnuTime = null;
  for (const candidate of ['/usr/bin/time', '/bin/time']) {
    if (!existsSync(candidate)) continue;
    const probe = spawnSync(candidate, ['-f', '%M', '-o', '/dev/null', 'true'], { stdio: 'ignore' });
    if (probe.status === 0) {
      gnuTime = candidate;
      break;
    }
  }
  return gnuTime;
}

// ---------------------------------------------------------------------------------------------
// Cleanup: never leave a benchmarked process running when the harness is interrupted
// ---------------------------------------------------------------------------------------------

const livePgids = new Set<number>();
let cleanupInstalled = false;

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', () => {
    for (const pgid of livePgids) killGroup(pgid);
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      for (const pgid of livePgids) killGroup(pgid);
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

// ---------------------------------------------------------------------------------------------

class OutputBuffer {
  private chunks: Buffer[] = [];
  private kept = 0;
  total = 0;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.kept >= this.limit) return;
    const slice = chunk.subarray(0, this.limit - this.kept);
    this.chunks.push(slice);
    this.kept += slice.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export function runCommand(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  installCleanup();
  const time = findGnuTime();
  const tmp = time ? mkdtempSync(join(tmpdir(), 'strata-bench-')) : null;
  const timeFile = tmp ? join(tmp, 'time.txt') : null;
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const [file, argv] = time && timeFile ? [time, ['-f', '%M', '-o', timeFile, cmd, ...args]] : [cmd, args];
  const interval = opts.sampleIntervalMs ?? 20;
  const stdout = new OutputBuffer(opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT);
  const stderr = new OutputBuffer(opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT);

  return new Promise<RunResult>((resolvePromise, reject) => {
    const started = performance.now();
    // detached: its own process group, so a timeout or Ctrl-C can kill the whole tree at once.
    const child = spawn(file, argv, { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let wallMs = 0;
    let exited = false;
    let timedOut = false;
    let treePeak = 0;
    let samples = 0;
    let timer: NodeJS.Timeout | undefined;
    let killer: NodeJS.Timeout | undefined;
    const pid = child.pid;

    // Under GNU time the command is time's child: don't charge time's own (tiny) RSS.
    const tree = pid === undefined ? null : new TreeSampler(pid, !time);
    const sample = (): void => {
      if (exited || !tree || !HAS_PROC) return;
      const rss = tree.rssBytes();
      samples++;
      if (rss > treePeak) treePeak = rss;
      timer = setTimeout(sample, interval);
    };

    if (pid !== undefined) {
      livePgids.add(pid);
      sample();
    }
    if (opts.timeoutMs !== undefined && pid !== undefined) {
      killer = setTimeout(() => {
        timedOut = true;
        killGroup(pid);
      }, opts.timeoutMs);
    }
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    child.on('error', (err) => {
      clearTimeout(timer);
      clearTimeout(killer);
      if (pid !== undefined) livePgids.delete(pid);
      if (tmp) rmSync(tmp, { recursive: true, force: true });
      reject(err);
    });
    child.on('exit', () => {
      wallMs = performance.now() - started;
      exited = true;
      clearTimeout(timer);
      clearTimeout(killer);
    });
    child.on('close', (code, signal) => {
      if (pid !== undefined) {
        // Anything the command left behind in its group (daemons, stray workers) goes too.
        killGroup(pid);
        livePgids.delete(pid);
      }
      let maxSingle: number | null = null;
      if (timeFile) {
        try {
          // GNU time may precede the figure with "Command exited with non-zero status N".
          const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
          const kb = Number(lines[lines.length - 1]);
          if (Number.isFinite(kb)) maxSingle = kb * 1024;
        } catch {
          // killed before time wrote it
        }
      }
      if (tmp) rmSync(tmp, { recursive: true, force: true });
      resolvePromise({
        wallMs,
        peakRssBytes: Math.max(treePeak, maxSingle ?? 0),
        treePeakRssBytes: treePeak,
        maxSingleRssBytes: maxSingle,
        samples,
        exitCode: code,
        signal,
        timedOut,
        stdout: stdout.text(),
        stderr: stderr.text(),
        stdoutBytes: stdout.total,
      });
    });
  });
}
