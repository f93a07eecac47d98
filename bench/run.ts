/**
 * Benchmark entry point.
 *
 *   npm run bench                              all scenarios, all sizes; writes bench/results/*.json + BENCHMARKS.md
 *   npm run bench -- compile --size small      one scenario, one size
 *   npm run bench -- --quick                   smoke test: smallest size, 1 run per contender, nothing written
 *
 * See bench/README.md.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { BENCHMARKS_MD, readAllResults, renderBenchmarksMarkdown, renderScenario, RESULTS_DIR, writeResults, REPO_ROOT, type ScenarioResult } from './lib/results.js';
import type { ScenarioContext } from './lib/scenario.js';
import { scenarios } from './scenarios/index.js';

const COMMON_OPTIONS = {
  quick: { type: 'boolean' },
  size: { type: 'string', multiple: true },
  runs: { type: 'string' },
  warmup: { type: 'string' },
  'database-url': { type: 'string' },
  'check-targets': { type: 'boolean' },
  'results-dir': { type: 'string' },
  list: { type: 'boolean' },
  render: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

const COMMON_USAGE = [
  '--quick             smoke test: smallest size, no warm-up, 1 run per contender; checks every contender',
  '                    produced a result (no timing assertions) and writes no results',
  '--size NAME         size(s) to run, repeatable or comma-separated (compile: small, medium, large, all;',
  '                    seed, noop, overhead: small, large (their default), all)',
  '--runs N            measured runs per contender (default 5)',
  '--warmup N          warm-up runs per contender (default 1)',
  '--database-url URL  PostgreSQL for scenarios that need one (default env STRATA_BENCH_DATABASE_URL)',
  '--check-targets     exit 1 when a measured target is missed (default: report only)',
  '--results-dir DIR   write DIR/<scenario>.json and DIR/BENCHMARKS.md instead of bench/results and',
  '                    ./BENCHMARKS.md (to try things without touching the committed results)',
  '--list              list scenarios',
  '--render            only regenerate BENCHMARKS.md from bench/results (e.g. after editing an *.analysis.md)',
];

function usage(): string {
  const lines = ['usage: npm run bench -- [scenario ...] [options]', '', 'options:', ...COMMON_USAGE.map((l) => `  ${l}`)];
  for (const s of scenarios) {
    lines.push('', `${s.name}: ${s.title}`, ...(s.usage ?? []).map((l) => `  ${l}`));
  }
  return lines.join('\n');
}

function positiveInt(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
  return n;
}

/** Problems that make a quick (smoke) run fail: a contender that failed or produced no result. */
function smokeProblems(result: ScenarioResult): string[] {
  return result.groups.flatMap((g) =>
    g.contenders
      .filter((c) => c.error || c.samples.length === 0)
      .map((c) => `${result.scenario} / ${g.name} / ${c.name}: ${c.error ?? 'no result'}`),
  );
}

async function main(): Promise<number> {
  const options: ParseArgsConfig['options'] = { ...COMMON_OPTIONS };
  for (const s of scenarios) Object.assign(options, s.options ?? {});
  const { values, positionals } = parseArgs({ args: process.argv.slice(2), options, allowPositionals: true });

  if (values.help) {
    console.log(usage());
    return 0;
  }
  if (values.render) {
    const dir = values['results-dir'] as string | undefined;
    const markdownPath = dir ? join(resolve(dir), 'BENCHMARKS.md') : BENCHMARKS_MD;
    writeFileSync(markdownPath, renderBenchmarksMarkdown(readAllResults(dir ? resolve(dir) : RESULTS_DIR)));
    console.log(`wrote ${relative(REPO_ROOT, markdownPath)}`);
    return 0;
  }
  if (values.list) {
    for (const s of scenarios) console.log(`${s.name.padEnd(12)} ${s.title}`);
    return 0;
  }
  const unknown = positionals.filter((p) => !scenarios.some((s) => s.name === p));
  if (unknown.length > 0) {
    console.error(`unknown scenario(s): ${unknown.join(', ')} (known: ${scenarios.map((s) => s.name).join(', ')})`);
    return 2;
  }
  const selected = positionals.length > 0 ? scenarios.filter((s) => positionals.includes(s.name)) : scenarios;

  const quick = values.quick === true;
  const sizes = ((values.size as string[] | undefined) ?? []).flatMap((s) => s.split(',')).filter(Boolean);
  const ctx: ScenarioContext = {
    quick,
    runs: quick ? 1 : positiveInt('runs', values.runs as string | undefined, 5),
    warmup: quick ? 0 : positiveInt('warmup', values.warmup as string | undefined, 1, 0),
    sizes,
    databaseUrl: (values['database-url'] as string | undefined) ?? process.env.STRATA_BENCH_DATABASE_URL,
    options: values,
    log: (m) => console.log(m),
  };

  const problems: string[] = [];
  for (const scenario of selected) {
    console.log(`\n== ${scenario.name}: ${scenario.title}${quick ? ' (quick)' : ''}`);
    let result: ScenarioResult;
    try {
      result = await scenario.run(ctx);
    } catch (e) {
      problems.push(`${scenario.name}: ${e instanceof Error ? e.message : String(e)}`);
      console.error(`${scenario.name} failed: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    console.log(`\n${renderScenario(result).join('\n')}`);
    problems.push(...smokeProblems(result));
    if (values['check-targets'] && !quick) {
      for (const g of result.groups) {
        for (const t of g.targets) if (t.met === false) problems.push(`${scenario.name} / ${g.name}: missed target "${t.label}"`);
      }
    }
    if (!quick) {
      const dir = values['results-dir'] as string | undefined;
      const written = writeResults(
        scenario.name,
        result,
        dir ? { resultsDir: resolve(dir), markdownPath: join(resolve(dir), 'BENCHMARKS.md') } : {},
      );
      console.log(`wrote ${relative(REPO_ROOT, written.jsonPath)} and ${relative(REPO_ROOT, written.markdownPath)}`);
    }
  }

  if (problems.length > 0) {
    console.error(`\n${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    return 1;
  }
  if (quick) console.log('\nquick run OK: every contender produced a result');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(2);
  },
);
