/**
 * What a benchmark scenario is. Each scenario is one file under bench/scenarios/, registered in
 * bench/scenarios/index.ts; bench/run.ts parses the command line, runs the selected scenarios and
 * writes their results.
 */
import type { ParseArgsConfig } from 'node:util';
import type { ScenarioResult } from './results.js';

export interface ScenarioContext {
  /** Smoke mode: smallest size, no warm-up, 1 run per contender, results not written. */
  quick: boolean;
  /** Measured runs per contender (default 5; 1 in quick mode). */
  runs: number;
  /** Warm-up runs per contender (default 1; 0 in quick mode). */
  warmup: number;
  /** `--size` values, if given (scenario-defined names such as small, medium, large). */
  sizes: string[];
  /** `--database-url` or STRATA_BENCH_DATABASE_URL, for scenarios that need PostgreSQL. */
  databaseUrl?: string;
  /** All parsed options, including the scenario's own (see Scenario.options). */
  options: Record<string, string | boolean | (string | boolean)[] | undefined>;
  log: (message: string) => void;
}

export interface Scenario {
  name: string;
  title: string;
  description: string;
  /** Extra command-line options this scenario understands (node:util parseArgs format). */
  options?: ParseArgsConfig['options'];
  /** One line per option for `--help`. */
  usage?: string[];
  run: (ctx: ScenarioContext) => Promise<ScenarioResult>;
}
