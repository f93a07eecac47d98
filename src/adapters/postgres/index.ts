/**
 * The PostgreSQL adapter's public surface. Code outside src/adapters/postgres imports from here
 * (never from 'pg'), so the driver can change without touching the rest of strata.
 */
export { capabilitiesFor, detectCapabilities, formatVersion, MIN_SERVER_VERSION, type Capabilities } from './capabilities.js';
export {
  createPool, queryOnce,
  type Database, type DbClient, type FieldInfo, type PoolOptions, type QueryOptions, type QueryResult, type Row, type SessionClient,
} from './connection.js';
export type { CopySink, CopySource } from './copy.js';
export {
  embeddedStatus, embeddedUrl, embeddedUrlIfRunning, ensureEmbeddedServer, stopEmbeddedServer,
  type EmbeddedServer, type EmbeddedServerOptions, type EmbeddedStatus,
} from './embedded-server.js';
export {
  DbError, isConnectionFailure, isDbError, positionToLineColumn, toStrataError,
  type DbErrorFields, type SqlErrorContext,
} from './errors.js';
export {
  getColumns, listDependentViews, listRelations, recreateViewSql, RelationCatalog, relationKey,
  type ColumnDef, type DependentView, type RelationInfo, type RelationKind, type ViewGrant,
} from './introspection.js';
export { CatalogSnapshot, readCatalogSnapshot, type SnapshotRelation } from './catalog-snapshot.js';
export { openTarget, type OpenedTarget, type OpenTargetOptions } from './open-target.js';
export { SyncQueryChannel, type SyncQueryResult } from './sync-query.js';
export { checkIdentifierLength, MAX_IDENTIFIER_BYTES, quoteIdent, quoteLiteral, relationSql, truncateIdentifier } from './quoting.js';
// connectionConfig / parsePostgresUrl are left out on purpose: they speak pg's ClientConfig.
export { APPLICATION_NAME, maskTarget, maskUrl, scrubSecrets, withDatabase, type TargetConfig, type TargetType } from './target.js';
