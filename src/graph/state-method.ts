/**
 * The `state:` method: compares each node with the same unique id in a previous manifest
 * (the one saved by the last successful command, or `--state DIR`).
 *
 * As in dbt, a node absent from the previous manifest counts as modified for every refinement
 * (`modified.body` of a brand-new model is true), and `state:modified` is the union of the
 * refinements: new, body (file checksum), configs, relation (where it is built) and macros
 * (any macro the node calls whose definition changed).
 */
import type { GraphNode, Manifest } from '../manifest/types.js';

/** JSON with object keys sorted, so two configs that differ only in key order compare equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

function previousNode(previous: Manifest, id: string): GraphNode | undefined {
  return previous.nodes[id] ?? previous.sources[id];
}

function relationOf(node: GraphNode): unknown {
  return 'relation' in node ? node.relation : undefined;
}

function macrosChanged(node: GraphNode, current: Manifest, previous: Manifest): boolean {
  return node.dependsOn.macros.some((id) => current.macros[id]?.checksum !== previous.macros[id]?.checksum);
}

type Check = (node: GraphNode, old: GraphNode) => boolean;

function makeChecks(current: Manifest, previous: Manifest): Record<string, Check> {
  return {
    body: (node, old) => node.checksum !== old.checksum,
    configs: (node, old) => canonicalJson(node.config) !== canonicalJson(old.config),
    relation: (node, old) => canonicalJson(relationOf(node)) !== canonicalJson(relationOf(old)),
    macros: (node) => macrosChanged(node, current, previous),
  };
}

/**
 * A predicate for one `state:` value. Macro comparisons look at direct calls only: strata's
 * manifest does not record which macros a macro calls.
 */
export function stateMatcher(value: string, current: Manifest, previous: Manifest): (id: string, node: GraphNode) => boolean {
  const checks = makeChecks(current, previous);
  const modified = (node: GraphNode, old: GraphNode): boolean => Object.values(checks).some((c) => c(node, old));
  return (id, node) => {
    const old = previousNode(previous, id);
    switch (value) {
      case 'new':
        return old === undefined;
      case 'old':
        return old !== undefined;
      case 'modified':
        return old === undefined || modified(node, old);
      case 'unmodified':
        return old !== undefined && !modified(node, old);
      default: {
        // modified.<refinement>; the parser only lets known refinements through.
        const check = checks[value.slice('modified.'.length)];
        return old === undefined || (check !== undefined && check(node, old));
      }
    }
  };
}
