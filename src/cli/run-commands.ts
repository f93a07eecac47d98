/** `strata run`, `seed`, `build` and `retry`. */
import { Command } from 'commander';
// The runner (and pg) load only when a run command runs: `strata compile` never pays for them.
import type { ExecuteOptions } from '../api/run.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EXIT_NODE_FAILURE, EXIT_OK, StrataError } from '../errors/strata-error.js';
import type { RunResults } from '../run/run-results.js';
import type { Manifest } from '../manifest/types.js';
import type { Reporter } from './reporter.js';
import { lockTimeoutOption, threadsOption, type CommandKit } from './command-kit.js';
import { addSelectionFlags, type SelectFlags } from './program.js';
import { printRunSummary, runEvents } from './run-output.js';

interface RunFlags extends SelectFlags {
  output?: string;
  fuse?: boolean;
  allRows?: boolean;
  threads?: string;
  fullRefresh?: boolean;
  failFast?: boolean;
  rebuild?: boolean;
  lockTimeout?: string;
}

function addRunFlags(cmd: Command): Command {
  return cmd
    .option('--threads <n>', "how many nodes build at once (default: the target's threads)")
    .option('--full-refresh', 'rebuild incremental models and seeds from scratch')
    .option('--fail-fast', 'stop starting new nodes after the first failure')
    .option('--rebuild', 'build every selected node, even those that are up to date')
    .option('--lock-timeout <seconds>', 'how long to wait for another run of this project and target', '60');
}

function executeOptions(f: RunFlags): Omit<ExecuteOptions, keyof import('../api/compile.js').ProjectOptions> {
  return {
    ...(f.threads !== undefined ? { threads: threadsOption(f.threads) } : {}),
    ...(f.fullRefresh ? { fullRefresh: true } : {}),
    ...(f.failFast ? { failFast: true } : {}),
    ...(f.rebuild ? { rebuild: true } : {}),
    ...(f.lockTimeout !== undefined ? { lockTimeoutSeconds: lockTimeoutOption(f.lockTimeout) } : {}),
  };
}

function junitPath(output: string | undefined): string | undefined {
  if (output === undefined) return undefined;
  const m = /^junit:(.+)$/.exec(output);
  if (!m) throw new StrataError('USAGE', `--output ${output}: expected junit:PATH`, { hint: 'for example --output junit:target/junit.xml' });
  return m[1]!;
}

async function writeJunit(path: string, results: RunResults, manifest: Manifest, r: Reporter): Promise<void> {
  const { junitXml } = await import('../data-tests/junit.js');
  const outcomes = results.results.flatMap((x) => x.tests ?? []);
  mkdirSync(dirname(resolve(path)), { recursive: true });
  writeFileSync(path, junitXml(outcomes, { suiteName: 'strata', timestamp: results.metadata.finishedAt, manifest }));
  r.info(`JUnit report: ${path}`, { event: 'report_written', format: 'junit', path });
}

export function addRunCommands(program: Command, kit: CommandKit): void {
  const { action, projectOptions, selection } = kit;
  const commands = [
    ['run', 'build the selected models (views, tables, incremental) in the database'],
    ['seed', 'load the selected seeds (CSV files) with COPY'],
    ['test', 'run the selected data tests and unit tests; exit 1 when an error-severity test fails'],
    ['build', 'seeds, models and their tests in DAG order (a failing test skips what depends on its model)'],
  ] as const;
  for (const [name, description] of commands) {
    let cmd = addRunFlags(addSelectionFlags(program.command(name).description(description)));
    if (name === 'test' || name === 'build') {
      cmd = cmd
        .option('--output <format:path>', 'also write a report: junit:PATH (JUnit XML for CI)')
        .option('--no-fuse', 'run each column test as its own query (default: one scan per model)')
        .option('--all-rows', "test every row of incremental models (default: only their latest build's new rows, when the rest passed before)");
    }
    cmd.action(
      action<RunFlags>(async (f, g, r) => {
        const junit = junitPath(f.output);
        const { execute } = await import('../api/run.js');
        const res = await execute(name, { ...projectOptions(g), ...selection!(f), ...executeOptions(f), ...(f.fuse === false ? { noFuse: true } : {}), ...(f.allRows ? { allRows: true } : {}), events: runEvents(r) });
        for (const w of [...res.project.warnings, ...res.project.selectionWarnings]) r.warn(w);
        printRunSummary(r, res.results);
        if (junit) await writeJunit(junit, res.results, res.project.manifest, r);
        return res.results.results.some((x) => x.status === 'error') ? EXIT_NODE_FAILURE : EXIT_OK;
      }),
    );
  }
  addRunFlags(program.command('retry').description('run again the nodes that failed or were skipped in the last run')).action(
    action<RunFlags>(async (f, g, r) => {
      const { retry } = await import('../api/run.js');
      const res = await retry({ ...projectOptions(g), ...executeOptions(f), events: runEvents(r) });
      printRunSummary(r, res.results);
      return res.results.results.some((x) => x.status === 'error') ? EXIT_NODE_FAILURE : EXIT_OK;
    }),
  );
}
