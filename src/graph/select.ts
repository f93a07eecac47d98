/**
 * Node selection: manifest + graph + the user's `--select` / `--exclude` / `--selector` in,
 * the set of unique ids to act on out. Pure: no I/O, no database.
 *
 * Which spec is evaluated (as dbt decides it):
 *   --selector NAME            that selector (minus --exclude, which dbt would ignore silently)
 *   no --select / --exclude    the selector marked `default: true`, else every node
 *   otherwise                  --select (every node when empty) minus --exclude
 */
import { StrataError } from '../errors/strata-error.js';
import type { Manifest, ResourceType } from '../manifest/types.js';
import type { Graph } from './dag.js';
import { didYouMean } from './did-you-mean.js';
import { evaluateSpec, type EvalContext } from './evaluate.js';
import { buildNodeIndex, nodeOf } from './node-index.js';
import { expressionToSpec, normaliseExpression, type SelectorDefinition } from './selector-definition.js';
import { parseSelectExclude, parseSelectionArgs } from './selector-parser.js';
import type { IndirectSelection, SelectionBundle, SelectionCriterion, SelectionSpec } from './selection-spec.js';

export interface SelectOptions {
  select?: string[];
  exclude?: string[];
  /** `--selector NAME`: a named selector from `selectors`. */
  selector?: string;
  selectors?: Record<string, SelectorDefinition>;
  /** Needed by `state:` criteria. */
  previousManifest?: Manifest;
  /** Keep only these resource types in the result (`strata ls --resource-type`). */
  resourceTypes?: ResourceType[];
  /** `--indirect-selection`; dbt's default is eager. */
  indirectSelection?: IndirectSelection;
  /** Filled with the criteria that matched no node (see unmatched-criteria.ts). */
  unmatched?: SelectionCriterion[];
}

function hasTerms(args: string[] | undefined): boolean {
  return parseSelectionArgs(args) !== undefined;
}

function unknownSelector(name: string, selectors: Record<string, SelectorDefinition>, raw?: string): StrataError {
  const names = Object.keys(selectors);
  const suggestion = didYouMean(name, names);
  const hint = suggestion
    ? `did you mean "${suggestion}"?`
    : names.length > 0
      ? `defined selectors: ${names.sort().join(', ')}`
      : 'define selectors in selectors.yml at the project root';
  return new StrataError('SELECTOR', `unknown selector "${name}"${raw && raw !== name ? ` in "${raw}"` : ''}`, { hint });
}

/** A selector's spec; definitions are re-validated since callers may pass plain data. */
function selectorSpec(def: SelectorDefinition): SelectionSpec {
  const definition = normaliseExpression(def.definition, [], (message, _path, hint) => {
    throw new StrataError('SELECTOR', `selector "${def.name}": ${message}`, {
      ...(def.location ? { location: def.location } : {}),
      ...(hint ? { hint } : {}),
    });
  });
  return expressionToSpec(definition);
}

/** `selector:NAME` without operators: evaluates to exactly what the selector selects. */
function selectorCriterion(name: string): SelectionSpec {
  return { kind: 'criterion', raw: name, method: 'selector', methodArgs: [], value: name, parents: false, children: false, childrensParents: false };
}

function chooseSpec(opts: SelectOptions, selectors: Record<string, SelectorDefinition>): SelectionSpec {
  const exclude = parseSelectionArgs(opts.exclude);
  if (opts.selector !== undefined) {
    if (hasTerms(opts.select)) {
      throw new StrataError('SELECTOR', '--select cannot be combined with --selector', {
        hint: `add the criteria to the selector, or write --select "selector:${opts.selector} ..."`,
      });
    }
    const include = selectorCriterion(opts.selector);
    return exclude ? { kind: 'difference', include, exclude } : include;
  }
  if (!hasTerms(opts.select) && !exclude) {
    const defaults = Object.values(selectors).filter((s) => s.default);
    if (defaults.length > 1) {
      throw new StrataError('SELECTOR', `more than one default selector: ${defaults.map((s) => s.name).join(', ')}`);
    }
    if (defaults[0]) return selectorCriterion(defaults[0].name);
  }
  return parseSelectExclude(opts.select, opts.exclude);
}

/**
 * Resolves `selector:NAME` criteria: each named selector is evaluated once, and a selector
 * reached again while it is being evaluated is a cycle.
 */
function selectorResolver(selectors: Record<string, SelectorDefinition>, ctx: () => EvalContext) {
  const memo = new Map<string, SelectionBundle>();
  const active: string[] = [];
  return (name: string, raw: string): SelectionBundle => {
    const cached = memo.get(name);
    if (cached) return cached;
    if (active.includes(name)) {
      const cycle = [...active.slice(active.indexOf(name)), name].join(' -> ');
      throw new StrataError('SELECTOR', `selectors reference each other in a cycle: ${cycle}`);
    }
    const def = Object.hasOwn(selectors, name) ? selectors[name] : undefined;
    if (!def) throw unknownSelector(name, selectors, raw);
    active.push(name);
    const result = evaluateSpec(ctx(), selectorSpec(def));
    active.pop();
    memo.set(name, result);
    return result;
  };
}

/** The unique ids selected by `opts` (see the module comment for which spec applies). */
export function selectNodes(manifest: Manifest, graph: Graph, opts: SelectOptions = {}): Set<string> {
  const selectors = opts.selectors ?? {};
  const spec = chooseSpec(opts, selectors);
  const ctx: EvalContext = {
    index: buildNodeIndex(manifest, graph),
    mode: opts.indirectSelection ?? 'eager',
    resolveSelector: selectorResolver(selectors, () => ctx),
  };
  if (opts.previousManifest) ctx.previousManifest = opts.previousManifest;
  if (opts.unmatched) ctx.unmatched = opts.unmatched;
  const { direct } = evaluateSpec(ctx, spec);
  if (!opts.resourceTypes || opts.resourceTypes.length === 0) return direct;
  const keep = new Set<string>(opts.resourceTypes);
  const out = new Set<string>();
  for (const id of direct) {
    const node = nodeOf(ctx.index, id);
    if (node && keep.has(node.resourceType)) out.add(id);
  }
  return out;
}
