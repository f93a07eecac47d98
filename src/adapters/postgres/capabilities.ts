/**
 * What the connected server can do, detected once per run from server_version_num.
 *
 * strata supports PostgreSQL 13+ (CI runs 15 and the embedded 17); features newer than that are
 * gated here instead of by sprinkling version checks through the materializations.
 */
import { StrataError } from '../../errors/strata-error.js';
import type { DbClient } from './connection.js';

export const MIN_SERVER_VERSION = 130000;

export interface Capabilities {
  /** server_version_num, e.g. 150020 for 15.20 or 170010 for 17.10. */
  version: number;
  /** Human form, e.g. "15.20". */
  versionString: string;
  /** MERGE statement (incremental_strategy: merge). */
  supportsMerge: boolean;
  /** MERGE ... RETURNING and merge_action(). */
  supportsMergeReturning: boolean;
  /** UNIQUE NULLS NOT DISTINCT (unique tests / indexes over nullable keys). */
  supportsNullsNotDistinct: boolean;
  /** CREATE VIEW ... WITH (security_invoker). */
  supportsSecurityInvoker: boolean;
  /** JSON_TABLE, JSON_EXISTS/JSON_QUERY/JSON_VALUE. */
  supportsJsonTable: boolean;
  /** COPY ... FROM ... WITH (ON_ERROR ignore). */
  supportsCopyOnError: boolean;
  /** current_database(): what `database` configs must name (src/compile/identifiers.ts). */
  database?: string;
}

export function capabilitiesFor(version: number, versionString = formatVersion(version)): Capabilities {
  return {
    version,
    versionString,
    supportsMerge: version >= 150000,
    supportsMergeReturning: version >= 170000,
    supportsNullsNotDistinct: version >= 150000,
    supportsSecurityInvoker: version >= 150000,
    supportsJsonTable: version >= 170000,
    supportsCopyOnError: version >= 170000,
  };
}

/** 150020 -> "15.20" (10+ numbering: major * 10000 + minor). */
export function formatVersion(version: number): string {
  return `${Math.floor(version / 10000)}.${version % 10000}`;
}

export async function detectCapabilities(client: DbClient): Promise<Capabilities> {
  const res = await client.query<{ num: string; v: string; db: string }>(
    "SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS v, current_database() AS db",
  );
  const row = res.rows[0];
  const version = Number(row?.num);
  if (!Number.isFinite(version) || version <= 0) {
    throw new StrataError('INTERNAL', `unexpected server_version_num ${String(row?.num)}`);
  }
  if (version < MIN_SERVER_VERSION) {
    throw new StrataError('CONNECTION', `PostgreSQL ${formatVersion(version)} is too old; strata needs 13 or newer`, {
      hint: 'upgrade the server, or use a target with `type: embedded` (PostgreSQL 17).',
    });
  }
  // server_version may carry a distribution suffix ("15.20 (Debian 15.20-0+deb12u1)").
  const versionString = (row?.v ?? formatVersion(version)).split(' ')[0] ?? formatVersion(version);
  return { ...capabilitiesFor(version, versionString), ...(row?.db ? { database: row.db } : {}) };
}
