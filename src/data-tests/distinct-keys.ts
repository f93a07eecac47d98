/**
 * The distinct scan's aggregates for unique / unique_combination_of_columns:
 *
 *   count(<col>) - count(distinct <key>)        unique (NULLs ignored)
 *   count(*)     - count(distinct <key>)        unique_combination_of_columns (NULLs grouped)
 *
 * is 0 exactly when no value occurs twice, provided that equal values (as GROUP BY sees them)
 * always get equal keys. A key may also merge different values (a hash collision): that only
 * makes the result non-zero and sends the test to its own query for the exact count, never a
 * wrong pass. The key is chosen from the column's type, read from the catalog:
 *
 *   not collatable (int, numeric, date, uuid...)  the value itself: sorting it is fast and its
 *                                                 btree equality is GROUP BY's equality
 *   text / varchar / char, deterministic collation  hashtextextended(col::text, 0): equal such
 *                                                 values are equal bytes (char trims its blanks
 *                                                 in ::text, as its equality does); sorting
 *                                                 8-byte hashes beats sorting text under a
 *                                                 locale (README.md has the numbers)
 *   several columns, all text                     coalesce(hashtextextended(a::text, 0), 0) #
 *                                                 coalesce(hashtextextended(b::text, 1), 0): each
 *                                                 hashed as one text column is, with a seed of its
 *                                                 own, NULL a constant (grouped), XORed; twice as
 *                                                 fast as a record hash, which builds a record
 *                                                 per row (7 million rows of two text columns,
 *                                                 the loan project's raw keys: 2.3-2.6 s against
 *                                                 4.3-6.1 s)
 *   several columns (PostgreSQL 14+)              hash_record_extended(row(a, b), 0): each
 *                                                 field hashed by its type's hash opclass, NULLs
 *                                                 included; sorting row values is ~7x slower
 *   anything else (nondeterministic collations, citext, arrays of text, expressions)
 *                                                 not fused: the test runs its own query
 */
import type { DbClient } from '../adapters/postgres/index.js';
import { filter, quoted, type DistinctCheck } from './fusable.js';

export type ColumnKind = 'plain' | 'text' | 'other';

export interface RelationColumns {
  serverVersion: number;
  kinds: Map<string, ColumnKind>;
}

/** hash_record_extended appeared in PostgreSQL 14. */
const HASH_RECORD_SINCE = 140000;

export const RELATION_COLUMNS_SQL = `select a.attname as name, t.typname as type, a.attcollation <> 0 as collatable,
       coalesce(c.collisdeterministic, true) as deterministic,
       current_setting('server_version_num')::int as server_version
from pg_attribute a
join pg_type t on t.oid = a.atttypid
left join pg_collation c on c.oid = a.attcollation
where a.attrelid = to_regclass($1) and a.attnum > 0 and not a.attisdropped`;

interface ColumnRow {
  name: string;
  type: string;
  collatable: boolean;
  deterministic: boolean;
  server_version: number;
}

export function columnKind(row: Pick<ColumnRow, 'type' | 'collatable' | 'deterministic'>): ColumnKind {
  if (!row.collatable) return 'plain';
  return row.deterministic && ['text', 'varchar', 'bpchar'].includes(row.type) ? 'text' : 'other';
}

/** The relation's columns and the server version; no columns when it does not exist. */
export async function relationColumns(client: DbClient, relation: string): Promise<RelationColumns> {
  const kinds = new Map<string, ColumnKind>();
  let serverVersion = 0;
  try {
    const res = await client.query<ColumnRow>(RELATION_COLUMNS_SQL, [relation]);
    for (const row of res.rows) {
      kinds.set(row.name, columnKind(row));
      serverVersion = Number(row.server_version);
    }
  } catch {
    // e.g. a cross-database name: then nothing is fused and each test reports its own error.
  }
  return { serverVersion, kinds };
}

function singleKey(column: string, kind: ColumnKind | undefined): string | undefined {
  if (kind === 'plain') return quoted(column);
  if (kind === 'text') return `hashtextextended(${quoted(column)}::text, 0)`;
  return undefined;
}

/**
 * The key of a combination of text columns ('text' kind): equal rows get equal keys, as GROUP BY
 * sees them (NULLs grouped, as a constant). A collision, the constant included, only sends the
 * test to its exact query.
 */
function textCombinationKey(columns: readonly string[]): string {
  return columns.map((c, i) => `coalesce(hashtextextended(${quoted(c)}::text, ${i}), 0)`).join(' # ');
}

/** The aggregate of a distinct check, or undefined when the columns' types do not allow one. */
export function distinctExpr(check: DistinctCheck, columns: RelationColumns): string | undefined {
  const f = filter(check.where);
  const kinds = check.columns.map((c) => columns.kinds.get(c));
  if (check.nulls === 'ignored' && check.columns.length === 1) {
    const key = singleKey(check.columns[0]!, kinds[0]);
    return key && `count(${quoted(check.columns[0]!)})${f} - count(distinct ${key})${f}`;
  }
  if (kinds.every((k) => k === 'text')) return `count(*)${f} - count(distinct ${textCombinationKey(check.columns)})${f}`;
  if (columns.serverVersion < HASH_RECORD_SINCE || kinds.some((k) => k !== 'plain' && k !== 'text')) return undefined;
  return `count(*)${f} - count(distinct hash_record_extended(row(${check.columns.map(quoted).join(', ')}), 0))${f}`;
}
