/**
 * Renders the model a unit test tests, with its inputs replaced by the given rows.
 *
 * The model's template is rendered again (not the compiled SQL patched), in the model's own
 * context, with the unit test's overrides: `vars` on top of the project's vars, `env_vars` on
 * top of the environment, `macros` as macro overrides (`is_incremental` decides is_incremental()).
 * Its `ref()` / `source()` / `this` resolve through a resolver that knows the given inputs:
 *
 *   - a given input prints as the temp table holding its rows;
 *   - an ephemeral parent that is not given is rendered the same way (its own inputs must be
 *     given, or be ephemeral in turn) and inlined as a CTE, as compile does (dbt cannot do this:
 *     dbt-core #9686, #10695); a given ephemeral parent is simply replaced by its rows;
 *   - `this` not given: the model's own relation when is_incremental() is false (nothing reads it),
 *     a missing input when it is true;
 *   - anything else the render reads is a missing input: reported all together after the
 *     render, with the ephemeral parents it was read through.
 *
 * Only what the render actually reads counts: a ref in a branch not taken need not be given.
 */
import { StrataError } from '../../errors/strata-error.js';
import type { CompiledProject } from '../../api/compile.js';
import { EPHEMERAL_PREFIX, injectCtes } from '../../compile/compile-sql.js';
import { makeResolver, resolveTarget } from '../../compile/link.js';
import type { ModelNode, RelationName } from '../../manifest/types.js';
import { createRenderState, type RelationTarget } from '../../template/render-state.js';

export type ProjectView = Pick<CompiledProject, 'ctx' | 'manifest'>;

export interface UnitTestOverrides {
  vars?: Record<string, unknown>;
  macros?: Record<string, unknown>;
  env_vars?: Record<string, unknown>;
}

export interface MissingInput {
  target: RelationTarget;
  /** Unique id of the node it names, when it names one. */
  id?: string;
  /** Ephemeral parents (outermost first) through which the model reads it; empty when direct. */
  via: string[];
}

export interface UnitTestRender {
  sql: string;
  isIncremental: boolean;
  /** Ephemeral parents rendered and inlined as CTEs (not given), parents first. */
  inlined: string[];
  missing: MissingInput[];
}

/** How a relation reference reads in YAML and messages: `ref('x')`, `source('a', 'b')`, `this`. */
export function describeTarget(t: RelationTarget): string {
  if (t.kind === 'this') return 'this';
  if (t.kind === 'source') return `source('${t.source}', '${t.table}')`;
  return t.package ? `ref('${t.package}', '${t.name}')` : `ref('${t.name}')`;
}

/** YAML-ish booleans (`true`, `'false'`, 1, 0) as booleans; other values unchanged. */
function asBoolean(v: unknown): unknown {
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (['true', 't', 'yes', 'y', 'on', '1'].includes(t)) return true;
    if (['false', 'f', 'no', 'n', 'off', '0', ''].includes(t)) return false;
  }
  if (typeof v === 'number') return v !== 0;
  return v;
}

/** `overrides.macros` as macro overrides: `dbt_utils.x` also overrides a macro named `x`. */
export function macroOverridesOf(macros: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(macros ?? {})) {
    const v = name === 'is_incremental' || name.endsWith('.is_incremental') ? asBoolean(value) : value;
    out[name] = v;
    const bare = name.split('.').pop()!;
    if (!(bare in out) || bare === name) out[bare] = v;
  }
  return out;
}

/** The model a unit test tests (by the linked id, else by name). */
export function testedModel(project: ProjectView, unitTest: { model: string; dependsOn: { nodes: string[] } }): ModelNode | undefined {
  const { manifest } = project;
  for (const id of [...unitTest.dependsOn.nodes, unitTest.model, `model.${manifest.metadata.projectName}.${unitTest.model}`]) {
    const n = manifest.nodes[id];
    if (n?.resourceType === 'model') return n;
  }
  return Object.values(manifest.nodes).find((n): n is ModelNode => n.resourceType === 'model' && n.name === unitTest.model);
}

/** Parses a `given` input (`ref('x')`, `source('a', 'b')`, `this`) by evaluating it as a template expression. */
export function parseInput(project: ProjectView, input: string, file: string): RelationTarget | undefined {
  const { ctx } = project;
  const state = ctx.newState({ nodeName: '__unit_test_input__', uniqueId: '__unit_test_input__', file });
  const value = ctx.engine.evaluate(file, input, state);
  const [target] = state.relations;
  if (!target || state.relations.length !== 1 || value === undefined || value === null) return undefined;
  return target;
}

/** The key a given input and a reference of the model share: the node's unique id, or `this`. */
export function inputKey(project: ProjectView, t: RelationTarget): string | undefined {
  if (t.kind === 'this') return 'this';
  return resolveTarget(makeResolver(project.manifest), t);
}

const MISSING_RELATION = { cte: '__strata_missing_input__' };

/**
 * Renders `model` for a unit test. `given` maps input keys (unique ids, `this`) to the relation
 * holding their rows. Template errors are thrown as StrataErrors located in the model's file.
 */
export function renderForUnitTest(project: ProjectView, model: ModelNode, given: ReadonlyMap<string, RelationName>, overrides: UnitTestOverrides = {}): UnitTestRender {
  const { ctx, manifest } = project;
  const linkResolver = makeResolver(manifest);
  const macroOverrides = macroOverridesOf(overrides.macros);
  const isIncremental = macroOverrides['is_incremental'] === undefined ? false : Boolean(macroOverrides['is_incremental']);
  const varOverrides = overrides.vars ?? {};
  const vars = (name: string) => (Object.prototype.hasOwnProperty.call(varOverrides, name) ? { found: true, value: varOverrides[name] } : ctx.vars(name));
  const env: Record<string, string | undefined> = { ...ctx.env };
  for (const [k, v] of Object.entries(overrides.env_vars ?? {})) env[k] = v === null || v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v);
  // An ephemeral parent is not incremental, whatever the unit test says about its model.
  const parentOverrides = { ...macroOverrides };
  delete parentOverrides['is_incremental'];

  const missing: MissingInput[] = [];
  const missingKeys = new Set<string>();
  const ctes: Array<{ name: string; sql: string }> = [];
  const inlined = new Set<string>();
  const inProgress = new Set<string>();

  const addMissing = (target: RelationTarget, id: string | undefined, via: string[]) => {
    const key = id ?? describeTarget(target);
    if (missingKeys.has(key)) return;
    missingKeys.add(key);
    missing.push({ target, ...(id ? { id } : {}), via });
  };

  const render = (node: ModelNode, via: string[]): string => {
    const isModel = node === model;
    const rec = ctx.records.get(node.uniqueId);
    const file = rec?.file ?? node.originalFilePath;
    const text = rec?.text ?? node.rawCode;
    const resolve = (t: RelationTarget): RelationName | { cte: string } => {
      if (t.kind === 'this') {
        if (!isModel) return { cte: `${EPHEMERAL_PREFIX}${node.name}` };
        const g = given.get('this');
        if (g) return g;
        if (isIncremental) {
          addMissing(t, undefined, via);
          return MISSING_RELATION;
        }
        return node.config.materialized === 'ephemeral' ? { cte: `${EPHEMERAL_PREFIX}${node.name}` } : node.relation;
      }
      const id = resolveTarget(linkResolver, t);
      const g = id === undefined ? undefined : given.get(id);
      if (g) return g;
      const parent = id === undefined ? undefined : manifest.nodes[id];
      if (parent?.resourceType === 'model' && parent.config.materialized === 'ephemeral' && parent !== model) {
        const cte = { cte: `${EPHEMERAL_PREFIX}${parent.name}` };
        if (inlined.has(parent.uniqueId) || inProgress.has(parent.uniqueId)) return cte;
        inProgress.add(parent.uniqueId);
        const sql = render(parent, [...via, parent.name]);
        inProgress.delete(parent.uniqueId);
        inlined.add(parent.uniqueId);
        ctes.push({ name: cte.cte, sql });
        return cte;
      }
      addMissing(t, id, via);
      return MISSING_RELATION;
    };
    const state = createRenderState({
      nodeName: node.name,
      uniqueId: node.uniqueId,
      file,
      config: { ...(rec?.config ?? node.config) },
      vars,
      env,
      target: ctx.config.target,
      execute: true,
      isIncremental: isModel ? isIncremental : false,
      resolve,
      runQuery: () => {
        throw new StrataError('TEMPLATE', `run_query() cannot run in a unit test (called while rendering ${node.name})`, {
          nodeId: node.uniqueId,
          hint: 'give the macro that calls it a value under overrides: macros:, or compute the value in SQL',
        });
      },
      macroOverrides: isModel ? macroOverrides : parentOverrides,
    });
    return ctx.engine.render(file, text, state);
  };

  const sql = render(model, []);
  return {
    sql: injectCtes(sql, ctes),
    isIncremental,
    inlined: ctes.map((c) => c.name.slice(EPHEMERAL_PREFIX.length)),
    missing,
  };
}
