/**
 * The SQL of the incremental strategies, applying the new rows (a temp table) to the target.
 *
 * Unique keys are compared with `=` in the main statements, because only plain equality lets
 * PostgreSQL hash-join or use an index; a NULL-safe comparison (`is not distinct from`, or dbt's
 * `a = b or (a is null and b is null)`) forces a nested loop over target × new rows. Rows whose
 * key contains a NULL are handled by a separate statement instead (deleteNullKeyMatchesSql), so
 * a NULL key still replaces its earlier version, as with dbt's NULL-safe merge.
 */
import { quoteIdent } from '../adapters/postgres/index.js';
import type { RelationName } from '../manifest/types.js';
import { columnList, rel } from './names.js';

/** `insert into target (cols) select cols from source`. */
export function insertSql(target: RelationName, source: string, columns: readonly string[]): string {
  const cols = columnList(columns);
  return `insert into ${rel(target)} (${cols})\nselect ${cols} from ${source}`;
}

/** delete+insert, step 1: rows whose (non-NULL) key appears in the new rows; works for composite keys. */
export function deleteMatchingSql(target: RelationName, source: string, keys: readonly string[]): string {
  const k = columnList(keys);
  return `delete from ${rel(target)}\nwhere (${k}) in (select ${k} from ${source})`;
}

/**
 * Rows whose key contains a NULL and equals a new row's key NULL-safely. The uncorrelated EXISTS
 * becomes a one-time filter: when no new row has a NULL key part (the usual case) PostgreSQL
 * skips the statement without scanning the target.
 */
export function deleteNullKeyMatchesSql(target: RelationName, source: string, keys: readonly string[]): string {
  const anyNull = (alias: string): string => keys.map((k) => `${alias}${quoteIdent(k)} is null`).join(' or ');
  const same = keys.map((k) => `t.${quoteIdent(k)} is not distinct from s.${quoteIdent(k)}`).join(' and ');
  return [
    `delete from ${rel(target)} as t using ${source} as s`,
    `where (${anyNull('t.')}) and ${same}`,
    `  and exists (select 1 from ${source} where ${anyNull('')})`,
  ].join('\n');
}

/**
 * MERGE (PostgreSQL 15+): update matched rows, insert the others. Key columns are not updated
 * (they are equal by definition); when every column is a key there is nothing to update, and
 * matched rows are left alone.
 */
export function mergeSql(target: RelationName, source: string, keys: readonly string[], columns: readonly string[]): string {
  const on = keys.map((k) => `t.${quoteIdent(k)} = s.${quoteIdent(k)}`).join(' and ');
  const keySet = new Set(keys);
  const updates = columns.filter((c) => !keySet.has(c)).map((c) => `${quoteIdent(c)} = s.${quoteIdent(c)}`);
  const lines = [`merge into ${rel(target)} as t`, `using ${source} as s`, `on ${on}`];
  if (updates.length > 0) lines.push(`when matched then update set ${updates.join(', ')}`);
  lines.push(`when not matched then insert (${columnList(columns)}) values (${columnList(columns, 's')})`);
  return lines.join('\n');
}
