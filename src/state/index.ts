/** strata's state in the target database (schema strata_meta); see README.md. */
export { ensureMetaSchema, metaSchemaVersion, META_SCHEMA, META_SCHEMA_VERSION } from './meta-schema.js';
export { finishRun, lastRun, markInterrupted, runningRuns, startRun, type RunInfo, type RunRecord, type RunStatus } from './run-history.js';
export { acquireRunLock, type LockHolder, type RunLock, type RunLockOptions } from './run-lock.js';
export { describeLockHolder } from './lock-holder.js';
export { deleteNodeState, loadNodeStates, saveNodeState, saveNodeStateSql, type Increment, type NodeState } from './node-state.js';
export { loadTestStates, saveTestStatesSql, testFingerprint, type TestState } from './test-state.js';
export {
  canonicalJson, FINGERPRINT_CONFIG_KEYS, newDataVersion, nodeFingerprint, seedDataVersion, sourceDataVersion, upToDate,
  type FingerprintedNode,
} from './fingerprint.js';
export { fnv1a32, lockSessionName, runLockKey, RUN_LOCK_NAMESPACE, META_LOCK_NAMESPACE, type AdvisoryKey } from './lock-key.js';
