/**
 * compile: `strata compile` of a synthetic project (bench/generate-project.ts) at three sizes,
 *   cold  -- no target/ (including strata's cache under it): the previous one moved aside before every run,
 *   warm  -- target/ kept from the previous run, nothing changed,
 * and, when available, the Dataform CLI 2.x compiling the equivalent project.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  DATAFORM_CLI_VERSION,
  DATAFORM_CORE_VERSION,
  DEFAULT_SEED,
  generateDataformProject,
  generateProject,
} from '../generate-project.js';
import { alternate, type Contender, type Measurement } from '../lib/alternate.js';
import { DATAFORM_NODE_MODULES, dataformCli, installDataform } from '../lib/dataform.js';
import { machineFacts } from '../lib/machine.js';
import {
  BENCH_DIR,
  REPO_ROOT,
  evaluateTargets,
  type ResultGroup,
  type ScenarioResult,
  type TargetSpec,
} from '../lib/results.js';
import { runCommand } from '../lib/run-command.js';
import { STRATA_CLI_OPTION, STRATA_CLI_USAGE, strataCli } from '../lib/strata-cli.js';
import type { Scenario, ScenarioContext } from '../lib/scenario.js';
import { WORK_DIR, ensureGenerated, fingerprint } from '../lib/workdir.js';

export const SIZES = { small: 1_000, medium: 2_000, large: 10_000 } as const;
type SizeName = keyof typeof SIZES;

const COLD = 'strata compile (cold)';
const WARM = 'strata compile (warm)';
const DATAFORM = `dataform compile (${DATAFORM_CLI_VERSION})`;

/** Targets per size; a target whose contender did not run is reported as "not measured". */
function targetsFor(size: SizeName, withDataform: boolean): TargetSpec[] {
  const t: TargetSpec[] = [];
  if (size === 'small') {
    t.push({ label: 'cold compile, 1,000 models ≤ 0.5 s', contender: COLD, metric: 'medianMs', op: '<=', value: 500 });
  }
  if (size === 'large') {
    t.push(
      { label: 'cold compile, 10,000 models ≤ 2 s', contender: COLD, metric: 'medianMs', op: '<=', value: 2_000 },
      { label: 'cold compile, 10,000 models ≤ 500 MB RSS', contender: COLD, metric: 'peakRssBytes', op: '<=', value: 500e6 },
      { label: 'warm compile, 10,000 models ≤ 0.3 s', contender: WARM, metric: 'medianMs', op: '<=', value: 300 },
    );
  }
  if (withDataform) {
    t.push({ label: 'strata (cold) ≥ 20× faster than Dataform', contender: DATAFORM, metric: 'ratio', op: '>=', value: 20 });
  }
  return t;
}

/**
 * The Dataform CLI to compare with: installed into bench/.cache/dataform on first use (the suite
 * fetches its peers itself), unless --no-dataform. --with-dataform is kept as an explicit synonym.
 */
function resolveDataform(ctx: ScenarioContext): string | null {
  if (ctx.options['no-dataform']) return null;
  return dataformCli() ?? installDataform(ctx.log);
}

function selectedSizes(ctx: ScenarioContext): SizeName[] {
  if (ctx.quick) return ['small'];
  if (ctx.sizes.length === 0 || ctx.sizes.includes('all')) return Object.keys(SIZES) as SizeName[];
  for (const s of ctx.sizes) {
    if (!(s in SIZES)) throw new Error(`unknown --size ${s} (one of: ${Object.keys(SIZES).join(', ')}, all)`);
  }
  return ctx.sizes as SizeName[];
}

/**
 * Where a cold run's previous target/ goes: moved, not deleted, and removed only once every size is
 * measured. On a file system like this machine's (ext4 without a journal), creating a file skips
 * every inode of its block group deleted in the last minutes, each at a cost: deleting 10,000 files
 * right before a run made the run's own 10,000 file creations take seconds of kernel time, growing
 * with every run. That measures the harness's `rm -rf`, not a first compile, which finds no target/
 * and no fresh deletions (bench/README.md, "compile").
 */
const TRASH_DIR = join(WORK_DIR, 'compile-trash');

/** Moves a directory into TRASH_DIR (same file system: a rename, no inode is freed). */
function moveToTrash(dir: string): void {
  if (!existsSync(dir)) return;
  mkdirSync(TRASH_DIR, { recursive: true });
  renameSync(dir, join(TRASH_DIR, `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`));
}

/** Does dir exist and contain something (a compile wrote its output)? */
function hasFiles(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).length > 0;
}

async function measureSize(
  ctx: ScenarioContext,
  size: SizeName,
  strata: string,
  dataform: string | null,
): Promise<ResultGroup> {
  const models = SIZES[size];
  const seed = DEFAULT_SEED;
  const generator = fingerprint(join(BENCH_DIR, 'generate-project.ts'));
  const projectDir = join(WORK_DIR, `compile-${models}`);
  const targetDir = join(projectDir, 'target');
  const dataformDir = join(WORK_DIR, `compile-${models}-dataform`);

  const t0 = performance.now();
  if (ensureGenerated(projectDir, { kind: 'strata', models, seed, generator }, () => generateProject(projectDir, { models, seed }))) {
    ctx.log(`generated ${relative(REPO_ROOT, projectDir)} (${models} models) in ${(performance.now() - t0).toFixed(0)} ms`);
  }
  if (dataform) {
    const t1 = performance.now();
    const stamp = { kind: 'dataform', models, seed, generator, core: DATAFORM_CORE_VERSION };
    const generate = (): void => {
      generateDataformProject(dataformDir, { models, seed, linkNodeModules: DATAFORM_NODE_MODULES });
    };
    if (ensureGenerated(dataformDir, stamp, generate)) {
      ctx.log(`generated ${relative(REPO_ROOT, dataformDir)} in ${(performance.now() - t1).toFixed(0)} ms`);
    }
  }

  const compileStrata = (): Promise<Measurement> =>
    runCommand(process.execPath, [strata, 'compile', '--project-dir', projectDir], { cwd: REPO_ROOT });
  const verifyStrata = (m: Measurement): string | null => {
    if (!hasFiles(targetDir)) return `no files in ${targetDir} after compile`;
    // "Compiled 1000 models, 3000 data tests, ..." / "Up to date: 1000 models, ...": when the summary
    // states counts, they must be the project's (a compile that silently drops files is no win).
    const counts = /(\d[\d,]*) models, (\d[\d,]*) data tests/.exec(m.stdout ?? '');
    if (counts) {
      const [seenModels, seenTests] = [counts[1], counts[2]].map((x) => Number(x!.replaceAll(',', '')));
      if (seenModels !== models || seenTests !== models * 3) {
        return `expected ${models} models and ${models * 3} data tests, strata reported "${counts[0]}"`;
      }
    }
    return null;
  };

  const contenders: Contender[] = [
    {
      name: COLD,
      prepare: () => moveToTrash(targetDir),
      run: compileStrata,
      verify: verifyStrata,
    },
    {
      name: WARM,
      // Normally target/ is left by the cold run just before; make sure of it, untimed.
      prepare: async () => {
        if (!hasFiles(targetDir)) await compileStrata();
      },
      run: compileStrata,
      verify: verifyStrata,
    },
  ];
  if (dataform) {
    const actions = models * 4; // per model: the dataset, uniqueKey, rowConditions (nonNull), relationships
    contenders.push({
      name: DATAFORM,
      // --timeout: Dataform's default compile timeout is 5 s. --no-track: no analytics prompt/calls.
      run: () => runCommand(process.execPath, [dataform, 'compile', dataformDir, '--timeout', '30m', '--no-track'], { cwd: REPO_ROOT }),
      verify: (m) => {
        const out = m.stdout ?? '';
        return out.includes(`Compiled ${actions} action(s)`) ? null : `expected "Compiled ${actions} action(s)" in its output`;
      },
    });
  }

  ctx.log(`compile ${size}: ${models} models, ${models * 3} tests; ${contenders.map((c) => c.name).join(' / ')}`);
  const result = await alternate(contenders, {
    warmup: ctx.warmup,
    runs: ctx.runs,
    onRun: (e) => {
      const what = e.error ? `FAILED: ${e.error.split('\n')[0]}` : `${e.measurement.wallMs.toFixed(0)} ms, ${(e.measurement.peakRssBytes / 1e6).toFixed(0)} MB`;
      ctx.log(`  ${e.phase === 'warmup' ? 'warm-up' : `run ${e.round + 1}`}  ${e.contender}: ${what}`);
    },
  });

  return {
    name: `${size}: ${models.toLocaleString('en-US')} models`,
    sortKey: models,
    description:
      `${models.toLocaleString('en-US')} models in folders of 100 and ${(models * 3).toLocaleString('en-US')} data tests ` +
      '(unique, not_null, relationships: one property file per model); ~10% of models call macros and vars, ' +
      '~10% use Jinja loops, ~5% set config(), the rest are plain selects over 1-3 earlier models.',
    date: new Date().toISOString(),
    gitCommit: machineFacts({ cwd: REPO_ROOT }).gitCommit,
    warmup: result.warmup,
    runs: result.runs,
    contenders: result.contenders,
    targets: evaluateTargets(targetsFor(size, dataform !== null), result.contenders),
    notes: dataform
      ? [
          `Dataform: @dataform/cli ${DATAFORM_CLI_VERSION} + @dataform/core ${DATAFORM_CORE_VERSION} (the last versions supporting PostgreSQL), ` +
            'compiling the equivalent project: unique/not_null as built-in `assertions`, relationships as one `type: "assertion"` file per model.',
        ]
      : [
          ctx.options['no-dataform']
            ? 'Dataform not measured (--no-dataform).'
            : 'Dataform not measured.',
        ],
  };
}

export const compileScenario: Scenario = {
  name: 'compile',
  title: 'compile a project',
  description:
    '`strata compile` of a generated dbt-style project (bench/generate-project.ts): cold (no target/, so no cache) ' +
    'and warm (previous target/ kept, nothing changed), compared with the Dataform CLI compiling the equivalent project.',
  options: {
    'with-dataform': { type: 'boolean' },
    'no-dataform': { type: 'boolean' },
    ...STRATA_CLI_OPTION,
  },
  usage: [
    '--with-dataform     (the default) install the Dataform CLI into bench/.cache/dataform if needed and compare with it',
    '--no-dataform       skip Dataform (no install, no comparison)',
    STRATA_CLI_USAGE,
  ],
  async run(ctx) {
    const strata = strataCli(ctx);
    const dataform = resolveDataform(ctx);
    const groups: ResultGroup[] = [];
    try {
      for (const size of selectedSizes(ctx)) groups.push(await measureSize(ctx, size, strata, dataform));
    } finally {
      rmSync(TRASH_DIR, { recursive: true, force: true });
    }
    return {
      scenario: 'compile',
      title: compileScenario.title,
      description: compileScenario.description,
      date: new Date().toISOString(),
      machine: machineFacts({ cwd: REPO_ROOT }),
      groups,
    } satisfies ScenarioResult;
  },
};
