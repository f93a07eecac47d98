/**
 * The commander program. Commands are thin: parse flags, call src/api, print through the Reporter,
 * return an exit code (0 ok, 1 failed nodes/tests, 2 project or usage error).
 */
import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { compile, list, parse, type ListOutput, type ProjectOptions, type SelectionOptions } from '../api/compile.js';
import { EXIT_OK, EXIT_PROJECT_ERROR, StrataError, StrataErrors } from '../errors/strata-error.js';
import type { ResourceType } from '../manifest/types.js';
import { Reporter } from './reporter.js';
import { writeStderr, writeStdout } from './batched-stdout.js';
import { addRunCommands } from './run-commands.js';
import { addDbCommands } from './db-commands.js';
import { addLoadCommand } from './load-commands.js';
import { STRATA_VERSION } from '../compile/parse-project.js';
import { parseYaml } from '../project/yaml-file.js';

export interface GlobalFlags {
  projectDir: string;
  vars?: string;
  target?: string;
  logFormat: 'text' | 'json';
  debug?: boolean;
  color: boolean;
}

export interface SelectFlags {
  select?: string[];
  exclude?: string[];
  selector?: string;
  state?: string;
}

export interface RunCliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  out?: (line: string) => void;
  err?: (line: string) => void;
  /** Colour by default only on a terminal. */
  isTTY?: boolean;
}

function parseVars(text: string | undefined): Record<string, unknown> {
  if (!text) return {};
  let value: unknown;
  try {
    value = parseYaml('--vars', text, { asPyYaml: true }); // as dbt reads --vars: 1.0 a float, off false
  } catch (e) {
    const message = (e as Error).message.split('\n')[0]!;
    if ((e as StrataError).code !== 'YAML') throw new StrataError('USAGE', `--vars: ${message}`);
    throw new StrataError('USAGE', `--vars is not valid YAML or JSON: ${message}`, { hint: `write it like --vars '{start_date: "2020-01-01", limit: 10}'` });
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) {
    throw new StrataError('USAGE', '--vars must be a mapping', { hint: `write it like --vars '{start_date: "2020-01-01"}'` });
  }
  return value as Record<string, unknown>;
}

export function addSelectionFlags(cmd: Command): Command {
  return cmd
    .option('-s, --select <selector...>', 'resources to include (dbt syntax: name, +name, tag:x, path:..., config.materialized:table, ...)')
    .option('--exclude <selector...>', 'resources to leave out')
    .option('--selector <name>', 'a named selector from selectors.yml')
    .option('--state <dir>', 'folder with the manifest.json that state:modified / state:new compare against');
}

export function buildProgram(io: RunCliOptions, setExit: (code: number) => void): Command {
  const program = new Command('strata');
  const reporterFor = (g: GlobalFlags) =>
    new Reporter({
      format: g.logFormat,
      color: g.color && (io.isTTY ?? Boolean(process.stdout.isTTY)) && !(io.env ?? process.env)['NO_COLOR'],
      debug: Boolean(g.debug),
      projectDir: resolve(io.cwd ?? process.cwd(), g.projectDir),
      ...(io.out ? { out: io.out } : {}),
      ...(io.err ? { err: io.err } : {}),
    });
  const projectOptions = (g: GlobalFlags): ProjectOptions => ({
    projectDir: resolve(io.cwd ?? process.cwd(), g.projectDir),
    vars: parseVars(g.vars),
    ...(g.target ? { target: g.target } : {}),
    ...(io.env ? { env: io.env } : {}),
  });
  const selection = (f: SelectFlags): SelectionOptions => ({
    ...(f.select ? { select: f.select } : {}),
    ...(f.exclude ? { exclude: f.exclude } : {}),
    ...(f.selector ? { selector: f.selector } : {}),
    ...(f.state ? { state: f.state } : {}),
  });
  /** Runs a command body with uniform error handling and exit codes. */
  const action = <F>(body: (flags: F, g: GlobalFlags, r: Reporter) => number | Promise<number>) =>
    async (flags: F, cmd: Command) => {
      const g = cmd.optsWithGlobals() as GlobalFlags;
      const r = reporterFor(g);
      try {
        setExit(await body(flags, g, r));
      } catch (e) {
        r.error(e);
        setExit(e instanceof StrataError || e instanceof StrataErrors ? EXIT_PROJECT_ERROR : 70);
      }
    };

  program
    .name('strata')
    .description('Declarative, dbt-style SQL transformations on PostgreSQL.')
    .version(STRATA_VERSION, '-v, --version')
    .option('--project-dir <dir>', 'the project folder (holding project.yml or dbt_project.yml)', '.')
    .option('--vars <yaml>', "variables for var(), as YAML or JSON: --vars '{start_date: 2020-01-01}'")
    .option('-t, --target <name>', 'which target from project.yml to use (default: STRATA_TARGET, then target:)')
    .addOption(new Option('--log-format <format>', 'text for people, json for machines (one event per line)').choices(['text', 'json']).default('text'))
    .option('--debug', 'show stack traces and internal details')
    .option('--no-color', 'plain output without colours')
    .showHelpAfterError('(run strata --help for usage)')
    .configureOutput({
      writeOut: (s) => (io.out ? io.out(s.trimEnd()) : writeStdout(s)),
      writeErr: (s) => (io.err ? io.err(s.trimEnd()) : writeStderr(s)),
    })
    .exitOverride();

  addSelectionFlags(program.command('compile').description("render the selection to SQL: target/manifest.json, and target/compiled/ for models, singular tests and selected generic tests (no database)"))
    .option('--no-cache', 'ignore and do not update the parse cache in target/.cache/')
    .action(action<SelectFlags & { cache?: boolean }>((f, g, r) => {
      const started = performance.now();
      const res = compile({ ...projectOptions(g), ...selection(f), ...(f.cache === false ? { cache: false } : {}) });
      const s = res.summary;
      const ms = Math.round(performance.now() - started);
      const counts = `${s.models} models, ${s.tests} data tests, ${s.seeds} seeds, ${s.sources} sources, ${s.unitTests} unit tests`;
      if (res.upToDate) {
        for (const w of res.warnings) r.warn(w);
        r.info(`Up to date: ${counts} unchanged since the last compile (${ms} ms)`, { event: 'compile_finished', upToDate: true, ...s, ms });
        return EXIT_OK;
      }
      for (const w of [...res.warnings, ...res.selectionWarnings]) r.warn(w);
      r.info(
        `Compiled ${counts} in ${ms} ms (${res.selected.size} selected; ${res.written} compiled files written to ${g.projectDir === '.' ? '' : `${g.projectDir}/`}target/compiled/${
          res.genericTestFiles === 'refresh' && s.tests ? "; generic tests' SQL in target/manifest.json" : ''
        })`,
        { event: 'compile_finished', upToDate: false, ...s, selected: res.selected.size, written: res.written, ms },
      );
      return EXIT_OK;
    }));

  program.command('parse').description('validate the project (config, templates, refs, cycles) and write target/manifest.json')
    .action(action<object>((_f, g, r) => {
      const res = parse(projectOptions(g));
      for (const w of res.warnings) r.warn(w);
      r.info(`Project ${res.manifest.metadata.projectName} is valid: ${Object.keys(res.manifest.nodes).length} nodes, ${Object.keys(res.manifest.sources).length} sources, ${Object.keys(res.manifest.macros).length} macros`, { event: 'parse_finished', nodes: Object.keys(res.manifest.nodes).length });
      return EXIT_OK;
    }));

  addSelectionFlags(program.command('ls').alias('list').description('list the selected resources'))
    .addOption(new Option('--resource-type <type...>', 'only these resource types').choices(['model', 'seed', 'source', 'test', 'unit_test']))
    .addOption(new Option('-o, --output <format>', 'what to print for each resource').choices(['selector', 'name', 'path', 'json']).default('selector'))
    .action(action<SelectFlags & { resourceType?: ResourceType[]; output: ListOutput }>((f, g, r) => {
      const { nodes: items, warnings } = list({ ...projectOptions(g), ...selection(f), ...(f.resourceType ? { resourceTypes: f.resourceType } : {}) });
      for (const w of warnings) r.warn(w);
      for (const item of items) {
        if (f.output === 'json') r.data(JSON.stringify({ unique_id: item.uniqueId, name: item.name, resource_type: item.resourceType, original_file_path: item.path, tags: item.tags, ...(item.materialized ? { materialized: item.materialized } : {}) }));
        else r.data(f.output === 'name' ? item.name : f.output === 'path' ? item.path : item.selector);
      }
      return EXIT_OK;
    }));

  addRunCommands(program, { action, projectOptions, selection });
  addDbCommands(program, { action, projectOptions, io });
  addLoadCommand(program, { action, projectOptions, selection, io });

  return program;
}

/** Runs the CLI in-process (tests use this); returns the exit code. */
export async function runCli(argv: string[], io: RunCliOptions = {}): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; anything else commander rejects is a usage error.
      return e.exitCode === 0 ? EXIT_OK : EXIT_PROJECT_ERROR;
    }
    throw e;
  }
  return code;
}
