/**
 * Link: resolve every ref() and source() to a unique id, fill dependsOn, parentMap and childMap,
 * and report unknown refs (with "did you mean"), refs to disabled nodes and cycles (with the full
 * path and each file). All errors are collected; nothing stops at the first.
 */
import { StrataError, type SourceLocation } from '../errors/strata-error.js';
import { findCyclesInChildMap } from './cycles.js';
import { didYouMean } from '../graph/did-you-mean.js';
import type { Manifest, ModelNode, RefCall, SourceCall, TestNode } from '../manifest/types.js';
import { valuesOf } from '../manifest/record-values.js';
import { lineColumnAt } from '../template/macro-source.js';
import type { RelationTarget } from '../template/render-state.js';

export interface Resolver {
  ref(name: string, pkg?: string): string | undefined;
  source(source: string, table: string): string | undefined;
}

export function makeResolver(manifest: Manifest): Resolver {
  const byName = new Map<string, string>();
  for (const n of valuesOf(manifest.nodes)) if (n.resourceType === 'model' || n.resourceType === 'seed') byName.set(n.name, n.uniqueId);
  const sources = new Map<string, string>();
  for (const s of valuesOf(manifest.sources)) sources.set(`${s.sourceName}.${s.name}`, s.uniqueId);
  const project = manifest.metadata.projectName;
  return {
    ref: (name, pkg) => (pkg === undefined || pkg === project ? byName.get(name) : undefined),
    source: (source, table) => sources.get(`${source}.${table}`),
  };
}

function locateText(file: string, text: string | undefined, needle: RegExp): SourceLocation {
  const m = text ? needle.exec(text) : null;
  return m && text ? { file, ...lineColumnAt(text, m.index) } : { file, line: 0, column: 0 };
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function refError(manifest: Manifest, node: ModelNode | TestNode, ref: RefCall, text: string | undefined): StrataError {
  const location = locateText(node.originalFilePath, text, new RegExp(`ref\\s*\\(\\s*(['"]${esc(ref.package ?? '')}['"]\\s*,\\s*)?['"]${esc(ref.name)}['"]`));
  const disabled = Object.values(manifest.disabled).find((d) => d.uniqueId.endsWith(`.${ref.name}`) && (d.resourceType === 'model' || d.resourceType === 'seed'));
  if (disabled) {
    return new StrataError('DISABLED_REF', `${node.name} refers to '${ref.name}', which is disabled`, {
      location,
      nodeId: node.uniqueId,
      details: [`disabled in ${disabled.originalFilePath}`],
      hint: `enable ${ref.name} (config enabled: true) or disable ${node.name} too`,
    });
  }
  if (ref.package !== undefined && ref.package !== manifest.metadata.projectName) {
    return new StrataError('REF_NOT_FOUND', `${node.name} refers to '${ref.package}.${ref.name}', but there is no project or package named '${ref.package}'`, {
      location,
      nodeId: node.uniqueId,
      hint: `this project is '${manifest.metadata.projectName}'; use ref('${ref.name}')`,
    });
  }
  const names = Object.values(manifest.nodes).filter((n) => n.resourceType === 'model' || n.resourceType === 'seed').map((n) => n.name);
  const suggestion = didYouMean(ref.name, names);
  return new StrataError('REF_NOT_FOUND', `${node.name} refers to '${ref.name}', which is not a model or seed`, {
    location,
    nodeId: node.uniqueId,
    hint: suggestion ? `did you mean '${suggestion}'?` : `create models/${ref.name}.sql or seeds/${ref.name}.csv, or fix the name`,
  });
}

function sourceError(manifest: Manifest, node: ModelNode | TestNode, src: SourceCall, text: string | undefined): StrataError {
  const location = locateText(node.originalFilePath, text, new RegExp(`source\\s*\\(\\s*['"]${esc(src.source)}['"]\\s*,\\s*['"]${esc(src.table)}['"]`));
  const known = Object.values(manifest.sources).map((s) => `${s.sourceName}.${s.name}`);
  const suggestion = didYouMean(`${src.source}.${src.table}`, known);
  return new StrataError('SOURCE_NOT_FOUND', `${node.name} uses source('${src.source}', '${src.table}'), which is not declared`, {
    location,
    nodeId: node.uniqueId,
    hint: suggestion
      ? `did you mean source('${suggestion.split('.')[0]}', '${suggestion.split('.').slice(1).join('.')}')?`
      : `declare it in a property file: sources: [{name: ${src.source}, tables: [{name: ${src.table}}]}]`,
  });
}

/** Resolves one recorded relation reference to a unique id (undefined for `this` or unknown). */
export function resolveTarget(resolver: Resolver, t: RelationTarget): string | undefined {
  if (t.kind === 'ref') return resolver.ref(t.name, t.package);
  if (t.kind === 'source') return resolver.source(t.source, t.table);
  return undefined;
}

export function link(manifest: Manifest, texts: Map<string, string>): StrataError[] {
  const errors: StrataError[] = [];
  const resolver = makeResolver(manifest);
  for (const node of valuesOf(manifest.nodes)) {
    if (node.resourceType !== 'model' && node.resourceType !== 'test') {
      if (node.resourceType === 'unit_test') {
        const model = resolver.ref(node.model);
        if (model) node.dependsOn.nodes = [model];
        else errors.push(new StrataError('REF_NOT_FOUND', `unit test '${node.name}' tests model '${node.model}', which does not exist`, { location: node.location, hint: didYouMean(node.model, Object.values(manifest.nodes).filter((n) => n.resourceType === 'model').map((n) => n.name)) ? `did you mean '${didYouMean(node.model, Object.values(manifest.nodes).filter((n) => n.resourceType === 'model').map((n) => n.name))}'?` : 'check the model name' }));
      }
      continue;
    }
    // A node has a few parents: a list, not a Set per node (40,000 of them for the GC to copy).
    const deps: string[] = [];
    const add = (id: string) => {
      if (id !== node.uniqueId && !deps.includes(id)) deps.push(id);
    };
    const text = texts.get(node.uniqueId);
    for (const ref of node.refs) {
      const id = resolver.ref(ref.name, ref.package);
      if (id) add(id);
      else errors.push(refError(manifest, node, ref, text));
    }
    for (const src of node.sources) {
      const id = resolver.source(src.source, src.table);
      if (id) add(id);
      else errors.push(sourceError(manifest, node, src, text));
    }
    if (node.resourceType === 'test' && node.attachedNode) add(node.attachedNode);
    node.dependsOn.nodes = deps.sort();
  }
  fillMaps(manifest);
  errors.push(...cycleErrors(manifest));
  return errors;
}

function fillMaps(manifest: Manifest): void {
  const parentMap: Record<string, string[]> = {};
  const childMap: Record<string, string[]> = {};
  const all = [...valuesOf(manifest.nodes), ...valuesOf(manifest.sources)];
  for (const n of all) {
    // The node's own list (nothing changes either afterwards): one array fewer per node.
    parentMap[n.uniqueId] = n.dependsOn.nodes;
    childMap[n.uniqueId] ??= [];
  }
  for (const n of all) for (const p of n.dependsOn.nodes) (childMap[p] ??= []).push(n.uniqueId);
  for (const k of Object.keys(childMap)) childMap[k]!.sort();
  manifest.parentMap = parentMap;
  manifest.childMap = childMap;
}

function cycleErrors(manifest: Manifest): StrataError[] {
  const cycles = findCyclesInChildMap(manifest.childMap);
  return cycles.map((cycle) => {
    const nodes = cycle.map((id) => manifest.nodes[id] ?? manifest.sources[id]);
    const names = nodes.map((n, i) => n?.name ?? cycle[i]!);
    const first = nodes[0];
    return new StrataError('CYCLE', `dependency cycle: ${[...names, names[0]].join(' -> ')}`, {
      ...(first ? { location: { file: first.originalFilePath, line: 0, column: 0 } } : {}),
      // Edges run parent -> child, so each next node is the one calling ref() on the previous.
      details: nodes.map((_n, i) => {
        const next = (i + 1) % names.length;
        return `${names[next]} (${nodes[next]?.originalFilePath ?? '?'}) refers to ${names[i]}`;
      }),
      hint: 'remove one of these ref() calls; a model cannot depend on itself, even indirectly',
    });
  });
}
