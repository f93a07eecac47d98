/**
 * The text of a fused scan (pure, unit-tested as strings). Three shapes, by what the scan holds:
 *
 *   row checks only       select count(*) filter (where <predicate>) as t0, ... from <relation>
 *   distinct checks only  select count("id") - count(distinct "id") as t0, ... from <relation>
 *   both                  one statement whose plan runs them side by side:
 *
 *     select count(*) filter (where r0) as t0, ..., max(d0) as t9
 *     from (
 *       select (<predicate 0>) as r0, ..., null::bigint as d0 from <relation>   -- partial: shared by all processes
 *       union all
 *       select null, ..., count("id") - count(distinct "id") from <relation>   -- one row, from one process
 *     ) fused_scan
 *
 * The distinct aggregates cannot be split between processes (PostgreSQL has no partial
 * `count(distinct)`), so on their own they run serially, and a row scan next to them would too.
 * As two branches of a UNION ALL they become a Parallel Append: one process sorts the keys while
 * the others scan for the row checks (and join that scan when the sort is done). The distinct
 * branch's single row has NULL predicates, which no `filter (where rN)` counts.
 *
 * A scan that sorts keys first raises work_mem for itself (`set_config(..., true)` lasts until
 * the end of the statement's implicit transaction), never lowering the session's value: with
 * PostgreSQL's default 4MB the sort of 5,000,000 keys spills to disk.
 */

/** A row check as the scan needs it: predicates to count and its value from the counts. */
export interface RowColumn {
  testId: string;
  predicates: readonly string[];
  value: (counts: string[]) => string;
}

/** A distinct check as the scan needs it: one aggregate over the relation. */
export interface DistinctColumn {
  testId: string;
  expr: string;
}

/** Alias of the i-th value of a fused scan: row checks first, then distinct checks. */
export function fusedAlias(i: number): string {
  return `t${i}`;
}

/** How many rows satisfy a predicate, as an aggregate. */
export function countWhere(predicate: string): string {
  return predicate === 'true' ? 'count(*)' : `count(*) filter (where ${predicate})`;
}

/** A row check's aggregate when its predicates are evaluated directly on the relation. */
export function rowCheckExpr(check: Pick<RowColumn, 'predicates' | 'value'>): string {
  return check.value(check.predicates.map(countWhere));
}

const comment = (testId: string): string => `  -- ${testId.replace(/[\r\n]/g, ' ')}`;

/** `  <expr> as <alias>,  -- <test id>` lines; the last without the comma. */
function selectList(values: ReadonlyArray<{ expr: string; testId?: string; alias?: string }>, indent = '  '): string {
  return values
    .map((v, i) => `${indent}${v.expr}${v.alias ? ` as ${v.alias}` : ''}${i < values.length - 1 ? ',' : ''}${v.testId ? comment(v.testId) : ''}`)
    .join('\n');
}

/**
 * One scan of `relation` computing every check; its values are t0, t1, ... for the row checks,
 * then the distinct checks, in the order given.
 */
export function fusedScanSql(relation: string, rows: readonly RowColumn[], distinct: readonly DistinctColumn[]): string {
  const direct = [
    ...rows.map((r) => ({ testId: r.testId, expr: rowCheckExpr(r) })),
    ...distinct.map((d) => ({ testId: d.testId, expr: d.expr })),
  ].map((v, i) => ({ ...v, alias: fusedAlias(i) }));
  if (!rows.length || !distinct.length) return `select\n${selectList(direct)}\nfrom ${relation}`;

  const predicates: string[] = [];
  const outer = rows.map((r) => ({
    testId: r.testId,
    expr: r.value(r.predicates.map((p) => countWhere(`r${predicates.push(p) - 1}`))),
  }));
  outer.push(...distinct.map((d, j) => ({ testId: d.testId, expr: `max(d${j})` })));
  const rowBranch = [
    ...predicates.map((p, i) => ({ expr: p, alias: `r${i}` })),
    ...distinct.map((_, j) => ({ expr: 'null::bigint', alias: `d${j}` })),
  ];
  // One row of NULL predicates (typed by the first branch), then the distinct aggregates.
  const distinctBranch = [{ expr: predicates.map(() => 'null').join(', ') }, ...distinct.map((d) => ({ expr: d.expr, testId: d.testId }))];
  return [
    'select',
    selectList(outer.map((v, i) => ({ ...v, alias: fusedAlias(i) }))),
    'from (',
    '  select',
    selectList(rowBranch, '    '),
    `  from ${relation}`,
    '  union all',
    '  select',
    selectList(distinctBranch, '    '),
    `  from ${relation}`,
    ') fused_scan',
  ].join('\n');
}

/**
 * Raises work_mem to `size` (validated by scan-work-mem.ts) for the rest of the current transaction, unless
 * the session already has more. Sent in the same string as the scan, whose implicit
 * transaction it lasts for.
 */
export function workMemSql(size: string): string {
  return `select set_config('work_mem', '${size}', true) where pg_size_bytes(current_setting('work_mem')) < pg_size_bytes('${size}')`;
}
