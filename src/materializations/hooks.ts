/**
 * pre_hook / post_hook statements.
 *
 * The runner renders hook templates before calling a materialization, so here they are plain SQL.
 * Every hook runs inside the node's transaction (dbt's default, `inside_transaction: true`): a
 * failing post-hook rolls the build back, and the relation never exists without its hooks applied.
 */
import { relationSql } from '../adapters/postgres/index.js';
import type { ModelNode } from '../manifest/types.js';
import type { Statement } from './types.js';

function hookStatements(node: ModelNode, kind: 'pre-hook' | 'post-hook'): Statement[] {
  const out: Statement[] = [];
  const thisSql = relationSql(node.relation);
  (kind === 'pre-hook' ? node.config.pre_hook : node.config.post_hook).forEach((sql, i) => {
    // An empty hook (a template that rendered to nothing, e.g. `{% if target.name == 'prod' %}`)
    // would be an empty query; skip it rather than send it.
    if (sql.trim() === '') return;
    // A delete from the model's own table: its row count goes to the node's state.
    out.push({ sql, label: `${kind} ${i + 1}`, ...(isDeleteFromThis(sql, thisSql) ? { tally: 'deleted' as const } : {}) });
  });
  return out;
}

/** pre_hook statements, first in the transaction. */
export function preHooks(node: ModelNode): Statement[] {
  return hookStatements(node, 'pre-hook');
}

/** post_hook statements, after the build, indexes and grants. */
export function postHooks(node: ModelNode): Statement[] {
  return hookStatements(node, 'post-hook');
}

/** What a model's hooks may do to rows already in its table: nothing, delete some, or anything. */
export type HookEffect = 'none' | 'deletes' | 'unknown';

/** Statements that change no row: whole words (not `setval(...)`), and set_config with literal arguments only. */
const HARMLESS = [
  /^(analyze|vacuum|set|reset|grant|revoke|comment|notify)\b/i,
  /^select\s+set_config\s*\(\s*'[^']*'\s*,\s*'[^']*'\s*,\s*(true|false)\s*\)$/i,
];
const DELETE_FROM_THIS = /^delete\s+from\s+\{\{-?\s*this\s*-?\}\}\s/i;

const statementsOf = (hook: string): string[] => hook.split(';').map((s) => s.trim()).filter(Boolean);

/** `delete from {{ this }} ...` as written, or rendered with the model's relation `thisSql`. */
function deletesFromThis(statement: string, thisSql: string | undefined): boolean {
  const text = `${statement} `;
  if (DELETE_FROM_THIS.test(text)) return true;
  const m = /^delete\s+from\s+/i.exec(text);
  return thisSql !== undefined && m !== null && text.slice(m[0].length).startsWith(`${thisSql} `);
}

/** A hook (template, or rendered for `thisSql`) that is one `delete from {{ this }} ...` statement: its row count is what it removed. */
export function isDeleteFromThis(hook: string, thisSql?: string): boolean {
  const statements = statementsOf(hook);
  return statements.length === 1 && deletesFromThis(statements[0]!, thisSql);
}

/**
 * The hooks' effect, for the tests that read only an increment's new rows
 * (src/data-tests/new-rows-scope.ts). Classified on the hooks as written or as rendered (a delete
 * from `thisSql`, the model's printed relation, is one from `{{ this }}`), statement by statement
 * (split at every `;`: a `;` inside a string literal only makes the rest look unknown, which errs
 * on the safe side).
 */
export function hookEffect(node: Pick<ModelNode, 'config'>, thisSql?: string): HookEffect {
  let effect: HookEffect = 'none';
  for (const hook of [...node.config.pre_hook, ...node.config.post_hook]) {
    for (const statement of statementsOf(hook)) {
      if (HARMLESS.some((re) => re.test(statement))) continue;
      if (deletesFromThis(statement, thisSql)) effect = 'deletes';
      else return 'unknown';
    }
  }
  return effect;
}
