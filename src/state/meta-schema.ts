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
 * Version 2 adds the raw-file loading tables (src/load): `strata_meta.load_ledger` (which file
 * was loaded into which source, when, with which checksum and batch: a loaded source's data
 * version) and `strata_meta.quarantine` (rejected rows with their line and reason). Version 3
 * adds `strata_meta.load_line_hashes` (the keyed reload's prefilter). Version 4 adds
 * `node_state.increment` and `strata_meta.test_state` (data tests of an incremental model's new rows).
 * Version 5 adds `load_ledger.read_as` (a `load:` block that reads a file differently reloads it).
 * Version 6 adds `node_state.code_hash` (an incremental model whose SQL changed says so).
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

/**
 * Raw file loading (src/load/ledger.ts). One ledger row per attempt to load a file: 'loaded' is
 * the file's current content in the raw table (at most one per source and file, enforced by the
 * partial unique index), 'replaced' an earlier load of a file that changed or was reloaded,
 * 'failed' an attempt that was rolled back (nothing of it is in the raw table). A 'loaded' row
 * commits in the same transaction as the file's rows. Quarantine rows belong to the 'loaded' row
 * of the same source, file and batch.
 *
 * The load_* functions are the column defaults of _file, _batch_id and _loaded_at in raw tables.
 * They read transaction-local settings the loader sets per file, and are declared IMMUTABLE on
 * purpose: COPY runs its column defaults through the planner, which then evaluates them once per
 * COPY instead of once per row (measured: the per-row current_setting() cost ~0.1 s per 1M rows
 * per column). Outside a load they give NULL (and the timestamp of whenever a statement using
 * them was planned), so they are only meant as those defaults.
 */
const V2 = `
CREATE TABLE IF NOT EXISTS strata_meta.load_ledger (
  source text NOT NULL,
  relation text NOT NULL,
  file_uri text NOT NULL,
  file_name text NOT NULL,
  size bigint NOT NULL,
  version text NOT NULL,
  checksum text,
  rows_loaded bigint NOT NULL DEFAULT 0,
  rows_quarantined bigint NOT NULL DEFAULT 0,
  batch_id text NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  status text NOT NULL CHECK (status IN ('loaded', 'replaced', 'failed')),
  error text
);
CREATE UNIQUE INDEX IF NOT EXISTS load_ledger_current_idx
  ON strata_meta.load_ledger (source, file_uri) WHERE status = 'loaded';
CREATE INDEX IF NOT EXISTS load_ledger_source_idx
  ON strata_meta.load_ledger (source, finished_at DESC);
CREATE TABLE IF NOT EXISTS strata_meta.quarantine (
  source text NOT NULL,
  file_uri text NOT NULL,
  file_name text NOT NULL,
  line bigint NOT NULL,
  reason text NOT NULL,
  raw text NOT NULL,
  batch_id text NOT NULL,
  quarantined_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS quarantine_source_file_idx
  ON strata_meta.quarantine (source, file_uri, line);
CREATE OR REPLACE FUNCTION strata_meta.load_file() RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT current_setting('strata.load_file', true) $$;
CREATE OR REPLACE FUNCTION strata_meta.load_batch() RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT current_setting('strata.batch_id', true) $$;
CREATE OR REPLACE FUNCTION strata_meta.load_time() RETURNS timestamptz
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT now() $$;
`;

/**
 * The line hashes of each loaded file of a keyed source (src/load/line-hash-store.ts): 16-byte
 * hashes of its good lines' rows, in parts of up to 2^20 (16 MiB), written in the file's transaction.
 * `checksum` (the file version's sha1, as in the ledger), `format` (a fingerprint of what an
 * encoded row means) and `lines` say which loaded version they describe; `keys_grouped`: its
 * first key column's values were each one run of adjacent rows (how its next reload checks keys). Random bytes do not compress:
 * EXTERNAL storage skips pglz's attempt.
 */
const V3 = `
CREATE TABLE IF NOT EXISTS strata_meta.load_line_hashes (
  source text NOT NULL,
  file_uri text NOT NULL,
  part int NOT NULL,
  checksum text NOT NULL,
  format text NOT NULL,
  lines bigint NOT NULL,
  keys_grouped boolean NOT NULL,
  hashes bytea NOT NULL,
  PRIMARY KEY (source, file_uri, part)
);
ALTER TABLE strata_meta.load_line_hashes ALTER COLUMN hashes SET STORAGE EXTERNAL;
`;

/**
 * Tests of new rows (src/data-tests/new-rows-scope.ts): `node_state.increment` describes the
 * latest build of an incremental model when it applied new rows to the table it had (the kept
 * table of those rows, the data version they were applied to, the strategy and unique key);
 * `test_state` holds, per data test, the SQL it last passed with and the data versions of what it
 * read then. Only a pass without a single failing row is recorded.
 */
const V4 = `
ALTER TABLE strata_meta.node_state ADD COLUMN IF NOT EXISTS increment jsonb;
CREATE TABLE IF NOT EXISTS strata_meta.test_state (
  project text NOT NULL,
  unique_id text NOT NULL,
  fingerprint text NOT NULL,
  input_versions jsonb NOT NULL,
  passed_at timestamptz NOT NULL DEFAULT now(),
  run_id text,
  PRIMARY KEY (project, unique_id)
);
`;

/**
 * `load_ledger.read_as`: how the source's `load:` block read the file (src/load/read-fingerprint.ts),
 * so that a block that now reads the same bytes differently loads the file again.
 */
const V5 = `
ALTER TABLE strata_meta.load_ledger ADD COLUMN IF NOT EXISTS read_as text;
`;

/**
 * `node_state.code_hash`: a hash of the model's compiled SQL at its build, so that an incremental
 * model whose SQL changed since can say that its earlier rows keep the old SQL.
 */
const V6 = `
ALTER TABLE strata_meta.node_state ADD COLUMN IF NOT EXISTS code_hash text;
`;

/** MIGRATIONS[i]: version i → i + 1. Append only; never edit a released step. */
const MIGRATIONS: readonly string[] = [V1, V2, V3, V4, V5, V6];

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
