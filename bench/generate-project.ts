/**
 * Synthetic project generator for the benchmarks.
 *
 * The shape follows dbt-core's own parse-performance projects: many small models in folders of
 * 100, each selecting from 1-3 earlier models, each with a property file declaring 3 data tests
 * (unique + not_null on `id`, relationships on `parent_id`). The mix of model kinds is the
 * realistic one -- most models are plain `select ... from {{ ref(...) }}`:
 *
 *   ~1 in 10  calls a macro and `var('bench_var', 'x')`
 *   ~1 in 10  uses Jinja control flow (`{% for %}` with `loop.last`)
 *   ~1 in 20  sets `{{ config(materialized='table', tags=['nightly']) }}` (independent of the above)
 *   the rest  plain select
 *
 * Everything is driven by a seeded PRNG (mulberry32), so the same (models, seed) always produces
 * byte-identical files. The SQL compiles to valid PostgreSQL: every model has the columns
 * `id` (unique, not null), `parent_id` (an id of its first parent, or null for roots) and `value`.
 *
 * `generateDataformProject` writes the equivalent project for the Dataform CLI 2.x (the last
 * major version with PostgreSQL support), used as the comparison point of the compile scenario.
 *
 * CLI:
 *   node --import tsx bench/generate-project.ts --models 10000 --out DIR [--seed N] [--dataform]
 */
import { mkdirSync, rmSync, writeFileSync, existsSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

export interface GenerateOptions {
  /** Number of models (each gets a property file with 3 data tests). */
  models: number;
  /** PRNG seed; the default gives the canonical benchmark project. */
  seed?: number;
  /**
   * Rows of each root model (default 1: `select 1 as id, ...`). Every other model joins its
   * parents on `id`, so each model then holds this many rows (strata projects only).
   */
  rootRows?: number;
}

export interface DataformGenerateOptions extends GenerateOptions {
  /**
   * A `node_modules` directory containing `@dataform/core`, symlinked into the project so the
   * Dataform CLI finds its core package without a per-project `npm install`.
   */
  linkNodeModules?: string;
}

export interface GeneratedProject {
  dir: string;
  models: number;
  tests: number;
  /** Number of files written (models, property files, macros, project files). */
  files: number;
}

export const DEFAULT_SEED = 42;
export const MODELS_PER_FOLDER = 100;
export const PROJECT_NAME = 'bench_project';
/** The folder configured with `+materialized: table` in project.yml (always present). */
export const TABLE_FOLDER = 'group_0000';

/** mulberry32: tiny, fast, good-enough deterministic PRNG. Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type ModelKind = 'root' | 'plain' | 'macro' | 'loop';

/** The abstract plan of one model, shared by the strata and Dataform writers. */
export interface ModelPlan {
  index: number;
  name: string;
  folder: string;
  /** Names of the models it selects from, the first one being the `parent_id` target. */
  parents: string[];
  kind: ModelKind;
  /** `{{ config(materialized='table', tags=['nightly']) }}` in the file. */
  configBlock: boolean;
}

export const modelName = (i: number): string => `model_${String(i).padStart(6, '0')}`;
export const folderName = (i: number): string =>
  `group_${String(Math.floor(i / MODELS_PER_FOLDER)).padStart(4, '0')}`;

/**
 * Longest chain of views a model may sit on (itself included). PostgreSQL inlines views, so a view
 * over views over views expands to the whole ancestor TREE -- exponential in the chain length --
 * and a deep all-view DAG takes minutes to create or query. Bounding the chain keeps the generated
 * project runnable (at most 3^2 + 3 + 1 relations per view) for the scenarios that execute it.
 */
export const MAX_VIEW_DEPTH = 3;

/**
 * Plan the DAG. Model 0 (and one model in every 1,000 after it) is a root selecting from nothing.
 * Other models pick 1-3 distinct earlier models: mostly from the previous 100 (locality), sometimes
 * from anywhere before them, skipping candidates that would make a view chain longer than
 * MAX_VIEW_DEPTH (tables -- the table folder and `config(materialized='table')` models -- reset it).
 */
export function planModels(opts: GenerateOptions): ModelPlan[] {
  const count = Math.max(0, Math.floor(opts.models));
  const rand = mulberry32(opts.seed ?? DEFAULT_SEED);
  const pick = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo)); // [lo, hi)
  const plans: ModelPlan[] = [];
  /** viewDepth[i]: 0 for a table, else 1 + the deepest parent. */
  const viewDepth: number[] = [];
  /** Models any view may select from (viewDepth < MAX_VIEW_DEPTH), for the fallback pick. */
  const shallow: number[] = [];
  for (let i = 0; i < count; i++) {
    const root = i % 1000 === 0;
    const r = rand();
    const kind: ModelKind = root ? 'root' : r < 0.1 ? 'macro' : r < 0.2 ? 'loop' : 'plain';
    const configBlock = rand() < 0.05;
    const folder = folderName(i);
    const isTable = configBlock || folder === TABLE_FOLDER;
    const allowed = (p: number): boolean => isTable || (viewDepth[p] ?? 0) < MAX_VIEW_DEPTH;
    const chosen = new Set<number>();
    if (!root) {
      const wanted = Math.min(i, 1 + Math.floor(rand() * 3));
      let attempts = 0;
      while (chosen.size < wanted && attempts < 30) {
        attempts++;
        const p = rand() < 0.7 ? pick(Math.max(0, i - MODELS_PER_FOLDER), i) : pick(0, i);
        if (allowed(p)) chosen.add(p);
      }
      // Unlucky streak of deep candidates: fall back to the always-allowed pool (model 0 is a table).
      while (chosen.size < Math.min(wanted, shallow.length)) {
        chosen.add(shallow[pick(0, shallow.length)] ?? 0);
      }
    }
    const parents = [...chosen];
    const depth = isTable ? 0 : 1 + Math.max(0, ...parents.map((p) => viewDepth[p] ?? 0));
    viewDepth.push(depth);
    if (depth < MAX_VIEW_DEPTH) shallow.push(i);
    plans.push({ index: i, name: modelName(i), folder, parents: parents.map(modelName), kind, configBlock });
  }
  return plans;
}

// ---------------------------------------------------------------------------------------------
// strata (dbt-compatible) project
// ---------------------------------------------------------------------------------------------

const PROJECT_YML = `name: ${PROJECT_NAME}
version: '1.0.0'
config-version: 2

model-paths: ["models"]
macro-paths: ["macros"]

vars:
  bench_var: hello
  bench_scale: 2

models:
  ${PROJECT_NAME}:
    +materialized: view
    ${TABLE_FOLDER}:
      +materialized: table
`;

const MACROS: Record<string, string> = {
  'cents_to_dollars.sql': `{% macro cents_to_dollars(column_name, scale=2) -%}
    ({{ column_name }} / 100)::numeric(16, {{ scale }})
{%- endmacro %}
`,
  'safe_divide.sql': `{% macro safe_divide(numerator, denominator) -%}
    ({{ numerator }})::numeric / nullif({{ denominator }}, 0)
{%- endmacro %}
`,
  'bench_label.sql': `{% macro bench_label(prefix='bench') -%}
    '{{ prefix }}_' || '{{ var("bench_var", "x") }}'
{%- endmacro %}
`,
};

/** `from` + joins over the parents, aliased p1..pN, joined on id. */
function fromClause(parents: string[], refFn: (name: string) => string): string {
  return parents
    .map((p, k) =>
      k === 0 ? `from ${refFn(p)} as p1` : `join ${refFn(p)} as p${k + 1} on p${k + 1}.id = p1.id`,
    )
    .join('\n');
}

/** Sum of the parents' value columns, e.g. `p1.value + p2.value`. */
const valueSum = (parents: string[]): string => parents.map((_, k) => `p${k + 1}.value`).join(' + ');

export function renderModelSql(m: ModelPlan, rootRows = 1): string {
  const ref = (name: string): string => `{{ ref('${name}') }}`;
  const header = m.configBlock ? `{{ config(materialized='table', tags=['nightly']) }}\n\n` : '';
  switch (m.kind) {
    case 'root':
      return rootRows === 1
        ? `${header}select 1 as id, null::int as parent_id, 100 as value\n`
        : `${header}select g as id, null::int as parent_id, 100 as value from generate_series(1, ${rootRows}) g\n`;
    case 'plain':
      return `${header}select
    p1.id as id,
    p1.id as parent_id,
    ${valueSum(m.parents)} as value
${fromClause(m.parents, ref)}
`;
    case 'macro':
      return `${header}select
    p1.id as id,
    p1.id as parent_id,
    {{ cents_to_dollars('(${valueSum(m.parents)})') }} as value
${fromClause(m.parents, ref)}
where {{ bench_label() }} <> '{{ var('bench_var', 'x') }}'
`;
    case 'loop':
      return `${header}select
    p1.id as id,
    p1.id as parent_id,
    (
    {%- for i in range(3) %}
        p1.value * {{ i + 1 }}{% if not loop.last %} +{% endif %}
    {%- endfor %}
    ) as value
${fromClause(m.parents, ref)}
`;
  }
}

export function renderPropertiesYml(m: ModelPlan): string {
  // Roots have no parent: their relationships test points at themselves (parent_id is null,
  // which `relationships` accepts), so every model has exactly 3 tests.
  const target = m.parents[0] ?? m.name;
  const from = m.parents.length > 0 ? `selects from ${m.parents.join(', ')}` : 'selects from nothing';
  return `version: 2

models:
  - name: ${m.name}
    description: "Synthetic benchmark model ${m.index} (${m.kind}, ${from})."
    columns:
      - name: id
        description: "Primary key."
        data_tests:
          - unique
          - not_null
      - name: parent_id
        description: "Id of the row in ${target} this row derives from."
        data_tests:
          - relationships:
              to: ref('${target}')
              field: id
      - name: value
        description: "A derived amount."
`;
}

/** Remove `dir` (if present) and write the whole strata project into it. */
export function generateProject(dir: string, opts: GenerateOptions): GeneratedProject {
  const root = resolve(dir);
  const plans = planModels(opts);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'macros'), { recursive: true });
  let files = 0;
  const write = (rel: string, text: string): void => {
    writeFileSync(join(root, rel), text);
    files++;
  };
  write('project.yml', PROJECT_YML);
  for (const [file, text] of Object.entries(MACROS)) write(join('macros', file), text);
  let lastFolder = '';
  for (const m of plans) {
    if (m.folder !== lastFolder) {
      mkdirSync(join(root, 'models', m.folder), { recursive: true });
      lastFolder = m.folder;
    }
    write(join('models', m.folder, `${m.name}.sql`), renderModelSql(m, opts.rootRows));
    write(join('models', m.folder, `${m.name}.yml`), renderPropertiesYml(m));
  }
  return { dir: root, models: plans.length, tests: plans.length * 3, files };
}

// ---------------------------------------------------------------------------------------------
// Equivalent Dataform 2.x project (@dataform/cli 2.6.7 + @dataform/core 2.9.0, warehouse postgres)
// ---------------------------------------------------------------------------------------------

export const DATAFORM_CORE_VERSION = '2.9.0';
export const DATAFORM_CLI_VERSION = '2.6.7';

/** Dataform's `includes/*.js` files are exposed to every sqlx file as a global named after the file. */
const DATAFORM_MACROS_JS = `function cents_to_dollars(column_name, scale = 2) {
  return \`(\${column_name} / 100)::numeric(16, \${scale})\`;
}

function safe_divide(numerator, denominator) {
  return \`(\${numerator})::numeric / nullif(\${denominator}, 0)\`;
}

function bench_label(prefix = "bench") {
  return \`'\${prefix}_' || '\${dataform.projectConfig.vars.bench_var || "x"}'\`;
}

module.exports = { cents_to_dollars, safe_divide, bench_label };
`;

export function renderDataformSqlx(m: ModelPlan): string {
  const ref = (name: string): string => `\${ref("${name}")}`;
  const isTable = m.configBlock || m.folder === TABLE_FOLDER;
  const target = m.parents[0] ?? m.name;
  const from = m.parents.length > 0 ? `selects from ${m.parents.join(', ')}` : 'selects from nothing';
  const config = `config {
  type: "${isTable ? 'table' : 'view'}",${m.configBlock ? '\n  tags: ["nightly"],' : ''}
  description: "Synthetic benchmark model ${m.index} (${m.kind}, ${from}).",
  columns: {
    id: "Primary key.",
    parent_id: "Id of the row in ${target} this row derives from.",
    value: "A derived amount."
  },
  assertions: {
    uniqueKey: ["id"],
    nonNull: ["id"]
  }
}

`;
  switch (m.kind) {
    case 'root':
      return `${config}select 1 as id, null::int as parent_id, 100 as value\n`;
    case 'plain':
      return `${config}select
    p1.id as id,
    p1.id as parent_id,
    ${valueSum(m.parents)} as value
${fromClause(m.parents, ref)}
`;
    case 'macro':
      return `${config}select
    p1.id as id,
    p1.id as parent_id,
    \${macros.cents_to_dollars("(${valueSum(m.parents)})")} as value
${fromClause(m.parents, ref)}
where \${macros.bench_label()} <> '\${dataform.projectConfig.vars.bench_var || "x"}'
`;
    case 'loop':
      return `${config}select
    p1.id as id,
    p1.id as parent_id,
    (\${[1, 2, 3].map(i => "p1.value * " + i).join(" + ")}) as value
${fromClause(m.parents, ref)}
`;
  }
}

/** dbt's `relationships` test as a standalone Dataform assertion (rows returned = failures). */
export function renderDataformRelationshipsAssertion(m: ModelPlan): string {
  const target = m.parents[0] ?? m.name;
  return `config { type: "assertion" }

select child.parent_id
from \${ref("${m.name}")} as child
left join \${ref("${target}")} as parent on parent.id = child.parent_id
where child.parent_id is not null and parent.id is null
`;
}

/**
 * Write the Dataform equivalent of `generateProject(dir, opts)`: the same models and SQL, the
 * `unique` + `not_null` tests as the built-in `assertions` of each model (Dataform generates two
 * assertion actions from them) and `relationships` as one `type: "assertion"` file per model,
 * so both projects have 2 files and 3 tests per model.
 */
export function generateDataformProject(dir: string, opts: DataformGenerateOptions): GeneratedProject {
  const root = resolve(dir);
  const nodeModules = opts.linkNodeModules ? resolve(opts.linkNodeModules) : null;
  if (nodeModules && !existsSync(join(nodeModules, '@dataform', 'core'))) {
    throw new Error(`${nodeModules} does not contain @dataform/core`);
  }
  const plans = planModels(opts);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'includes'), { recursive: true });
  let files = 0;
  const write = (rel: string, text: string): void => {
    writeFileSync(join(root, rel), text);
    files++;
  };
  write(
    'dataform.json',
    JSON.stringify(
      {
        warehouse: 'postgres',
        defaultSchema: PROJECT_NAME,
        assertionSchema: `${PROJECT_NAME}_assertions`,
        // Dataform project vars are strings only.
        vars: { bench_var: 'hello', bench_scale: '2' },
      },
      null,
      2,
    ) + '\n',
  );
  write(
    'package.json',
    JSON.stringify(
      { name: PROJECT_NAME, private: true, dependencies: { '@dataform/core': DATAFORM_CORE_VERSION } },
      null,
      2,
    ) + '\n',
  );
  write(join('includes', 'macros.js'), DATAFORM_MACROS_JS);
  let lastFolder = '';
  for (const m of plans) {
    if (m.folder !== lastFolder) {
      mkdirSync(join(root, 'definitions', m.folder), { recursive: true });
      mkdirSync(join(root, 'definitions', 'assertions', m.folder), { recursive: true });
      lastFolder = m.folder;
    }
    write(join('definitions', m.folder, `${m.name}.sqlx`), renderDataformSqlx(m));
    write(
      join('definitions', 'assertions', m.folder, `${m.name}_parent_id_relationships.sqlx`),
      renderDataformRelationshipsAssertion(m),
    );
  }
  if (nodeModules) symlinkSync(nodeModules, join(root, 'node_modules'), 'dir');
  return { dir: root, models: plans.length, tests: plans.length * 3, files };
}

// ---------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------

function main(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: {
      models: { type: 'string', default: '1000' },
      out: { type: 'string' },
      seed: { type: 'string' },
      dataform: { type: 'boolean', default: false },
      'link-node-modules': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || !values.out) {
    console.log(
      'usage: node --import tsx bench/generate-project.ts --models N --out DIR [--seed N]\n' +
        '       [--dataform [--link-node-modules DIR]]   (write the equivalent Dataform 2.x project)',
    );
    process.exit(values.help ? 0 : 2);
  }
  const models = Number(values.models);
  if (!Number.isInteger(models) || models < 1) throw new Error(`--models must be a positive integer`);
  const seed = values.seed === undefined ? DEFAULT_SEED : Number(values.seed);
  const started = performance.now();
  const result = values.dataform
    ? generateDataformProject(values.out, { models, seed, linkNodeModules: values['link-node-modules'] })
    : generateProject(values.out, { models, seed });
  const ms = performance.now() - started;
  console.log(
    `wrote ${result.models} models, ${result.tests} tests (${result.files} files) to ${result.dir} in ${ms.toFixed(0)} ms`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2));
}
