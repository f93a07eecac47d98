/**
 * Run several contenders in alternation -- warm-up A, B, ...; then rounds A B, A B, ... -- so slow
 * drifts of the machine (thermal throttling, a noisy neighbour, a cold file cache) hit every
 * contender alike, and compare them round by round.
 *
 * Ratio: within each round where both ran successfully, ratio = wall(contender) / wall(first
 * contender); the reported ratio is the median over rounds. So for [strata, dataform], a ratio of
 * 25 for dataform means "strata was 25x faster" (the first contender's own ratio is 1).
 */
/** What one run must report (a RunResult from runCommand is one). */
export interface Measurement {
  wallMs: number;
  peakRssBytes: number;
  /** When present, anything but 0 counts as a failure. */
  exitCode?: number | null;
  timedOut?: boolean;
  stdout?: string;
  stderr?: string;
}

export interface Contender {
  name: string;
  /** Untimed set-up before every run (warm-up included), e.g. deleting a cache. */
  prepare?: () => void | Promise<void>;
  run: () => Promise<Measurement>;
  /** Optional check of a successful run's output; return an error message to fail the run. */
  verify?: (m: Measurement) => string | null | Promise<string | null>;
}

export interface AlternateOptions {
  warmup?: number;
  runs?: number;
  /** Progress callback, called after every run. */
  onRun?: (e: { contender: string; phase: 'warmup' | 'run'; round: number; measurement: Measurement; error?: string }) => void;
}

export interface RunSample {
  round: number;
  wallMs: number;
  peakRssBytes: number;
}

export interface ContenderSummary {
  name: string;
  /** Successful measured runs. */
  samples: RunSample[];
  minMs: number | null;
  medianMs: number | null;
  maxMs: number | null;
  /** Highest peak RSS over the measured runs. */
  peakRssBytes: number | null;
  /** Median over rounds of wall(this) / wall(first contender); 1 for the first contender. */
  ratio: number | null;
  /** Rounds that contributed to `ratio`. */
  ratioRounds: number;
  /** Set when the contender failed; it is not run again after a failure. */
  error?: string;
}

export interface AlternateResult {
  warmup: number;
  runs: number;
  contenders: ContenderSummary[];
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function tail(text: string | undefined, chars = 2000): string {
  if (!text) return '';
  return text.length > chars ? `...${text.slice(-chars)}` : text;
}

function failureOf(m: Measurement): string | null {
  if (m.timedOut) return 'timed out';
  if (m.exitCode !== undefined && m.exitCode !== 0) {
    // Tools such as strata report failures on stdout (and exit 1): show its tail when stderr is empty.
    const output = tail(m.stderr).trim() || tail(m.stdout, 4000).trim();
    return `exited with ${m.exitCode === null ? 'a signal' : `code ${m.exitCode}`}${output ? `:\n${output}` : ''}`;
  }
  return null;
}

export async function alternate(contenders: Contender[], opts: AlternateOptions = {}): Promise<AlternateResult> {
  const warmup = opts.warmup ?? 1;
  const runs = opts.runs ?? 5;
  const errors = new Map<string, string>();
  /** walls[c][round] (undefined when that run failed or was skipped). */
  const walls: (number | undefined)[][] = contenders.map(() => []);
  const samples: RunSample[][] = contenders.map(() => []);

  const once = async (c: Contender, phase: 'warmup' | 'run', round: number): Promise<Measurement | null> => {
    if (errors.has(c.name)) return null;
    let m: Measurement;
    let error: string | null;
    try {
      await c.prepare?.();
      m = await c.run();
      error = failureOf(m) ?? (c.verify ? await c.verify(m) : null);
    } catch (e) {
      m = { wallMs: 0, peakRssBytes: 0 };
      error = e instanceof Error ? e.message : String(e);
    }
    if (error) errors.set(c.name, `${phase} ${round + 1}: ${error}`);
    opts.onRun?.({ contender: c.name, phase, round, measurement: m, ...(error ? { error } : {}) });
    return error ? null : m;
  };

  for (let w = 0; w < warmup; w++) {
    for (const c of contenders) await once(c, 'warmup', w);
  }
  for (let round = 0; round < runs; round++) {
    for (const [i, c] of contenders.entries()) {
      const m = await once(c, 'run', round);
      if (!m) continue;
      walls[i]![round] = m.wallMs;
      samples[i]!.push({ round, wallMs: Math.round(m.wallMs * 100) / 100, peakRssBytes: m.peakRssBytes });
    }
  }

  const base = walls[0] ?? [];
  const summaries = contenders.map((c, i): ContenderSummary => {
    const ws = samples[i]!.map((s) => s.wallMs);
    const ratios: number[] = [];
    for (let round = 0; round < runs; round++) {
      const a = base[round];
      const b = walls[i]![round];
      if (a !== undefined && b !== undefined && a > 0) ratios.push(b / a);
    }
    const error = errors.get(c.name);
    return {
      name: c.name,
      samples: samples[i]!,
      minMs: ws.length ? Math.min(...ws) : null,
      medianMs: median(ws),
      maxMs: ws.length ? Math.max(...ws) : null,
      peakRssBytes: ws.length ? Math.max(...samples[i]!.map((s) => s.peakRssBytes)) : null,
      ratio: median(ratios),
      ratioRounds: ratios.length,
      ...(error ? { error } : {}),
    };
  });
  return { warmup, runs, contenders: summaries };
}
