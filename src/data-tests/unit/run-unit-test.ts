/**
 * Runs one dbt 1.8 unit test against PostgreSQL.
 *
 *   prepareUnitTest   no database: the tested model, each given input parsed (rows / CSV / SQL /
 *                     fixture) and bound to a temp table name, the model rendered with its inputs
 *                     replaced (render.ts), the expected rows parsed. Every definition problem
 *                     (bad format, unknown input, input the model reads but the test does not
 *                     give) is found here, before any connection is taken.
 *   runUnitTest       one session, one transaction that is always rolled back: TimeZone UTC,
 *                     each given input created as a TEMP table (column types: values.ts), the
 *                     expected query if `format: sql`, the model's query; then the expected rows
 *                     are compared with the actual ones (compare.ts) and a diff is written
 *                     (diff.ts). Nothing is left behind, so unit tests can run in parallel.
 *
 * The statements are written to target/run/<property file>/<model>/<unit test>.sql before they
 * run, so a database error points at a line of that file.
 */
import { getColumns, quoteIdent, truncateIdentifier, type Database, type FieldInfo, type Row, type SessionClient } from '../../adapters/postgres/index.js';
import type { CompiledProject } from '../../api/compile.js';
import { StrataError } from '../../errors/strata-error.js';
import type { ModelNode, RelationName, SeedNode, SourceNode, UnitTestNode } from '../../manifest/types.js';
import type { Statement } from '../../materializations/types.js';
import type { RelationTarget } from '../../template/render-state.js';
import { writeRunFile, type RunFile } from '../../run/executed-sql.js';
import type { TestOutcome } from '../types.js';
import { compareColumns, compareRows } from './compare.js';
import { diffRows, diffSummary, formatDiff } from './diff.js';
import { FixtureError, parseRowsSpec, type ParsedRows } from './fixtures.js';
import { describeTarget, inputKey, parseInput, renderForUnitTest, testedModel, type MissingInput, type ProjectView, type UnitTestRender } from './render.js';
import { planGivenTable, sqlLiteral } from './values.js';

export interface UnitTestOptions {
  projectDir: string;
  targetDir: string;
}

export interface PreparedInput {
  /** As written in `given` (`ref('x')`). */
  input: string;
  target: RelationTarget;
  /** Unique id of the node it stands for, or `this`. */
  key: string;
  /** Temp table holding its rows. */
  tempName: string;
  /** The real relation, when there is one, whose column types the temp table takes if it exists. */
  relation?: RelationName;
  /** Columns described in the property file: name → data_type. */
  declared: Record<string, string | undefined>;
  rows: ParsedRows;
}

export interface PreparedUnitTest {
  node: UnitTestNode;
  model: ModelNode;
  inputs: PreparedInput[];
  render: UnitTestRender;
  expected: ParsedRows;
}

function definitionError(message: string, hint?: string, location?: StrataError['location']): StrataError {
  return new StrataError('TEST', message, { ...(hint ? { hint } : {}), ...(location ? { location } : {}) });
}

function tempNameFor(index: number, t: RelationTarget): string {
  const stem = t.kind === 'this' ? 'this' : t.kind === 'source' ? `${t.source}_${t.table}` : t.name;
  return truncateIdentifier(`__strata_given_${index + 1}_${stem}`);
}

function missingMessage(model: ModelNode, missing: MissingInput[], isIncremental: boolean): StrataError {
  const describe = (m: MissingInput) => {
    const what = m.target.kind === 'this' ? '{{ this }} (is_incremental() is true)' : describeTarget(m.target);
    return m.via.length ? `${what}, through its ephemeral parent${m.via.length > 1 ? 's' : ''} ${m.via.join(' -> ')}` : what;
  };
  const hints: string[] = [];
  if (missing.some((m) => m.target.kind === 'this') && isIncremental) hints.push('add `- input: this` with the rows the table already holds (rows: [] for an empty table)');
  const viaRoots = [...new Set(missing.filter((m) => m.via.length).map((m) => m.via[0]!))];
  if (viaRoots.length) hints.push(`give ${viaRoots.map((v) => `ref('${v}')`).join(', ')} instead, or its inputs`);
  const plain = missing.filter((m) => m.target.kind !== 'this');
  if (plain.length) hints.push(`add ${plain.map((m) => `\`- input: ${describeTarget(m.target)}\``).join(', ')} under given, with its rows (rows: [] for none)`);
  const head = missing.length === 1
    ? `model ${model.name} reads ${describe(missing[0]!)}, which is not given`
    : `model ${model.name} reads ${missing.length} inputs that are not given: ${missing.map(describe).join('; ')}`;
  return definitionError(head, hints.join('; '));
}

function declaredColumns(node: ModelNode | SeedNode | SourceNode | undefined): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, info] of Object.entries(node?.columns ?? {})) out[info.name || name] = info.data_type;
  return out;
}

/** Everything that needs no database: throws a StrataError for any problem of the definition. */
export function prepareUnitTest(project: ProjectView, node: UnitTestNode, opts: { projectDir: string }): PreparedUnitTest {
  const { ctx, manifest } = project;
  const model = testedModel(project, node);
  if (!model) throw definitionError(`tests model '${node.model}', which does not exist`, 'check the model name');
  const fixtures = { projectDir: opts.projectDir, testPaths: ctx.config.testPaths };
  const inputs: PreparedInput[] = [];
  const given = Array.isArray(node.given) ? node.given : [];
  given.forEach((g, i) => {
    if (!g || typeof g.input !== 'string' || g.input.trim() === '') {
      throw definitionError(`given #${i + 1} has no input`, "each given needs input: ref('model'), source('source', 'table') or this");
    }
    let target: RelationTarget | undefined;
    try {
      target = parseInput(project, g.input, node.originalFilePath);
    } catch (e) {
      throw definitionError(`given input "${g.input}" is not valid: ${(e as Error).message}`, "write ref('model'), source('source', 'table') or this");
    }
    if (!target) throw definitionError(`given input "${g.input}" is not ref(...), source(...) or this`, "write ref('model'), source('source', 'table') or this");
    const key = inputKey(project, target);
    if (key === undefined) {
      throw definitionError(`given input ${describeTarget(target)} names no ${target.kind === 'source' ? 'declared source table' : 'model or seed'} of this project`);
    }
    const dup = inputs.find((x) => x.key === key);
    if (dup) throw definitionError(`input ${describeTarget(target)} is given twice (also as ${dup.input})`, 'keep one given per input');
    const upstream = key === 'this' ? model : (manifest.nodes[key] ?? manifest.sources[key]);
    const real = upstream && (upstream.resourceType === 'model' || upstream.resourceType === 'seed' || upstream.resourceType === 'source') ? upstream : undefined;
    const ephemeral = real?.resourceType === 'model' && real.config.materialized === 'ephemeral';
    let rows: ParsedRows;
    try {
      rows = parseRowsSpec(g, fixtures);
    } catch (e) {
      if (e instanceof FixtureError) throw definitionError(`given ${describeTarget(target)}: ${e.message}`, e.hint);
      throw e;
    }
    inputs.push({
      input: g.input,
      target,
      key,
      tempName: tempNameFor(i, target),
      ...(real && !ephemeral ? { relation: real.relation } : {}),
      declared: declaredColumns(real),
      rows,
    });
  });
  const bound = new Map<string, RelationName>(inputs.map((x) => [x.key, { schema: 'pg_temp', identifier: x.tempName }]));
  const render = renderForUnitTest(project, model, bound, node.overrides ?? {});
  if (render.missing.length) throw missingMessage(model, render.missing, render.isIncremental);
  if (!node.expect || typeof node.expect !== 'object') throw definitionError('has no expect', 'add expect: rows: [...] with the rows the model should return');
  let expected: ParsedRows;
  try {
    expected = parseRowsSpec(node.expect, fixtures);
  } catch (e) {
    if (e instanceof FixtureError) throw definitionError(`expect: ${e.message}`, e.hint);
    throw e;
  }
  return { node, model, inputs, render, expected };
}

type Role = { kind: 'session' } | { kind: 'given'; input: PreparedInput } | { kind: 'expected' } | { kind: 'model' };

interface PlannedStatement extends Statement {
  role: Role;
}

const q = quoteIdent;

/**
 * The statements that create one given input's temp table and fill it. `untyped` collects the
 * columns whose type is a guess (no value, no known type), for the hint of a failing query.
 */
async function givenStatements(client: SessionClient, input: PreparedInput, untyped: string[]): Promise<PlannedStatement[]> {
  const role: Role = { kind: 'given', input };
  const what = `given ${describeTarget(input.target)}`;
  const rows = input.rows;
  if (rows.format === 'sql') {
    return [{ sql: `create temp table ${q(input.tempName)} as\n${rows.sql}`, label: `${what} (format: sql)`, role }];
  }
  const catalog = input.relation ? await getColumns(client, input.relation.schema, input.relation.identifier) : undefined;
  let plan;
  try {
    plan = planGivenTable(rows.columns, rows.rows, rows.format, catalog?.length ? catalog : undefined, input.declared);
  } catch (e) {
    throw definitionError(`${what}: ${(e as Error).message}`, 'write each column once');
  }
  if (!plan.columns.length) untyped.push(`${describeTarget(input.target)} (no columns)`);
  for (const c of plan.columns) if (c.untyped) untyped.push(`${describeTarget(input.target)}.${c.name}`);
  const types = plan.columns.map((c) => `${c.name} ${c.type}${c.from === 'inferred' ? '' : ` (${c.from})`}`).join(', ');
  const out: PlannedStatement[] = [{
    sql: `create temp table ${q(input.tempName)} (${plan.columns.map((c) => `${q(c.name)} ${c.type}`).join(', ')})`,
    label: `${what}: ${rows.rows.length} row${rows.rows.length === 1 ? '' : 's'}; columns: ${types || 'none'}`,
    role,
  }];
  if (rows.rows.length) {
    const keys = rows.columns;
    const sql = keys.length
      ? `insert into ${q(input.tempName)} (${keys.map((k) => q(plan.keyToColumn.get(k)!)).join(', ')}) values\n${rows.rows.map((r) => `  (${keys.map((k) => sqlLiteral(r[k])).join(', ')})`).join(',\n')}`
      : `insert into ${q(input.tempName)} select from generate_series(1, ${rows.rows.length})`;
    out.push({ sql, label: `${what}: the rows`, role });
  }
  return out;
}

function statementError(e: unknown, role: Role, untyped: string[]): unknown {
  if (!(e instanceof StrataError)) return e;
  const guessHint = role.kind === 'model' && untyped.length
    ? `some given columns have no value and no known type (created as text): ${untyped.join(', ')}; give values, `
      + 'declare their data_type in a property file, or build the inputs in the database first (their column types are then read from it)'
    : undefined;
  const hint = [e.hint, guessHint].filter(Boolean).join('; ');
  const prefix = role.kind === 'given' ? `given ${describeTarget(role.input.target)}: `
    : role.kind === 'expected' ? 'expect (format: sql): '
    : role.kind === 'model' ? 'the model\'s query failed: ' : '';
  return new StrataError(e.code, `${prefix}${e.message}`, {
    ...(e.location ? { location: e.location } : {}),
    ...(hint ? { hint } : {}),
    ...(e.nodeId ? { nodeId: e.nodeId } : {}),
    cause: e,
  });
}

interface SessionResult {
  runFile: RunFile;
  actual: { rows: Row[]; fields: FieldInfo[] };
  expected?: { rows: Row[]; fields: FieldInfo[] };
}

/** Where the unit test's statements are written, under target/run/. */
export function unitTestRunPath(node: UnitTestNode): string {
  return `${node.originalFilePath}/${node.model}/${node.name}.sql`;
}

async function runInSession(client: SessionClient, p: PreparedUnitTest, opts: UnitTestOptions, onFile: (path: string) => void): Promise<SessionResult> {
  const statements: PlannedStatement[] = [
    { sql: "set local timezone = 'UTC'", label: 'unit test session: timestamps in UTC', role: { kind: 'session' } },
  ];
  const untyped: string[] = [];
  for (const input of p.inputs) statements.push(...(await givenStatements(client, input, untyped)));
  if (p.expected.format === 'sql') statements.push({ sql: p.expected.sql, label: 'expected rows (format: sql)', role: { kind: 'expected' } });
  const incremental = p.render.isIncremental ? ', is_incremental() true' : '';
  statements.push({ sql: p.render.sql, label: `model ${p.model.name}, rendered for unit test ${p.node.name}${incremental}`, role: { kind: 'model' } });
  const runFile = writeRunFile(opts.projectDir, opts.targetDir, unitTestRunPath(p.node), statements);
  onFile(runFile.path);
  let actual: SessionResult['actual'] | undefined;
  let expected: SessionResult['expected'];
  for (const [i, s] of runFile.statements.entries()) {
    const role = statements[i]!.role;
    let res;
    try {
      res = await client.query(s.sql, undefined, { sqlFile: runFile.path, nodeId: p.node.uniqueId, startLine: s.line, startColumn: 1 });
    } catch (e) {
      throw statementError(e, role, untyped);
    }
    if (role.kind === 'model') actual = { rows: res.rows, fields: res.fields };
    if (role.kind === 'expected') expected = { rows: res.rows, fields: res.fields };
  }
  return { runFile, actual: actual!, ...(expected ? { expected } : {}) };
}

/**
 * Runs a unit test: never throws for a problem of the test (definition, SQL, mismatch); those are
 * the outcome's status `error` / `fail`.
 */
export async function runUnitTest(db: Database, project: CompiledProject | ProjectView, node: UnitTestNode, opts: UnitTestOptions): Promise<TestOutcome> {
  const started = performance.now();
  const severity: 'error' | 'warn' = node.config?.severity === 'warn' ? 'warn' : 'error';
  const base = { uniqueId: node.uniqueId, name: node.name, testType: 'unit' as const, severity };
  let sqlPath: string | undefined;
  const seconds = () => (performance.now() - started) / 1000;
  try {
    const prepared = prepareUnitTest(project, node, opts);
    const outcome = await db.withClient(async (client): Promise<{ session: SessionResult } | { failure: unknown }> => {
      await client.query('begin');
      let result: { session: SessionResult } | { failure: unknown };
      try {
        result = { session: await runInSession(client, prepared, opts, (path) => {
          sqlPath = path;
        }) };
      } catch (e) {
        result = { failure: e };
      }
      // A failed rollback (connection lost) throws, so the pool drops this connection (the
      // original error wins); after a successful one the session is clean and goes back to the
      // pool even if the test failed.
      try {
        await client.query('rollback');
      } catch (rollbackError) {
        throw 'failure' in result ? result.failure : rollbackError;
      }
      return result;
    });
    if ('failure' in outcome) throw outcome.failure;
    const { session } = outcome;
    const expectedRows = prepared.expected.format === 'sql' ? session.expected!.rows : prepared.expected.rows;
    let expectedColumns = prepared.expected.format === 'sql' ? session.expected!.fields.map((f) => f.name) : prepared.expected.columns;
    // `expect: rows: []` names no column: compare whole rows, so extra rows show in full.
    if (!expectedColumns.length) expectedColumns = session.actual.fields.map((f) => f.name);
    const { columns, unknown } = compareColumns(expectedColumns, session.actual.fields);
    if (unknown.length) {
      throw definitionError(
        `expect names ${unknown.length === 1 ? 'a column' : 'columns'} the model does not return: ${unknown.join(', ')} (it returns ${session.actual.fields.map((f) => f.name).join(', ') || 'no columns'})`,
        'expected rows name only columns of the model\'s result (any subset of them)',
      );
    }
    const comparison = compareRows(expectedRows, session.actual.rows, columns);
    const failures = comparison.diff.length;
    const common = { ...base, seconds: seconds(), sqlPath: session.runFile.path };
    if (failures === 0) return { ...common, status: 'pass', failures: 0, message: 'pass' };
    return {
      ...common,
      status: severity === 'warn' ? 'warn' : 'fail',
      failures,
      message: diffSummary(comparison),
      diff: formatDiff(comparison),
      failingRows: diffRows(comparison),
    };
  } catch (e) {
    const err = e instanceof StrataError ? e : new StrataError('INTERNAL', String((e as Error)?.message ?? e), { cause: e });
    const message = `unit test ${node.name} (model ${node.model}, ${node.originalFilePath}): ${err.message}`;
    const location = err.location ?? node.location;
    return {
      ...base,
      status: 'error',
      seconds: seconds(),
      message,
      ...(sqlPath ? { sqlPath } : {}),
      error: { code: err.code, message, ...(location ? { location } : {}), ...(err.hint ? { hint: err.hint } : {}) },
    };
  }
}
