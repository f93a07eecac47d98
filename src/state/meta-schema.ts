/**
 * strata's own tables, in schema `strata_meta` of the target database: run history and the
 * per-node build state that makes runs incremental. Living next to the data (not in a local
 * file) means every machine and CI job running against a target sees the same state, and a
 * node's state can commit in the same transaction as its build.
 *
 * Versioning: `strata_meta.schema_version` holds one row per applied version. MIGRATIONS[i]
 * brings the schema from version i to i + 1. Every step must be idempotent (IF NOT EXISTS,
 * ADD COLUMN IF NOT EXISTS, ...), because the steps run as one multi-statement string without
 * branching (see ensureMetaSchema for why).
 *
 * Reserved for the loading issue, NOT created here: `strata_meta.load_ledger` (which raw file /
 * batch was loaded into which source, with checksums: a source's data version) and
 * `strata_meta.quarantine` (rejected rows). They arrive as a later migration.
 */
import { StrataError } from '../errors/strata-error.js';
import type { DbClient } from '../adapters/postgres/index.js';
import { metaSchemaLockKey } from './lock-key.js';

export const META_SCHEMA = 'strata_meta';

const V1 = `
CREATE SCHEMA IF NOT EXISTS strata_meta;
CREATE TABLE IF NOT EXISTS strata_meta.schema_version (
  version int PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS strata_meta.runs (
  run_id text PRIMARY KEY,
  project text NOT NULL,
  target text NOT NULL,
  command text NOT NULL,
  args jsonb,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  status text NOT NULL CHECK (status IN ('running', 'success', 'error', 'interrupted')),
  pid int,
  host text,
  strata_version text
);
CREATE INDEX IF NOT EXISTS runs_project_target_started_idx
  ON strata_meta.runs (project, target, started_at DESC);
CREATE TABLE IF NOT EXISTS strata_meta.node_state (
  project text NOT NULL,
  unique_id text NOT NULL,
  relation text,
  resource_type text NOT NULL,
  fingerprint text NOT NULL,
  data_version text NOT NULL,
  input_versions jsonb NOT NULL DEFAULT '{}'::jsonb,
  built_at timestamptz NOT NULL DEFAULT now(),
  run_id text,
  PRIMARY KEY (project, unique_id)
);
`;

/** MIGRATIONS[i]: version i → i + 1. Append only; never edit a released step. */
const MIGRATIONS: readonly string[] = [V1];

/** The schema version this strata writes and understands. */
export const META_SCHEMA_VERSION = MIGRATIONS.length;

/** Applied version, or 0 when strata_meta (or its version table) does not exist yet. */
export async function metaSchemaVersion(db: DbClient): Promise<number> {
  const exists = await db.query<{ present: boolean }>(
    "SELECT to_regclass('strata_meta.schema_version') IS NOT NULL AS present",
  );
  if (!exists.rows[0]?.present) return 0;
  const res = await db.query<{ version: number | null }>('SELECT max(version) AS version FROM strata_meta.schema_version');
  return res.rows[0]?.version ?? 0;
}

/**
 * Creates or upgrades strata_meta. Idempotent and safe when several processes call it at once.
 *
 * Fast path: an up-to-date schema costs two catalog reads and no DDL (a user without CREATE on
 * the database can still run once someone else created the schema).
 *
 * Slow path: everything is sent as ONE multi-statement query. PostgreSQL runs such a query as a
 * single implicit transaction, so the transaction-scoped advisory lock taken first is held
 * until the last statement, and it works with any DbClient, even a pool whose separate
 * queries may land on different connections. The lock matters: two concurrent
 * `CREATE ... IF NOT EXISTS` can both see "missing" and one fails with a unique violation on
 * the catalog. If `db` is a session already inside a transaction, the statements join it and
 * the lock is held until the caller commits.
 */
export async function ensureMetaSchema(db: DbClient): Promise<void> {
  const current = await metaSchemaVersion(db);
  if (current === META_SCHEMA_VERSION) return;
  if (current > META_SCHEMA_VERSION) {
    throw new StrataError(
      'CONFIG',
      `strata_meta schema version ${current} is newer than this strata supports (${META_SCHEMA_VERSION})`,
      { hint: 'a newer strata has used this target; upgrade strata' },
    );
  }
  const key = metaSchemaLockKey();
  // All steps, not just the missing ones: a concurrent caller may have applied some of them
  // between our version check and the lock; every step is idempotent.
  const steps = MIGRATIONS.map(
    (sql, i) => `${sql}\nINSERT INTO strata_meta.schema_version (version) VALUES (${i + 1}) ON CONFLICT (version) DO NOTHING;`,
  );
  await db.query(`SELECT pg_advisory_xact_lock(${key.classid}, ${key.objid});\n${steps.join('\n')}`);
}
