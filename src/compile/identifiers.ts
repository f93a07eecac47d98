/**
 * The relations PostgreSQL will see. It silently truncates identifiers longer than 63 bytes
 * (NAMEDATALEN - 1), so two long model names could land on the same table: strata refuses them at
 * compile time instead. And two models or seeds that name the same relation (an alias, a naming
 * macro) would overwrite each other's table on every run: refused too, naming both, as dbt does;
 * so is a source with a `load:` block (strata fills its raw table) sharing a relation with either.
 * A `database` other than the one the target connects to cannot be built or read on PostgreSQL (no
 * cross-database queries): refused before anything runs, where it used to be ignored for the build
 * and to fail every `ref()` to it.
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

/**
 * Relations written by strata: models (but ephemeral ones), seeds, and sources with a `load:` block
 * (strata creates, empties and fills their raw tables). Two writers of one relation are refused.
 */
function sharedRelations(manifest: Manifest): StrataError[] {
  const owner = new Map<string, { name: string; label: string; file: string; source: boolean }>();
  const errors: StrataError[] = [];
  for (const node of [...valuesOf(manifest.nodes), ...valuesOf(manifest.sources)]) {
    if (node.resourceType !== 'model' && node.resourceType !== 'seed' && node.resourceType !== 'source') continue;
    if (node.resourceType === 'model' && node.config.materialized === 'ephemeral') continue;
    if (node.resourceType === 'source' && node.load === undefined) continue;
    const source = node.resourceType === 'source';
    const name = source ? `${node.sourceName}.${node.name}` : node.name;
    const label = `${node.resourceType} ${name}`;
    const key = `"${node.relation.schema}"."${node.relation.identifier}"`;
    const first = owner.get(key);
    if (!first) {
      owner.set(key, { name, label, file: node.originalFilePath, source });
      continue;
    }
    const withSource = source || first.source;
    errors.push(new StrataError('DUPLICATE', `${label} and ${withSource ? first.label : first.name} both build ${key}`, {
      location: source ? node.location : { file: node.originalFilePath, line: 0, column: 0 },
      nodeId: node.uniqueId,
      details: [`${first.name}: ${first.file}`, `${name}: ${node.originalFilePath}`],
      hint: withSource
        ? 'a loaded source owns its raw table: give one of them another schema or identifier (a source\'s `identifier:`, a model\'s alias)'
        : 'give one of them another alias or schema (config, or the project\'s naming macros)',
    }));
  }
  return errors;
}

/**
 * Models, seeds and sources whose `database` is not `database`, the one target `targetName`
 * connects to. The same name is allowed (`"db"."schema"."name"` works within db); PostgreSQL's
 * database names are case-sensitive, so another spelling is refused too, with the right one.
 */
export function checkDatabases(manifest: Manifest, database: string, targetName: string): StrataError[] {
  const errors: StrataError[] = [];
  for (const node of [...valuesOf(manifest.nodes), ...valuesOf(manifest.sources)]) {
    if (node.resourceType !== 'model' && node.resourceType !== 'seed' && node.resourceType !== 'source') continue;
    if (node.resourceType === 'model' && node.config.materialized === 'ephemeral') continue;
    const wanted = node.relation.database;
    if (wanted === undefined || wanted === database) continue;
    const what = node.resourceType === 'source' ? `source ${node.name}` : `${node.resourceType} ${node.name}`;
    errors.push(new StrataError('CONFIG', `${what} names database '${wanted}', but target ${targetName} connects to database '${database}'`, {
      location: node.location,
      nodeId: node.uniqueId,
      hint: wanted.toLowerCase() === database.toLowerCase()
        ? `PostgreSQL database names are case-sensitive: write database '${database}', or leave database out`
        : `PostgreSQL cannot build or read relations of another database over this connection: leave database out of ${node.resourceType === 'source' ? 'the source' : 'its config'}, or point the target at '${wanted}'`,
    }));
  }
  return errors;
}
