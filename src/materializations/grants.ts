/**
 * `grants:` config (`{ select: ['reporter', 'bi'] }`) → GRANT statements, applied after every
 * build.
 *
 * A rebuilt table or view is a new object with no privileges, so re-applying the configured
 * grants is what "keeps" them; privileges granted by hand outside strata are not carried over
 * (the same as dbt without copy_grants). Stale grants are not revoked: on a rebuilt relation there
 * are none, and on a relation changed in place (incremental, `create or replace view`) a role
 * removed from the config keeps its privilege until the next full rebuild. Revoking would need
 * the relation's current ACL in RelationState.
 *
 * Role names are quoted, so they must be written as they exist (`Reporter` is not `reporter`);
 * `public` means PUBLIC.
 */
import { quoteIdent } from '../adapters/postgres/index.js';
import { StrataError } from '../errors/strata-error.js';
import type { ModelNode, RelationName } from '../manifest/types.js';
import { rel } from './names.js';
import type { Statement } from './types.js';

/** Table privileges PostgreSQL knows (MAINTAIN is 17+; the server rejects it on older ones). */
const PRIVILEGES = new Set(['select', 'insert', 'update', 'delete', 'truncate', 'references', 'trigger', 'maintain', 'all', 'all privileges']);

function grantee(role: string): string {
  return role.toLowerCase() === 'public' ? 'PUBLIC' : quoteIdent(role);
}

function privilegeSql(node: ModelNode, privilege: string): string {
  const p = privilege.trim().toLowerCase().replace(/\s+/g, ' ');
  if (!PRIVILEGES.has(p)) {
    throw new StrataError('CONFIG', `unknown privilege ${JSON.stringify(privilege)} in grants`, {
      nodeId: node.uniqueId,
      location: node.location,
      hint: `use one of: ${[...PRIVILEGES].join(', ')}`,
    });
  }
  return p;
}

/** One GRANT per privilege, to all its roles; nothing when the list is empty. */
export function grantStatements(node: ModelNode, relation: RelationName): Statement[] {
  const out: Statement[] = [];
  for (const [privilege, roles] of Object.entries(node.config.grants ?? {})) {
    const p = privilegeSql(node, privilege);
    const list = (Array.isArray(roles) ? roles : [roles]).filter((r): r is string => typeof r === 'string' && r !== '');
    if (list.length === 0) continue;
    out.push({
      sql: `grant ${p} on ${rel(relation)} to ${list.map(grantee).join(', ')}`,
      label: `grant ${p} on ${relation.identifier}`,
    });
  }
  return out;
}
