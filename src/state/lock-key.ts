/**
 * Advisory lock keys and lock-session names. Pure (no I/O) so the numbers can be unit-tested
 * and reproduced by hand in psql when someone needs to see who holds a lock.
 *
 * PostgreSQL advisory locks are keyed per database by either one bigint or two int4s. strata
 * uses the two-int4 form: `classid` is a fixed namespace saying "this is strata's", `objid`
 * says which lock. In `pg_locks` such a lock shows up with `locktype = 'advisory'`,
 * `classid`/`objid` as unsigned oids and `objsubid = 2`.
 */
import { createHash } from 'node:crypto';

/** "STRU": the run lock, one per (project, target); objid = fnv1a32(`${project}/${target}`). */
export const RUN_LOCK_NAMESPACE = 0x53545255;
/** "STRM": strata_meta housekeeping (DDL of the meta schema, future migrations). */
export const META_LOCK_NAMESPACE = 0x5354524d;
/** objid inside META_LOCK_NAMESPACE taken (transaction-scoped) while creating/migrating strata_meta. */
export const META_SCHEMA_LOCK_ID = 1;

/**
 * 32-bit FNV-1a over the UTF-8 bytes of `text`, as an unsigned integer.
 *
 * Why FNV-1a: tiny, well specified (offset basis 0x811c9dc5, prime 0x01000193), and identical in
 * every language, so the key never changes between strata versions or platforms. It is not
 * cryptographic; two (project, target) pairs colliding would only make them wait for each
 * other, never corrupt anything.
 */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    // Math.imul keeps the multiplication in 32 bits (a plain * would lose precision).
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Reinterprets an unsigned 32-bit value as the signed int4 PostgreSQL's functions take. */
export function toInt4(unsigned: number): number {
  return unsigned | 0;
}

export interface AdvisoryKey {
  /** Signed int4 arguments for pg_advisory_lock(int4, int4) and friends. */
  classid: number;
  objid: number;
  /** The same values as pg_locks shows them (oid = unsigned), for matching holders. */
  classidOid: number;
  objidOid: number;
}

function advisoryKey(namespace: number, id: number): AdvisoryKey {
  return { classid: toInt4(namespace), objid: toInt4(id), classidOid: namespace >>> 0, objidOid: id >>> 0 };
}

/** The key of the run lock of one project and target. */
export function runLockKey(project: string, target: string): AdvisoryKey {
  return advisoryKey(RUN_LOCK_NAMESPACE, fnv1a32(`${project}/${target}`));
}

export function metaSchemaLockKey(): AdvisoryKey {
  return advisoryKey(META_LOCK_NAMESPACE, META_SCHEMA_LOCK_ID);
}

const SESSION_PREFIX = 'strata run ';
// application_name is cut at NAMEDATALEN - 1 = 63 bytes and non-printable-ASCII characters
// become '?', so a run id that would not survive intact is replaced by a stable digest.
const MAX_APPLICATION_NAME = 63;
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/**
 * The application_name of the session holding a run's lock. It ties a lock holder seen in
 * pg_locks / pg_stat_activity to its row in strata_meta.runs (so a waiting run can say who
 * holds the lock and a new run can tell which 'running' rows are orphaned), and it shows an
 * operator which run a backend belongs to.
 */
export function lockSessionName(runId: string): string {
  const plain = SESSION_PREFIX + runId;
  if (PRINTABLE_ASCII.test(runId) && plain.length <= MAX_APPLICATION_NAME) return plain;
  return `${SESSION_PREFIX}#${createHash('sha256').update(runId).digest('hex').slice(0, 16)}`;
}
