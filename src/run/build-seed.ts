/**
 * Builds one seed: COPY the CSV into a staging table next to the target, then swap it into place
 * in the same transaction (dependent views kept, as for tables). A seed whose file and config did
 * not change since its last load is up to date and not touched.
 */
import { join } from 'node:path';
import type { ModelNode, SeedNode } from '../manifest/types.js';
import { fetchRelationState, grantStatements, persistDocsStatements, sibling, STAGING_SUFFIX, swapIntoPlace } from '../materializations/index.js';
import type { Statement } from '../materializations/types.js';
import { quoteIdent } from '../adapters/postgres/index.js';
import { loadSeed } from '../seeds/index.js';
import { newDataVersion, upToDate } from '../state/fingerprint.js';
import { saveNodeStateSql } from '../state/node-state.js';
import { relationToSql } from '../template/relation.js';
import { failureResult } from './build-model.js';
import { applyDocsOnly, onlyDocsChanged, withDocsInput } from './docs-only.js';
import { lockDependentViews } from './dependent-view-locks.js';
import { executeStatements, writeRunFile } from './executed-sql.js';
import type { RunContext } from './run-context.js';
import type { NodeResult } from './run-results.js';
import { timed, type TimingEntry } from './timing.js';

export async function buildSeed(rc: RunContext, node: SeedNode): Promise<NodeResult> {
  const started = performance.now();
  const relation = relationToSql(node.relation);
  const base = { uniqueId: node.uniqueId, name: node.name, resourceType: 'seed' as const, relation };
  const fingerprint = rc.fingerprints.get(node.uniqueId) ?? '';
  const previous = rc.previous.get(node.uniqueId);
  const { fullRefresh, rebuild } = rc.options;
  // With persist_docs, its descriptions are an input (docs-only.ts).
  const inputs = withDocsInput(node, {});
  if (!rebuild && !fullRefresh && upToDate(previous, fingerprint, inputs) && rc.relations.exists(node.relation)) {
    rc.dataVersions.set(node.uniqueId, previous!.dataVersion);
    return { ...base, status: 'up_to_date', message: 'up to date', seconds: (performance.now() - started) / 1000 };
  }
  if (!rebuild && !fullRefresh && onlyDocsChanged(previous, fingerprint, inputs) && rc.relations.exists(node.relation)) {
    try {
      const executedSqlPath = await applyDocsOnly(rc, node, previous, inputs);
      rc.dataVersions.set(node.uniqueId, previous.dataVersion);
      return { ...base, status: 'success', message: 'persist_docs', seconds: (performance.now() - started) / 1000, executedSqlPath };
    } catch (e) {
      return failureResult(base, e, started);
    }
  }
  const { projectDir, targetDir } = rc.project;
  const dataVersion = newDataVersion(rc.runId, node.uniqueId);
  const staging = sibling(node.relation, STAGING_SUFFIX);
  const timing: TimingEntry[] = [];
  try {
    const outcome = await rc.db.withTransaction(async (client) => {
      await lockDependentViews(client, node.relation);
      const state = await fetchRelationState(client, node.relation);
      await client.query(`DROP TABLE IF EXISTS ${relationToSql(staging)}`);
      const loaded = await timed(timing, () => loadSeed(client, {
        file: join(projectDir, node.originalFilePath),
        displayFile: node.originalFilePath,
        nodeId: node.uniqueId,
        table: staging,
        ...(node.config.column_types ? { columnTypes: node.config.column_types } : {}),
        ...(node.config.delimiter ? { delimiter: node.config.delimiter } : {}),
        ...(node.config.quote_columns !== undefined ? { quoteColumns: node.config.quote_columns } : {}),
      }));
      const place: Statement[] = state.exists
        ? swapIntoPlace(node.relation, state, staging, [], rc.viewModelsInRun)
        : [{ sql: `ALTER TABLE ${relationToSql(staging)} RENAME TO ${quoteIdent(node.relation.identifier)}`, label: 'rename staging table into place' }];
      const statements = [...place, ...persistDocsStatements(node, node.relation, 'table'), ...grantStatements(node as unknown as ModelNode, node.relation)];
      const runFile = writeRunFile(projectDir, targetDir, node.originalFilePath, statements, [
        `strata: created ${relationToSql(staging)} (${loaded.columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ')})`,
        `strata: COPY ${loaded.rows} rows from ${node.originalFilePath} into it`,
      ]);
      const stateRow = saveNodeStateSql(rc.project.manifest.metadata.projectName, {
        uniqueId: node.uniqueId, relation, resourceType: 'seed', fingerprint, dataVersion, inputVersions: inputs, builtAt: new Date(), runId: rc.runId,
      });
      await timed(timing, () => executeStatements(client, runFile, node.uniqueId, { after: [stateRow] }));
      return { rows: loaded.rows, runFile, warnings: loaded.warnings };
    });
    rc.relations.built(node.relation, 'table');
    rc.dataVersions.set(node.uniqueId, dataVersion);
    return {
      ...base,
      status: 'success',
      message: `copy${outcome.warnings.length ? ` (${outcome.warnings.join('; ')})` : ''}`,
      rows: outcome.rows,
      seconds: (performance.now() - started) / 1000,
      executedSqlPath: outcome.runFile.path,
      timing,
    };
  } catch (e) {
    return { ...failureResult(base, e, started), timing };
  }
}
