/**
 * `persist_docs` writes descriptions as comments after every build (src/materializations/
 * persist-docs.ts). An edited description must reach the database, but building the node again
 * for it would rewrite its relation and give it a new data version, so everything reading it
 * would be built again too. Instead, the descriptions persisted are a pseudo input of the node's
 * state (`persist_docs` in its input versions): when they are all that changed, their comments
 * are applied alone, in one transaction with the state row, which keeps the node's data version
 * (and its increment, which its tests' new-rows scope reads): nothing downstream notices.
 */
import type { ModelNode, SeedNode } from '../manifest/types.js';
import { persistDocsOf, persistDocsStatements } from '../materializations/index.js';
import { canonicalJson, upToDate } from '../state/fingerprint.js';
import { saveNodeStateSql, type NodeState } from '../state/node-state.js';
import { createHash } from 'node:crypto';
import { executeStatements, writeRunFile } from './executed-sql.js';
import type { RunContext } from './run-context.js';

/** The input-version key holding the hash of the descriptions a node persists. */
const DOCS_INPUT = 'persist_docs';

/** `inputs` with the hash of the node's persisted descriptions, when it has `persist_docs`. */
export function withDocsInput(node: ModelNode | SeedNode, inputs: Record<string, string>): Record<string, string> {
  const docs = persistDocsOf(node.config);
  if (!docs.relation && !docs.columns) return inputs;
  const persisted = {
    relation: docs.relation ? node.description ?? '' : undefined,
    columns: docs.columns ? Object.values(node.columns ?? {}).map((c) => [c.name, c.description ?? '']) : undefined,
  };
  return { ...inputs, [DOCS_INPUT]: createHash('sha256').update(canonicalJson(persisted)).digest('hex') };
}

function withoutDocs(versions: Record<string, string>): Record<string, string> {
  const { [DOCS_INPUT]: _docs, ...rest } = versions;
  return rest;
}

/** Up to date but for its persisted descriptions (see the file comment). */
export function onlyDocsChanged(previous: NodeState | undefined, fingerprint: string, inputs: Record<string, string>): previous is NodeState {
  if (!previous || inputs[DOCS_INPUT] === undefined || previous.inputVersions[DOCS_INPUT] === inputs[DOCS_INPUT]) return false;
  return upToDate({ ...previous, inputVersions: withoutDocs(previous.inputVersions) }, fingerprint, withoutDocs(inputs));
}

/** Applies the node's comments and records the new descriptions; its data version stays. */
export async function applyDocsOnly(rc: RunContext, node: ModelNode | SeedNode, previous: NodeState, inputs: Record<string, string>): Promise<string> {
  const kind = node.resourceType === 'model' && node.config.materialized === 'view' ? 'view' : 'table';
  const runFile = writeRunFile(rc.project.projectDir, rc.project.targetDir, node.originalFilePath, persistDocsStatements(node, node.relation, kind));
  const state = saveNodeStateSql(rc.project.manifest.metadata.projectName, { ...previous, inputVersions: inputs });
  await rc.db.withTransaction((client) => executeStatements(client, runFile, node.uniqueId, { after: [state] }));
  return runFile.path;
}
