/** `strata load`: raw files into the sources' tables (src/load). The loader loads on use. */
import { Command } from 'commander';
import { EXIT_NODE_FAILURE, EXIT_OK } from '../errors/strata-error.js';
import { writeStderr } from './batched-stdout.js';
import { lockTimeoutOption, threadsOption, type CommandKit } from './command-kit.js';
import { addSelectionFlags, type SelectFlags } from './program.js';
import { stopOnSignal } from './stop-on-signal.js';

interface LoadFlags extends SelectFlags {
  threads?: string;
  reload?: boolean;
  dryRun?: boolean;
  fullRefresh?: boolean;
  lockTimeout?: string;
}

export function addLoadCommand(program: Command, kit: CommandKit): void {
  const { action, projectOptions, selection } = kit;
  addSelectionFlags(program.command('load').description('load new and changed raw files (local or s3://) into the sources\' tables, each file exactly once'))
    .option('--threads <n>', 'files loading at once, each on its own connection (default: the target\'s threads)')
    .option('--reload', 'load every matching file again, even unchanged ones')
    .option('--dry-run', 'list what would be loaded and why (new, changed, reread, unchanged); load nothing')
    .option('--full-refresh', 'empty the raw tables (recreate them if their columns changed) and load everything again')
    .option('--lock-timeout <seconds>', 'how long to wait for another run of this project and target', '60')
    .action(action<LoadFlags>(async (f, g, r) => {
      const [{ load }, { createLoadProgress }] = await Promise.all([import('../api/load.js'), import('../load/progress.js')]);
      const write = kit.io?.err ? (t: string) => kit.io!.err!(t.replace(/\n$/, '')) : writeStderr;
      const isTTY = !r.json && (kit.io?.isTTY ?? Boolean(process.stderr.isTTY));
      const progress = createLoadProgress({
        write: r.json ? (t) => r.data(t.replace(/\n$/, '')) : write,
        isTTY,
        json: r.json,
        columns: process.stderr.columns ?? 100,
      });
      // Bars hide the cursor: Ctrl-C stops them first, so the terminal gets its cursor back.
      const removeSignalHandlers = isTTY && !kit.io?.err ? stopOnSignal(() => progress.stop()) : undefined;
      try {
        const res = await load({
          ...projectOptions(g), ...selection!(f),
          ...(f.threads !== undefined ? { threads: threadsOption(f.threads) } : {}),
          ...(f.reload ? { reload: true } : {}), ...(f.dryRun ? { dryRun: true } : {}), ...(f.fullRefresh ? { fullRefresh: true } : {}),
          ...(f.lockTimeout !== undefined ? { lockTimeoutSeconds: lockTimeoutOption(f.lockTimeout) } : {}),
          onEvent: (e) => progress.onEvent(e),
          onWaitForLock: (holder) => r.info(`Waiting for another run of this project to finish: ${holder}`, { event: 'waiting_for_lock', holder }),
          onWarning: (w) => r.warn(w),
        });
        return res.results.some((x) => x.status === 'failed') ? EXIT_NODE_FAILURE : EXIT_OK;
      } finally {
        removeSignalHandlers?.();
        progress.stop();
      }
    }));
}
