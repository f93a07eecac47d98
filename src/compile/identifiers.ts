/**
 * The relations PostgreSQL will see. It silently truncates identifiers longer than 63 bytes
 * (NAMEDATALEN - 1), so two long model names could land on the same table: strata refuses them at
 * compile time instead. And two models or seeds that name the same relation (an alias, a naming
 * macro) would overwrite each other's table on every run: refused too, naming both, as dbt does.
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
        hint: what === 'relation name'
          ? 'shorten the file name or set a shorter alias in config(alias=...) (or in generate_alias_name)'
          : 'set a shorter schema in the config (or in generate_schema_name)',
      }));
    }
  }
  return [...errors, ...sharedRelations(manifest)];
}

function sharedRelations(manifest: Manifest): StrataError[] {
  const owner = new Map<string, { name: string; file: string }>();
  const errors: StrataError[] = [];
  for (const node of valuesOf(manifest.nodes)) {
    if (node.resourceType !== 'model' && node.resourceType !== 'seed') continue;
    if (node.resourceType === 'model' && node.config.materialized === 'ephemeral') continue;
    const key = `"${node.relation.schema}"."${node.relation.identifier}"`;
    const first = owner.get(key);
    if (!first) {
      owner.set(key, { name: node.name, file: node.originalFilePath });
      continue;
    }
    errors.push(new StrataError('DUPLICATE', `${node.resourceType} ${node.name} and ${first.name} both build ${key}`, {
      location: { file: node.originalFilePath, line: 0, column: 0 },
      nodeId: node.uniqueId,
      details: [`${first.name}: ${first.file}`, `${node.name}: ${node.originalFilePath}`],
      hint: 'give one of them another alias or schema (config, or the project\'s naming macros)',
    }));
  }
  return errors;
}
