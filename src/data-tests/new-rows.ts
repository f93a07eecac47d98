/**
 * Restricting a built-in test to the rows an incremental build wrote (pure).
 *
 * When an incremental model has just taken new rows in one transaction, and a test of it passed on
 * the table as it was before, the rows the build did not write have passed already: only the rows
 * it wrote can fail a row check, and only a group holding one of them can be a duplicate. The
 * runner (src/run/incremental-tests.ts) decides when that holds; this file writes the narrower
 * test, as a `where` added to the test's own (so fused scans, failing rows and stored failures all
 * see the same rows) and the test's SQL built again from it.
 *
 * Rows an incremental build wrote are those whose `xmin` (the inserting transaction, or one of its
 * subtransactions, whose ids are never lower) is at least the build transaction's id. `age()`
 * compares transaction ids modulo 2^32, so this stays right across wraparound. Rows of other
 * transactions that started later match too: the restriction can only test more rows, never fewer.
 */
import { applyWhere, buildGenericTestSql, isBuiltinTest, stripNamespace } from '../compile/generic-tests.js';
import type { Manifest, TestNode } from '../manifest/types.js';
import { attachedRelation, quoted } from './fusable.js';

/** hash_record_extended (for column combinations) appeared in PostgreSQL 14. */
const HASH_RECORD_SINCE = 140000;

/** Tests whose failures on a table are the union of the failures on its rows (or groups touching them). */
const ROW_TESTS = new Set(['not_null', 'accepted_values', 'accepted_range', 'expression_is_true']);

export interface NewRows {
  /** The id of the transaction that wrote the rows (a 32-bit xid, as text). */
  xid: string;
  /** server_version_num */
  serverVersion: number;
}

/** True for the rows written by the transaction `xid` or later. */
export function writtenSince(xid: string, alias?: string): string {
  if (!/^\d+$/.test(xid)) throw new Error(`not a transaction id: ${xid}`);
  return `age(${alias ? `${alias}.` : ''}xmin) <= age('${xid}'::xid)`;
}

function whereOf(test: TestNode): string | undefined {
  const w = test.config.where;
  return w === undefined || w === null || w === '' ? undefined : String(w);
}

/** The predicate that keeps the rows (or groups) a test must look at again; undefined: the whole table. */
function restriction(test: TestNode, relation: string, rows: NewRows): string | undefined {
  const meta = test.testMetadata!;
  const name = stripNamespace(meta.name);
  const since = writtenSince(rows.xid, 'strata_new');
  if (ROW_TESTS.has(name)) return writtenSince(rows.xid);
  // (a column the builder leaves unquoted, an expression, is not restricted)
  if (name === 'unique' && test.columnName !== undefined && meta.kwargs['quote_column'] !== false && !/[\s()+\-*/:]/.test(test.columnName)) {
    // unique ignores NULLs, so a plain IN is exact
    const col = quoted(test.columnName);
    return `${col} in (select strata_new.${col} from ${relation} as strata_new where ${since})`;
  }
  if (name === 'unique_combination_of_columns' && rows.serverVersion >= HASH_RECORD_SINCE) {
    // NULLs group like values here: compare whole keys by hash (a collision only adds groups)
    const cols = (meta.kwargs['combination_of_columns'] as unknown[]).map((c) => quoted(String(c)));
    const key = (alias?: string) => `hash_record_extended(row(${cols.map((c) => (alias ? `${alias}.${c}` : c)).join(', ')}), 0)`;
    return `${key()} in (select ${key('strata_new')} from ${relation} as strata_new where ${since})`;
  }
  return undefined;
}

/**
 * The test limited to the rows written since `rows.xid`, or undefined when it cannot be (not a
 * built-in test strata compiled itself, a test over the whole table such as not_null_proportion
 * or relationships, an ephemeral model).
 */
export function restrictToNewRows(manifest: Manifest, test: TestNode, rows: NewRows): TestNode | undefined {
  const meta = test.testMetadata;
  if (test.testType !== 'generic' || !meta || test.compiledCode === undefined || !isBuiltinTest(meta.name)) return undefined;
  const relation = attachedRelation(manifest, test);
  if (!relation) return undefined;
  const name = stripNamespace(meta.name);
  const where = whereOf(test);
  const input = (w: string | undefined) => ({ model: applyWhere(relation, w), ...(test.columnName ? { column: test.columnName } : {}), args: meta.kwargs });
  try {
    // Only SQL exactly as the built-in writes it: anything else was overridden by the project.
    if (buildGenericTestSql(name, input(where)) !== test.compiledCode) return undefined;
    const extra = restriction(test, relation, rows);
    if (!extra) return undefined;
    const combined = where ? `(${where}) and (${extra})` : extra;
    return {
      ...test,
      config: { ...test.config, where: combined },
      compiledCode: buildGenericTestSql(name, input(combined)),
      narrowed: ROW_TESTS.has(name) ? 'rows' : 'groups',
    };
  } catch {
    return undefined;
  }
}
