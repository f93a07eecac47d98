/**
 * Compile pass: turns each node's parse-pass output into final SQL.
 *
 * - Usually a textual substitution of the relation placeholders with quoted relation names: no
 *   second template render (dbt renders every node twice).
 * - Templates that read a relation attribute (`ref('x').identifier`) are rendered again with
 *   resolved relations.
 * - Incremental models that call is_incremental() also get the incremental variant rendered now,
 *   so the runner only picks one and never needs the template engine.
 * - Ephemeral models are inlined as CTEs, transitively, in dependency order.
 */
import { StrataError } from '../errors/strata-error.js';
import type { Manifest, ModelNode, RelationName, TestNode } from '../manifest/types.js';
import { valuesOf } from '../manifest/record-values.js';
import { relationToSql } from '../template/relation.js';
import { PLACEHOLDER_OPEN, PLACEHOLDER_RE, type RelationTarget, type RenderState } from '../template/render-state.js';
import { makeResolver, resolveTarget, type Resolver } from './link.js';
import { genericTestSql, type GenericTestSpec } from './parse-generic-tests.js';
import type { ParseContext, RenderRecord } from './parse-context.js';

export const EPHEMERAL_PREFIX = '__strata_cte__';

type Printed = RelationName | { cte: string };

function relationOf(manifest: Manifest, id: string | undefined): Printed | undefined {
  if (!id) return undefined;
  const node = manifest.nodes[id] ?? manifest.sources[id];
  if (!node || !('relation' in node)) return undefined;
  if (node.resourceType === 'model' && node.config.materialized === 'ephemeral') return { cte: `${EPHEMERAL_PREFIX}${node.name}` };
  return node.relation;
}

function printed(r: Printed | undefined): string {
  if (!r) return '"__unresolved__"';
  return 'cte' in r ? `"${r.cte}"` : relationToSql(r);
}

class NodeCompiler {
  readonly #resolver: Resolver;
  constructor(readonly ctx: ParseContext, readonly manifest: Manifest) {
    this.#resolver = makeResolver(manifest);
  }

  resolve(nodeId: string, t: RelationTarget): Printed | undefined {
    if (t.kind === 'this') return relationOf(this.manifest, nodeId);
    return relationOf(this.manifest, resolveTarget(this.#resolver, t));
  }

  substitute(nodeId: string, rec: RenderRecord): string {
    return rec.output.replace(PLACEHOLDER_RE, (_m, i: string) => this.#printed(nodeId, rec.relations[Number(i)]!));
  }

  /** The SQL of a referenced relation; a node's is printed once, however many refer to it. */
  readonly #printedById = new Map<string, string>();
  #printed(nodeId: string, t: RelationTarget): string {
    if (t.kind === 'this') return printed(this.resolve(nodeId, t));
    const id = resolveTarget(this.#resolver, t);
    if (id === undefined) return printed(undefined);
    let sql = this.#printedById.get(id);
    if (sql === undefined) this.#printedById.set(id, (sql = printed(relationOf(this.manifest, id))));
    return sql;
  }

  /** Renders the file again with relations resolved (and optionally is_incremental() true). */
  rerender(node: ModelNode | TestNode, rec: RenderRecord, isIncremental: boolean): string {
    const state = this.ctx.newState({
      nodeName: node.name,
      uniqueId: node.uniqueId,
      file: rec.file,
      config: { ...rec.config },
      isIncremental,
      resolve: (t) => this.resolve(node.uniqueId, t),
    });
    const sql = rec.render ? rec.render(state) : this.ctx.engine.render(rec.file, rec.text, state);
    // Env vars read only here (inside `{% if is_incremental() %}`, or once relations resolve) are
    // part of the node's reads too: the compile fingerprint must see them change.
    if (Object.keys(state.envRead).length) Object.assign((node.envRead ??= {}), state.envRead);
    return sql;
  }

  compile(node: ModelNode | TestNode): void {
    const rec = this.ctx.records.get(node.uniqueId);
    if (!rec) return;
    let sql = rec.needsRerender ? this.rerender(node, rec, false) : this.substitute(node.uniqueId, rec);
    if (sql.includes(PLACEHOLDER_OPEN)) {
      // A filter changed a placeholder's text; render properly rather than emit broken SQL.
      sql = this.rerender(node, rec, false);
    }
    node.compiledCode = sql;
    if (node.resourceType === 'model' && node.config.materialized === 'incremental') {
      node.compiledIncrementalCode = rec.calledIsIncremental ? this.rerender(node, rec, true) : sql;
    }
    if (node.resourceType === 'test' && node.testMetadata) {
      for (const [k, v] of Object.entries(node.testMetadata.kwargs)) {
        if (typeof v === 'string') node.testMetadata.kwargs[k] = v.replace(PLACEHOLDER_RE, (_m, i: string) => printed(this.resolve(node.uniqueId, rec.relations[Number(i)]!)));
      }
    }
  }
}

export interface RuntimeRenderOptions {
  execute?: boolean;
  isIncremental?: boolean;
  runQuery?: (sql: string) => { columns: string[]; rows: Array<Record<string, unknown>>; types?: number[] };
}

/**
 * Renders a template in a node's context with relations resolved: hooks (`pre_hook`, `post_hook`)
 * at run time, and templates that read `execute`. `node` undefined: the project context
 * (on-run-start / on-run-end).
 */
export function renderInContext(ctx: ParseContext, manifest: Manifest, node: ContextNode | undefined, file: string, text: string, options: RuntimeRenderOptions = {}): string {
  return ctx.engine.render(file, text, stateInContext(ctx, manifest, node, file, options));
}

type ContextNode = { uniqueId: string; name: string; originalFilePath: string; config: Record<string, unknown> };

function stateInContext(ctx: ParseContext, manifest: Manifest, node: ContextNode | undefined, file: string, options: RuntimeRenderOptions): RenderState {
  const compiler = compilerFor(ctx, manifest);
  return ctx.newState({
    nodeName: node?.name ?? ctx.config.name,
    uniqueId: node?.uniqueId ?? `project.${ctx.config.name}`,
    file,
    config: { ...(node?.config ?? {}) },
    execute: options.execute ?? true,
    isIncremental: options.isIncremental ?? false,
    ...(options.runQuery ? { runQuery: options.runQuery } : {}),
    resolve: (t) => (node ? compiler.resolve(node.uniqueId, t) : t.kind === 'this' ? undefined : compiler.resolve('', t)),
  });
}

/** The call that references a generic test's resource, as the parse made it (parse-project.ts): `ref(name)` or `source(source, table)`. */
function attachedCall(manifest: Manifest, test: TestNode): GenericTestSpec['call'] {
  const id = test.attachedNode ?? '';
  const source = manifest.sources[id];
  if (source) return { fn: 'source', args: [source.sourceName, source.name] };
  const node = manifest.nodes[id];
  if (!node) throw new StrataError('INTERNAL', `data test ${test.uniqueId} is attached to ${id}, which is not in the manifest`, { nodeId: test.uniqueId });
  return { fn: 'ref', args: [node.name] };
}

/**
 * A data test's SQL rendered again in its context (by default with `execute` true), for a test
 * that read `execute` or the invocation's values: a singular test's file, or a generic test's
 * built-in or `{% test %}` macro with its arguments as the property file wrote them
 * (`rawKwargs`), rendered again too. Only for a test whose own template read the database (a test
 * that only inlines an ephemeral model reading it keeps its compiled SQL: runtimeSqlOf). Without
 * the ephemeral parents' CTEs (runtimeSqlOf adds them).
 */
export function renderTestInContext(ctx: ParseContext, manifest: Manifest, test: TestNode, options: RuntimeRenderOptions = {}): string {
  const meta = test.testMetadata;
  if (test.testType === 'singular' || !meta) return renderInContext(ctx, manifest, test, test.originalFilePath, test.rawCode, options);
  const file = test.location.file;
  const state = stateInContext(ctx, manifest, test, file, options);
  const name = meta.namespace ? `${meta.namespace}.${meta.name}` : meta.name;
  return genericTestSql(ctx, state, {
    name, call: attachedCall(manifest, test), column: test.columnName, args: meta.rawKwargs ?? meta.kwargs, where: test.config.where, file,
  }).sql;
}

/**
 * One NodeCompiler per manifest: its resolver indexes every node, and runtime renders (hooks,
 * templates reading `execute`) happen per node, so building it per call would be quadratic.
 */
const compilers = new WeakMap<Manifest, NodeCompiler>();
function compilerFor(ctx: ParseContext, manifest: Manifest): NodeCompiler {
  let compiler = compilers.get(manifest);
  if (!compiler || compiler.ctx !== ctx) {
    compiler = new NodeCompiler(ctx, manifest);
    compilers.set(manifest, compiler);
  }
  return compiler;
}

/** Ephemeral ancestors reachable through ephemeral refs, parents before children. */
export function ephemeralChain(manifest: Manifest, node: ModelNode | TestNode): ModelNode[] {
  const out: ModelNode[] = [];
  const seen = new Set<string>();
  const visit = (id: string) => {
    const n = manifest.nodes[id];
    if (!n || n.resourceType !== 'model' || n.config.materialized !== 'ephemeral' || seen.has(id)) return;
    seen.add(id);
    for (const p of n.dependsOn.nodes) visit(p);
    out.push(n);
  };
  for (const p of node.dependsOn.nodes) visit(p);
  return out;
}

/**
 * The CTEs that inline a node's ephemeral ancestors (`ephemeralChain`), each one's SQL from `sqlOf`
 * (by default its compiled code; the runner passes its run-time rendering for an ancestor that
 * reads the database).
 */
export function ephemeralCtes(chain: ModelNode[], sqlOf: (e: ModelNode) => string = (e) => e.compiledCode ?? ''): Array<{ name: string; sql: string }> {
  return chain.map((e) => ({ name: `${EPHEMERAL_PREFIX}${e.name}`, sql: sqlOf(e) }));
}

/**
 * Whether a node's SQL is rendered again at run time: its template reads the database (`execute`,
 * `run_query`, the invocation's values), or an ephemeral model it inlines does.
 */
export function rendersAtRunTime(manifest: Manifest, node: ModelNode | TestNode): boolean {
  return node.needsRuntimeRender === true || ephemeralChain(manifest, node).some((e) => e.needsRuntimeRender);
}

/**
 * A node's SQL for this run, or undefined when its compiled SQL is the one to run
 * (`rendersAtRunTime` false). A node whose own template reads the database is rendered again
 * (`renderOwn`, once per compiled variant) with its ephemeral ancestors' CTEs, those that read the
 * database rendered again too. A node that only inlines such an ancestor keeps its compiled SQL
 * (and, for a generic test, the arguments as compiled) with those ancestors' CTEs swapped for
 * their run-time rendering: the exact text compileNodes injected is replaced.
 */
export function runtimeSqlOf(
  ctx: ParseContext, manifest: Manifest, node: ModelNode | TestNode, options: RuntimeRenderOptions,
): ((compiled: string, renderOwn: () => string) => string) | undefined {
  const chain = ephemeralChain(manifest, node);
  if (!node.needsRuntimeRender && !chain.some((e) => e.needsRuntimeRender)) return undefined;
  // Each ancestor rendered once, for both of a model's variants.
  const rendered = new Map<string, string>();
  const renderedOf = (e: ModelNode): string => {
    let sql = rendered.get(e.uniqueId);
    if (sql === undefined) rendered.set(e.uniqueId, (sql = renderInContext(ctx, manifest, e, e.originalFilePath, e.rawCode, options)));
    return sql;
  };
  const ctes = (sqlOf: (e: ModelNode) => string) => ephemeralCtes(chain, (e) => (e.needsRuntimeRender ? sqlOf(e) : (e.compiledCode ?? '')));
  return (compiled, renderOwn) => {
    if (node.needsRuntimeRender) return injectCtes(renderOwn(), ctes(renderedOf));
    const before = ctes((e) => e.compiledCode ?? '');
    const after = ctes(renderedOf);
    let sql = compiled;
    before.forEach((c, i) => {
      if (c.sql !== after[i]!.sql) sql = sql.split(cteText(c)).join(cteText(after[i]!));
    });
    return sql;
  };
}

function cteText(c: { name: string; sql: string }): string {
  return `"${c.name}" as (\n${c.sql}\n)`;
}

/** Prepends CTEs to a query, merging with a leading `with` as dbt does. */
export function injectCtes(sql: string, ctes: Array<{ name: string; sql: string }>): string {
  if (!ctes.length) return sql;
  const defs = ctes.map(cteText).join(',\n');
  const leading = /^(\s*(?:--[^\n]*\n|\/\*[\s\S]*?\*\/|\s)*)with(\s+recursive)?\b/i.exec(sql);
  if (leading) {
    const head = leading[0];
    return `${head} ${defs},\n${sql.slice(head.length)}`;
  }
  return `with ${defs}\n${sql}`;
}

export function compileNodes(ctx: ParseContext, manifest: Manifest, only?: Set<string>): StrataError[] {
  const errors: StrataError[] = [];
  const compiler = new NodeCompiler(ctx, manifest);
  const sqlNodes = valuesOf(manifest.nodes).filter((n): n is ModelNode | TestNode => n.resourceType === 'model' || n.resourceType === 'test');
  for (const node of sqlNodes) {
    if (only && !only.has(node.uniqueId)) continue;
    try {
      compiler.compile(node);
    } catch (e) {
      errors.push(e instanceof StrataError ? e : new StrataError('TEMPLATE', String((e as Error).message ?? e), { location: node.location, nodeId: node.uniqueId }));
    }
  }
  // Inline ephemeral models (their own compiledCode stays the bare query, for inspection).
  for (const node of sqlNodes) {
    if (only && !only.has(node.uniqueId)) continue;
    if (node.resourceType === 'model' && node.config.materialized === 'ephemeral') continue;
    const ctes = ephemeralCtes(ephemeralChain(manifest, node));
    if (!ctes.length || node.compiledCode === undefined) continue;
    node.compiledCode = injectCtes(node.compiledCode, ctes);
    if (node.resourceType === 'model' && node.compiledIncrementalCode !== undefined) node.compiledIncrementalCode = injectCtes(node.compiledIncrementalCode, ctes);
  }
  return errors;
}
