/** `strata db start|stop|status|url|psql` and `strata debug`. The database API loads on use. */
import { spawnSync } from 'node:child_process';
import { Command } from 'commander';
import { compileProject } from '../api/compile.js';
import { EXIT_NODE_FAILURE, EXIT_OK, StrataError } from '../errors/strata-error.js';
import type { TargetConfig } from '../adapters/postgres/index.js';
import type { CommandKit } from './command-kit.js';

export function addDbCommands(program: Command, kit: CommandKit): void {
  const { action, projectOptions } = kit;
  const db = program.command('db').description('the embedded PostgreSQL: keep it running for Tableau, psql or a notebook');
  db.command('start').description('start the embedded server (if needed) and leave it running; prints its URL')
    .option('--port <port>', 'listen on this port (default: a free one)')
    .action(action<{ port?: string }>(async (f, g, r) => {
      const { dbStart } = await import('../api/db.js');
      const res = await dbStart(projectOptions(g).projectDir!, f.port ? { port: Number(f.port) } : {});
      r.info(res.text, { event: 'db_started', ...res.data });
      return EXIT_OK;
    }));
  db.command('stop').description('stop the embedded server').action(action<object>(async (_f, g, r) => {
    const { dbStop } = await import('../api/db.js');
    const res = await dbStop(projectOptions(g).projectDir!);
    r.info(res.text, { event: 'db_stopped', ...res.data });
    return EXIT_OK;
  }));
  db.command('status').description('is the embedded server running, where, since when').action(action<object>(async (_f, g, r) => {
    const { dbStatus } = await import('../api/db.js');
    const res = await dbStatus(projectOptions(g).projectDir!);
    r.info(res.text, { event: 'db_status', ...res.data });
    return EXIT_OK;
  }));
  db.command('url').description('print the connection URL of the running embedded server (with its password: for psql "$(strata db url)")')
    .option('--mask', 'hide the password')
    .action(action<{ mask?: boolean }>(async (f, g, r) => {
      const { dbUrl } = await import('../api/db.js');
      const res = await dbUrl(projectOptions(g).projectDir!, f.mask ? { mask: true } : {});
      r.data(res.data.url);
      return EXIT_OK;
    }));
  db.command('psql').description('open psql on the running embedded server').action(action<object>(async (_f, g) => {
    const { dbUrl } = await import('../api/db.js');
    const res = await dbUrl(projectOptions(g).projectDir!);
    const run = spawnSync('psql', [res.data.url], { stdio: 'inherit' });
    if (run.error) throw new StrataError('USAGE', 'psql is not installed', { hint: 'install the PostgreSQL client (Debian: apt-get install postgresql-client), or connect with the URL from strata db url' });
    return run.status ?? EXIT_OK;
  }));
  program.command('debug').description('show the resolved target (password masked), the server version, and whether the connection works')
    .action(action<object>(async (_f, g, r) => {
      const opts = projectOptions(g);
      const project = compileProject({ ...opts, parseOnly: true });
      const t = project.ctx.config.target;
      const target = { ...t, type: t.type === 'embedded' ? 'embedded' : 'postgres' } as unknown as TargetConfig;
      const { debugTarget } = await import('../api/db.js');
      const res = await debugTarget(project.projectDir, target);
      r.info(res.text, { event: 'debug', ...res.data });
      return (res.data as { ok?: boolean }).ok === false ? EXIT_NODE_FAILURE : EXIT_OK;
    }));
}
