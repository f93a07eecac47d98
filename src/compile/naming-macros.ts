/**
 * dbt's naming macros. A project that defines `generate_schema_name(custom_schema_name, node)`,
 * `generate_alias_name(custom_alias_name, node)` or `generate_database_name(custom_database_name,
 * node)` decides with them where its models and seeds land, exactly as dbt calls them: the custom
 * name is the node's `schema` / `alias` / `database` config (none when
 * unset), `node` its name, unique id, resource type, fqn, paths, tags and config. dbt projects ship
 * such macros all the time (dbt's own default prefixes custom schemas with the target's: `dev_marts`),
 * and they must build into the same schemas under strata. Without them strata's rule stands:
 * `schema` names the schema exactly, else the target's; `alias` names the relation, else the
 * model's name.
 *
 * Called once per model and seed after the parse pass, before refs are resolved, so `ref()` and
 * `{{ this }}` name the relation the macro chose, and the identifier checks (63 bytes) see it.
 */
import { StrataError } from '../errors/strata-error.js';
import type { Manifest, ModelNode, SeedNode } from '../manifest/types.js';
import type { LoadedMacro } from '../template/template-engine.js';
import type { ParseContext } from './parse-context.js';

const SCHEMA_MACRO = 'generate_schema_name';
const ALIAS_MACRO = 'generate_alias_name';
const DATABASE_MACRO = 'generate_database_name';

/** What dbt's `node` offers the naming macros (the keys dbt projects read). */
function nodeView(node: ModelNode | SeedNode): Record<string, unknown> {
  return {
    name: node.name,
    unique_id: node.uniqueId,
    resource_type: node.resourceType,
    package_name: node.packageName,
    fqn: node.fqn,
    path: node.path,
    original_file_path: node.originalFilePath,
    tags: node.tags,
    // A copy: a macro calling config.update() must not change the node.
    config: { ...node.config },
  };
}

/** Sets the relation of every model and seed from the project's naming macros, when it has any. */
export function applyNamingMacros(ctx: ParseContext, manifest: Manifest): StrataError[] {
  const macros = ctx.engine.macros;
  const schemaMacro = macros.get(SCHEMA_MACRO);
  const aliasMacro = macros.get(ALIAS_MACRO);
  const databaseMacro = macros.get(DATABASE_MACRO);
  if (!schemaMacro && !aliasMacro && !databaseMacro) return [];
  const errors: StrataError[] = [];
  for (const node of Object.values(manifest.nodes)) {
    if (node.resourceType !== 'model' && node.resourceType !== 'seed') continue;
    const name = (macro: LoadedMacro, custom: unknown): string | undefined => {
      const state = ctx.newState({ nodeName: node.name, uniqueId: node.uniqueId, file: node.originalFilePath, config: node.config });
      // Positional, as dbt calls them: the parameters are the macro's own names for them.
      const [customArg = 'custom_name', nodeArg = 'node'] = macro.argNames;
      try {
        const value = String(ctx.engine.callMacro(macro.name, { [customArg]: custom ?? null, [nodeArg]: nodeView(node) }, state, macro.file)).trim();
        // What the macro read decides the name too: env vars count for the compile's up-to-date
        // check (a model's own reads do), and the macro is one the node depends on (state:modified).
        if (Object.keys(state.envRead).length) Object.assign(ctx.config.envRead, state.envRead);
        const macroId = `macro.${node.packageName}.${macro.name}`;
        if (!node.dependsOn.macros.includes(macroId)) node.dependsOn.macros = [...node.dependsOn.macros, macroId].sort();
        if (value) return value;
        errors.push(new StrataError('CONFIG', `${macro.name} for ${node.resourceType} ${node.name} returned an empty name`, {
          location: { file: macro.file, line: macro.line, column: macro.column },
          nodeId: node.uniqueId,
          hint: `make ${macro.name} return a name for every node (it received ${custom === undefined ? 'none' : JSON.stringify(custom)})`,
        }));
      } catch (e) {
        const err = e instanceof StrataError ? e : undefined;
        errors.push(new StrataError(err?.code ?? 'TEMPLATE', `${macro.name} for ${node.resourceType} ${node.name}: ${err?.message ?? (e as Error).message}`, {
          // The engine names the file; where it has no line, the macro's definition is the place to look.
          location: err?.location?.line ? err.location : { file: macro.file, line: macro.line, column: macro.column },
          nodeId: node.uniqueId,
          ...(err?.hint ? { hint: err.hint } : {}),
        }));
      }
      return undefined;
    };
    const schema = schemaMacro ? name(schemaMacro, node.config.schema) : undefined;
    const identifier = aliasMacro ? name(aliasMacro, node.config.alias) : undefined;
    // The database it returns must be the target's (checkDatabases, identifiers.ts): dbt projects
    // return target.database, which prints three-part names.
    const database = databaseMacro ? name(databaseMacro, node.config.database) : undefined;
    if (schema !== undefined || identifier !== undefined || database !== undefined) {
      node.relation = {
        ...node.relation, ...(schema !== undefined ? { schema } : {}), ...(identifier !== undefined ? { identifier } : {}), ...(database !== undefined ? { database } : {}),
      };
    }
  }
  return errors;
}
