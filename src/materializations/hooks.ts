/**
 * pre_hook / post_hook statements.
 *
 * The runner renders hook templates before calling a materialization, so here they are plain SQL.
 * Every hook runs inside the node's transaction (dbt's default, `inside_transaction: true`): a
 * failing post-hook rolls the build back, and the relation never exists without its hooks applied.
 */
import type { ModelNode } from '../manifest/types.js';
import type { Statement } from './types.js';

function hookStatements(hooks: readonly string[] | undefined, kind: 'pre-hook' | 'post-hook'): Statement[] {
  const out: Statement[] = [];
  (hooks ?? []).forEach((sql, i) => {
    // An empty hook (a template that rendered to nothing, e.g. `{% if target.name == 'prod' %}`)
    // would be an empty query; skip it rather than send it.
    if (sql.trim() === '') return;
    out.push({ sql, label: `${kind} ${i + 1}` });
  });
  return out;
}

/** pre_hook statements, first in the transaction. */
export function preHooks(node: ModelNode): Statement[] {
  return hookStatements(node.config.pre_hook, 'pre-hook');
}

/** post_hook statements, after the build, indexes and grants. */
export function postHooks(node: ModelNode): Statement[] {
  return hookStatements(node.config.post_hook, 'post-hook');
}
