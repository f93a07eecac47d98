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

/**
 * Key column types whose `min`/`max` order agrees with `=` (equal values sort together), so a
 * target row whose key equals a new row's key lies between the new rows' bounds. Text is left
 * out: its bounds would be compared under a collation the target column might not share.
 */
const RANGED_KEY_TYPE = /^(smallint|integer|bigint|real|double precision|numeric(\(\d+(,\s*-?\d+)?\))?|date|timestamp(\(\d\))? with(out)? time zone|time(\(\d\))? without time zone)$/;

/** The key columns whose type (as PostgreSQL formats it, by column name) lets the delete be narrowed to the new rows' range. */
export function rangedKeyColumns(keys: readonly string[], types: ReadonlyMap<string, string>): string[] {
  return keys.filter((k) => RANGED_KEY_TYPE.test(types.get(k) ?? ''));
}

/**
 * delete+insert, step 1: rows whose (non-NULL) key appears in the new rows; works for composite
 * keys. Each key column in `ranged` also bounds the delete to the new rows' [min, max] of that
 * column (one scan of the new rows for all bounds). The result is the same (a matching row is
 * within the bounds); what changes is how the target is read: an index on a ranged column (a
 * BRIN index on a period or a load date, a btree) serves the bounds, so a build that adds rows
 * beyond the table's range, as a monthly or quarterly increment does, reads only the blocks that
 * could match instead of scanning and hashing the whole target. Without an index the bounds are
 * a cheap filter before the key's hash lookup.
 */
export function deleteMatchingSql(target: RelationName, source: string, keys: readonly string[], ranged: readonly string[] = []): string {
  const k = columnList(keys);
  const match = `where (${k}) in (select ${k} from ${source})`;
  if (ranged.length === 0) return `delete from ${rel(target)}\n${match}`;
  const bounds = ranged.map((c, i) => `min(${quoteIdent(c)}) as lo${i}, max(${quoteIdent(c)}) as hi${i}`).join(', ');
  const within = ranged.map((c, i) => `\n  and ${quoteIdent(c)} between (select lo${i} from key_bounds) and (select hi${i} from key_bounds)`).join('');
  return `with key_bounds as (select ${bounds} from ${source})\ndelete from ${rel(target)}\n${match}${within}`;
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
