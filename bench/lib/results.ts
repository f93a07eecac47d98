/**
 * Benchmark results: the JSON written per scenario to bench/results/<scenario>.json, the targets
 * they are checked against, and BENCHMARKS.md rendered from all of them.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContenderSummary } from './alternate.js';
import type { MachineFacts } from './machine.js';

export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = resolve(BENCH_DIR, '..');
export const RESULTS_DIR = join(BENCH_DIR, 'results');
export const BENCHMARKS_MD = join(REPO_ROOT, 'BENCHMARKS.md');

// ---------------------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------------------

/** `share`: a fraction of a whole (e.g. overhead / total time), computed by the scenario itself. */
export type TargetMetric = 'medianMs' | 'peakRssBytes' | 'ratio' | 'share';

export interface TargetSpec {
  /** Human wording, e.g. "cold compile, 10,000 models ≤ 2 s". */
  label: string;
  contender: string;
  metric: TargetMetric;
  op: '<=' | '>=' | '<' | '>';
  value: number;
}

export interface TargetResult extends TargetSpec {
  /** null when the contender did not run (or failed). */
  actual: number | null;
  met: boolean | null;
}

function compare(actual: number, op: TargetSpec['op'], value: number): boolean {
  switch (op) {
    case '<=':
      return actual <= value;
    case '>=':
      return actual >= value;
    case '<':
      return actual < value;
    case '>':
      return actual > value;
  }
}

export function evaluateTargets(specs: TargetSpec[], contenders: ContenderSummary[], derived: Record<string, number | null> = {}): TargetResult[] {
  return specs.map((spec) => {
    const c = contenders.find((x) => x.name === spec.contender);
    // `share` targets read a value the scenario derived (keyed by the target's label).
    const actual = spec.metric === 'share' ? (c && !c.error ? (derived[spec.label] ?? null) : null) : c && !c.error ? c[spec.metric] : null;
    const met = actual === null ? null : compare(actual, spec.op, spec.value);
    return { ...spec, actual, met };
  });
}

// ---------------------------------------------------------------------------------------------
// Result documents
// ---------------------------------------------------------------------------------------------

/** One measured comparison within a scenario (for `compile`: one project size). */
export interface ResultGroup {
  name: string;
  /** Ordering within the scenario (e.g. the model count). */
  sortKey?: number;
  description?: string;
  date: string;
  gitCommit: string | null;
  warmup: number;
  runs: number;
  contenders: ContenderSummary[];
  targets: TargetResult[];
  notes?: string[];
  /** Extra tables a scenario reports (e.g. time per phase), rendered after the contenders. */
  tables?: ResultTable[];
}

export interface ResultTable {
  title: string;
  header: string[];
  /** Cells as rendered; the first column is left-aligned, the others right-aligned. */
  rows: string[][];
}

export interface ScenarioResult {
  scenario: string;
  title: string;
  description: string;
  /** When this file was last written. */
  date: string;
  machine: MachineFacts;
  groups: ResultGroup[];
  /**
   * Hand-written commentary kept beside the JSON in `bench/results/<scenario>.analysis.md` (what
   * limits a missed target, how to read a number); read by readAllResults, never written by a run.
   */
  analysis?: string;
}

/**
 * Write bench/results/<scenario>.json, then regenerate BENCHMARKS.md from every results file.
 * Groups of a previous file that this run did not measure (e.g. `--size small` only) are kept,
 * each with its own date and commit; measured groups replace their namesakes.
 */
export function writeResults(
  scenario: string,
  data: ScenarioResult,
  paths: { resultsDir?: string; markdownPath?: string } = {},
): { jsonPath: string; markdownPath: string } {
  const resultsDir = paths.resultsDir ?? RESULTS_DIR;
  const markdownPath = paths.markdownPath ?? BENCHMARKS_MD;
  mkdirSync(resultsDir, { recursive: true });
  const jsonPath = join(resultsDir, `${scenario}.json`);
  let groups = data.groups;
  if (existsSync(jsonPath)) {
    const previous = JSON.parse(readFileSync(jsonPath, 'utf8')) as ScenarioResult;
    const fresh = new Set(groups.map((g) => g.name));
    groups = [...previous.groups.filter((g) => !fresh.has(g.name)), ...groups];
  }
  groups.sort((a, b) => (a.sortKey ?? 0) - (b.sortKey ?? 0));
  writeFileSync(jsonPath, JSON.stringify({ ...data, scenario, groups }, null, 2) + '\n');
  writeFileSync(markdownPath, renderBenchmarksMarkdown(readAllResults(resultsDir)));
  return { jsonPath, markdownPath };
}

export function readAllResults(resultsDir = RESULTS_DIR): ScenarioResult[] {
  if (!existsSync(resultsDir)) return [];
  return readdirSync(resultsDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const result = JSON.parse(readFileSync(join(resultsDir, f), 'utf8')) as ScenarioResult;
      const analysis = join(resultsDir, f.replace(/\.json$/, '.analysis.md'));
      return existsSync(analysis) ? { ...result, analysis: readFileSync(analysis, 'utf8').trim() } : result;
    });
}

// ---------------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------------

export function formatMs(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${ms.toFixed(0)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** Decimal megabytes (10^6 bytes), as the targets are written. */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '—';
  return `${(bytes / 1e6).toFixed(0)} MB`;
}

export function formatRatio(ratio: number | null): string {
  return ratio === null ? '—' : `${ratio.toFixed(ratio < 10 ? 2 : 1)}×`;
}

export function formatMetric(metric: TargetMetric, value: number | null): string {
  switch (metric) {
    case 'medianMs':
      return formatMs(value);
    case 'peakRssBytes':
      return formatBytes(value);
    case 'ratio':
      return formatRatio(value);
    case 'share':
      return formatShare(value);
  }
}

export function formatShare(share: number | null): string {
  return share === null ? '—' : `${(share * 100).toFixed(share < 0.1 ? 2 : 1)}%`;
}

const day = (iso: string): string => iso.slice(0, 10);
const shortCommit = (c: string | null): string => (c ? c.slice(0, 10) : 'unknown commit');

function machineLine(m: MachineFacts): string {
  const parts = [
    `${m.cpuModel} (${m.cores} logical CPUs, ${m.availableParallelism} usable)`,
    `${(m.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB RAM`,
    m.os,
    `Node ${m.nodeVersion}`,
  ];
  if (m.postgres) parts.push(m.postgres.split(' on ')[0] ?? m.postgres);
  return parts.join(' · ');
}

// ---------------------------------------------------------------------------------------------
// BENCHMARKS.md (pure)
// ---------------------------------------------------------------------------------------------

function contenderTable(g: ResultGroup): string[] {
  const first = g.contenders[0]?.name ?? 'first';
  const rows = g.contenders.map((c) => {
    if (c.error) {
      const reason = (c.error.split('\n')[0] ?? '').replaceAll('|', '\\|');
      return `| ${c.name} | failed: ${reason} | | | | |`;
    }
    return `| ${c.name} | ${formatMs(c.minMs)} | ${formatMs(c.medianMs)} | ${formatMs(c.maxMs)} | ${formatBytes(c.peakRssBytes)} | ${formatRatio(c.ratio)} |`;
  });
  return [
    `| Contender | Min | Median | Max | Peak RSS | Time ratio vs ${first} |`,
    '|---|---:|---:|---:|---:|---:|',
    ...rows,
  ];
}

function resultTable(t: ResultTable): string[] {
  const cell = (c: string): string => c.replaceAll('|', '\\|');
  return [
    '',
    `${t.title}:`,
    '',
    `| ${t.header.map(cell).join(' | ')} |`,
    `|${t.header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}

function targetTable(targets: TargetResult[]): string[] {
  if (targets.length === 0) return [];
  const verdict = (t: TargetResult): string => (t.met === null ? 'not measured' : t.met ? '✅ met' : '❌ missed');
  return [
    '',
    '| Target | Actual | Verdict |',
    '|---|---:|---|',
    ...targets.map((t) => `| ${t.label} | ${formatMetric(t.metric, t.actual)} | ${verdict(t)} |`),
  ];
}

function renderGroup(g: ResultGroup): string[] {
  return [
    `### ${g.name}`,
    '',
    ...(g.description ? [g.description, ''] : []),
    `${g.runs} measured run(s) per contender after ${g.warmup} warm-up, alternated; ` +
      `${day(g.date)}, commit ${shortCommit(g.gitCommit)}.`,
    '',
    ...contenderTable(g),
    ...(g.tables ?? []).flatMap(resultTable),
    ...targetTable(g.targets),
    ...(g.notes?.length ? ['', ...g.notes.map((n) => `- ${n}`)] : []),
    '',
  ];
}

/** Markdown of one scenario (also printed to the console after a run). */
export function renderScenario(r: ScenarioResult): string[] {
  return [
    `## ${r.scenario}: ${r.title}`,
    '',
    r.description,
    '',
    `Machine: ${machineLine(r.machine)}.`,
    `Last written ${day(r.date)} at commit ${shortCommit(r.machine.gitCommit)}${r.machine.gitDirty ? ' (with uncommitted changes)' : ''}.`,
    '',
    ...r.groups.flatMap(renderGroup),
    ...(r.analysis ? [`### ${r.scenario}: the gaps and what limits them`, '', r.analysis, ''] : []),
  ];
}

export function renderBenchmarksMarkdown(results: ScenarioResult[]): string {
  const lines = [
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` from bench/results/*.json. Do not edit by hand. -->',
    '',
    'Wall-clock times and peak memory (summed over the whole process tree) of strata commands, and of',
    'other tools doing the same work where there is one. Method, scenarios and how to reproduce:',
    '[bench/README.md](bench/README.md). Ratios are the median over rounds of',
    '`time(contender) / time(first contender)`, contenders being run alternately.',
    '',
    ...(results.length === 0 ? ['No results yet: run `npm run bench`.', ''] : results.flatMap(renderScenario)),
  ];
  return lines.join('\n').replace(/\n+$/, '\n');
}
