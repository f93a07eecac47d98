/**
 * An incremental model keeps the new rows of its latest build in `strata_meta` until its next build
 * (src/data-tests/new-rows-scope.ts). A model that left the project (its file deleted or renamed,
 * or disabled) has no next build: its kept table would stay forever, as large as its last
 * increment. Every run drops the kept tables of the project's node states that name no node of
 * the manifest any more, and forgets them in those states (the relation itself stays, as dbt
 * leaves the relations of deleted models).
 */
import { forgetIncrementsSql } from '../state/node-state.js';
import type { RunContext } from './run-context.js';

export async function dropOrphanKeptRows(rc: RunContext): Promise<void> {
  const { manifest } = rc.project;
  const orphans = [...rc.previous].filter(([id, state]) => state.increment && !manifest.nodes[id]);
  if (orphans.length === 0) return;
  const statements = orphans.map(([, state]) => `DROP TABLE IF EXISTS ${state.increment!.rows}`);
  statements.push(forgetIncrementsSql(manifest.metadata.projectName, orphans.map(([id]) => id)));
  try {
    // One message: one implicit transaction, so a table is never dropped while its state names it.
    await rc.db.query(statements.join(';\n'));
  } catch {
    // A leftover table costs disk, not correctness (a test reads kept rows only when they are the
    // latest build's, all of them): the next run tries again.
  }
}
