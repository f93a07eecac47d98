/**
 * PostgreSQL silently truncates identifiers longer than 63 bytes (NAMEDATALEN - 1), so two long
 * model names could land on the same table. strata refuses them at compile time instead.
 */
import { StrataError } from '../errors/strata-error.js';
import type { Manifest } from '../manifest/types.js';
import { valuesOf } from '../manifest/record-values.js';

export const MAX_IDENTIFIER_BYTES = 63;

export function checkIdentifiers(manifest: Manifest): StrataError[] {
  const errors: StrataError[] = [];
  for (const node of valuesOf(manifest.nodes)) {
    if (node.resourceType !== 'model' && node.resourceType !== 'seed') continue;
    if (node.resourceType === 'model' && node.config.materialized === 'ephemeral') continue;
    for (const [what, name] of [['relation name', node.relation.identifier], ['schema name', node.relation.schema]] as const) {
      const bytes = Buffer.byteLength(name, 'utf8');
      if (bytes <= MAX_IDENTIFIER_BYTES) continue;
      errors.push(new StrataError('IDENTIFIER', `${what} '${name}' of ${node.name} is ${bytes} bytes; PostgreSQL allows ${MAX_IDENTIFIER_BYTES}`, {
        location: { file: node.originalFilePath, line: 0, column: 0 },
        nodeId: node.uniqueId,
        hint: what === 'relation name' ? 'shorten the file name or set a shorter alias in config(alias=...)' : 'set a shorter schema in the config',
      }));
    }
  }
  return errors;
}
