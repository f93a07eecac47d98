/**
 * Built-in generic data tests, written in TypeScript rather than as template macros: a project with
 * 30,000 tests compiles them as string concatenation instead of 30,000 template renders.
 *
 * Each builder returns a query selecting the failing rows, with dbt's semantics:
 * `unique` ignores NULLs; `accepted_values` and `relationships` ignore NULL child values;
 * the dbt_utils-style extras (`accepted_range`, `expression_is_true`, ...) are built in.
 * `model` and relation arguments arrive already printed (placeholders or quoted names).
 */
import { createHash } from 'node:crypto';

export interface GenericTestInput {
  model: string;
  column?: string;
  args: Record<string, unknown>;
}

type Builder = (t: GenericTestInput) => string;

const col = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Column expressions are written quoted unless the user passed an expression (`quote: false`). */
function column(t: GenericTestInput): string {
  if (!t.column) throw new Error('this test needs a column: declare it under a column in the property file');
  return t.args['quote_column'] === false || /[\s()+\-*/:]/.test(t.column) ? t.column : col(t.column);
}

function literal(v: unknown, quote: boolean): string {
  if (!quote) return String(v);
  return `'${String(v).replace(/'/g, "''")}'`;
}

function need(t: GenericTestInput, key: string): unknown {
  const v = t.args[key];
  if (v === undefined || v === null) throw new Error(`missing argument '${key}'`);
  return v;
}

const BUILDERS: Record<string, Builder> = {
  not_null: (t) => `select ${column(t)}\nfrom ${t.model}\nwhere ${column(t)} is null`,
  unique: (t) =>
    `select ${column(t)} as unique_field, count(*) as n_records\nfrom ${t.model}\nwhere ${column(t)} is not null\ngroup by ${column(t)}\nhaving count(*) > 1`,
  accepted_values: (t) => {
    const values = need(t, 'values');
    if (!Array.isArray(values) || values.length === 0) throw new Error("'values' must be a non-empty list");
    const quote = t.args['quote'] !== false;
    return [
      'with all_values as (',
      `  select ${column(t)} as value_field, count(*) as n_records`,
      `  from ${t.model}`,
      `  group by ${column(t)}`,
      ')',
      'select *',
      'from all_values',
      `where value_field not in (${values.map((v) => literal(v, quote)).join(', ')})`,
    ].join('\n');
  },
  relationships: (t) => {
    const to = String(need(t, 'to'));
    const field = String(need(t, 'field'));
    return [
      'with child as (',
      `  select ${column(t)} as from_field`,
      `  from ${t.model}`,
      `  where ${column(t)} is not null`,
      '),',
      'parent as (',
      `  select ${col(field)} as to_field`,
      `  from ${to}`,
      ')',
      'select from_field',
      'from child',
      'left join parent on child.from_field = parent.to_field',
      'where parent.to_field is null',
    ].join('\n');
  },
  accepted_range: (t) => {
    const inclusive = t.args['inclusive'] !== false;
    const conds: string[] = [];
    if (t.args['min_value'] !== undefined) conds.push(`${column(t)} ${inclusive ? '>=' : '>'} ${String(t.args['min_value'])}`);
    if (t.args['max_value'] !== undefined) conds.push(`${column(t)} ${inclusive ? '<=' : '<'} ${String(t.args['max_value'])}`);
    if (!conds.length) throw new Error("give 'min_value', 'max_value' or both");
    return `select *\nfrom ${t.model}\nwhere not (${conds.join(' and ')})`;
  },
  expression_is_true: (t) => {
    const expression = String(need(t, 'expression'));
    const full = t.column ? `${column(t)} ${expression}` : expression;
    return `select *\nfrom ${t.model}\nwhere not (${full})`;
  },
  unique_combination_of_columns: (t) => {
    const cols = need(t, 'combination_of_columns');
    if (!Array.isArray(cols) || cols.length === 0) throw new Error("'combination_of_columns' must be a non-empty list");
    const list = cols.map((c) => col(String(c))).join(', ');
    return `select ${list}, count(*) as n_records\nfrom ${t.model}\ngroup by ${list}\nhaving count(*) > 1`;
  },
  not_empty: (t) => `select 'table is empty' as failure\nwhere not exists (select 1 from ${t.model})`,
  row_count: (t) => {
    const conds: string[] = [];
    if (t.args['min'] !== undefined) conds.push(`count(*) >= ${Number(t.args['min'])}`);
    if (t.args['max'] !== undefined) conds.push(`count(*) <= ${Number(t.args['max'])}`);
    if (!conds.length) throw new Error("give 'min', 'max' or both");
    return `select count(*) as row_count\nfrom ${t.model}\nhaving not (${conds.join(' and ')})`;
  },
  not_null_proportion: (t) => {
    const atLeast = Number(need(t, 'at_least'));
    if (!(atLeast >= 0 && atLeast <= 1)) throw new Error("'at_least' must be a number between 0 and 1");
    return [
      'select not_null_proportion',
      'from (',
      `  select count(${column(t)})::numeric / nullif(count(*), 0) as not_null_proportion`,
      `  from ${t.model}`,
      ') proportions',
      `where not_null_proportion < ${atLeast}`,
    ].join('\n');
  },
};

/** Tests that need a column to be declared under. */
export const COLUMN_TESTS = new Set(['not_null', 'unique', 'accepted_values', 'relationships', 'accepted_range', 'not_null_proportion']);

export function isBuiltinTest(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(BUILDERS, stripNamespace(name));
}

export const BUILTIN_TEST_NAMES = Object.keys(BUILDERS);

/** `dbt_utils.accepted_range` and `accepted_range` are the same built-in. */
export function stripNamespace(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot === -1 ? name : name.slice(dot + 1);
}

export function buildGenericTestSql(name: string, input: GenericTestInput): string {
  return BUILDERS[stripNamespace(name)]!(input);
}

/** Applies the `where` config the way dbt does: the model becomes a filtered subquery. */
export function applyWhere(model: string, where: unknown): string {
  if (where === undefined || where === null || where === '') return model;
  return `(select * from ${model} where ${String(where)}) dbt_subquery`;
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

function flatten(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(flatten);
  if (v && typeof v === 'object') return Object.values(v).flatMap(flatten);
  return [String(v)];
}

/**
 * dbt's test names, by dbt's algorithm: `<type>_<target>_<args>` where the arguments (column_name
 * included, sorted by name) are flattened and joined with `__`: `not_null_orders_order_id`,
 * `accepted_values_orders_status__a__b`, `source_unique_raw_orders_id`. A namespace becomes part of
 * the type (`dbt_utils_accepted_range_...`). Names of 64 characters or more keep their first 30
 * characters of `<type>_<target>` plus the md5 of the full name.
 */
export function genericTestName(testName: string, target: { name: string; sourceName?: string }, column: string | undefined, args: Record<string, unknown>): string {
  const type = `${target.sourceName ? 'source_' : ''}${testName.replace(/\./g, '_')}`;
  const identifier = `${type}_${target.sourceName ? `${target.sourceName}_` : ''}${target.name}`;
  // The common case (unique, not_null: a column and no arguments), without the general machinery.
  if (column && isEmpty(args)) {
    const full = `${identifier}_${column.replace(/[^0-9a-zA-Z_]+/g, '_')}`;
    if (full.length < 64) return full;
  }
  const all: Record<string, unknown> = { ...args, ...(column ? { column_name: column } : {}) };
  const parts = Object.keys(all)
    .filter((k) => k !== 'model')
    .sort()
    .flatMap((k) => flatten(all[k]))
    .map((p) => p.replace(/[^0-9a-zA-Z_]+/g, '_'));
  const full = `${identifier}_${parts.join('__')}`;
  if (full.length < 64) return full;
  return `${identifier.slice(0, 30)}_${createHash('md5').update(full).digest('hex')}`;
}
