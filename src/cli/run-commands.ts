/** `strata run`, `seed`, `build` and `retry`. */
import { Command } from 'commander';
// The runner (and pg) load only when a run command runs: `strata compile` never pays for them.
import type { ExecuteOptions } from '../api/run.js';
import { EXIT_NODE_FAILURE, EXIT_OK } from '../errors/strata-error.js';
import type { CommandKit } from './command-kit.js';
import { addSelectionFlags, type SelectFlags } from './program.js';
import { printRunSummary, runEvents } from './run-output.js';

interface RunFlags extends SelectFlags {
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
    ...(f.threads !== undefined ? { threads: Number(f.threads) } : {}),
    ...(f.fullRefresh ? { fullRefresh: true } : {}),
    ...(f.failFast ? { failFast: true } : {}),
    ...(f.rebuild ? { rebuild: true } : {}),
    ...(f.lockTimeout !== undefined ? { lockTimeoutSeconds: Number(f.lockTimeout) } : {}),
  };
}

export function addRunCommands(program: Command, kit: CommandKit): void {
  const { action, projectOptions, selection } = kit;
  const commands = [
    ['run', 'build the selected models (views, tables, incremental) in the database'],
    ['seed', 'load the selected seeds (CSV files) with COPY'],
    ['build', 'seeds and models (and, as they land, loads and tests) in DAG order'],
  ] as const;
  for (const [name, description] of commands) {
    addRunFlags(addSelectionFlags(program.command(name).description(description))).action(
      action<RunFlags>(async (f, g, r) => {
        const { execute } = await import('../api/run.js');
        const res = await execute(name, { ...projectOptions(g), ...selection!(f), ...executeOptions(f), events: runEvents(r) });
        for (const w of res.project.warnings) r.warn(w);
        printRunSummary(r, res.results);
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
