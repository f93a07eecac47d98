/**
 * project.yml config paths that apply to no resource (dbt's "unused configuration paths"): a
 * misspelt folder (`models: {shop: {stagng: {+schema: stg}}}`) configures nothing, silently.
 *
 * As dbt, every path of a tree that holds config is checked against every resource's fqn, the
 * disabled ones included. Each resource notes the tree levels its fqn passes through as it is
 * parsed (a few map lookups, no allocation: the tree is small, and its path ends at the first part
 * the tree does not have); the tree is walked once at the end. Suggestions are computed only for a
 * path being reported.
 */
import { StrataError } from '../errors/strata-error.js';
import { didYouMean } from '../graph/did-you-mean.js';
import { forEachTreeLevel, isConfigKey } from '../project/node-config.js';
import type { ConfigTree, ProjectConfig } from '../project/project-config.js';

/** The trees checked. */
type CheckedTree = 'models' | 'seeds' | 'sources' | 'data_tests' | 'unit_tests';

/** What a path under each tree names, for hints. */
const NAMED: Record<CheckedTree, { what: string; plural: string }> = {
  models: { what: 'folder or model', plural: 'models' },
  seeds: { what: 'folder or seed', plural: 'seeds' },
  sources: { what: 'source or table', plural: 'sources' },
  data_tests: { what: 'folder or data test', plural: 'data tests' },
  unit_tests: { what: 'folder, model or unit test', plural: 'unit tests' },
};

export class ConfigPathUse {
  /** Tree levels (the objects of the parsed YAML) some resource's fqn passes through. */
  readonly #used = new Set<object>();
  /** Every fqn noted, by tree: only read to suggest a path when one is unused. */
  readonly #fqns: Record<CheckedTree, string[][]> = { models: [], seeds: [], sources: [], data_tests: [], unit_tests: [] };

  /** The trees with a path to check (most projects have one or two): the others note nothing. */
  readonly #checked: Record<CheckedTree, boolean>;

  constructor(readonly config: ProjectConfig) {
    const hasPaths = (tree: ConfigTree) => Object.entries(tree).some(([k, v]) => !isConfigKey(k, v) && v !== null);
    this.#checked = {
      models: hasPaths(config.trees.models), seeds: hasPaths(config.trees.seeds), sources: hasPaths(config.trees.sources),
      data_tests: hasPaths(config.trees.data_tests), unit_tests: hasPaths(config.trees.unit_tests),
    };
  }

  /** A resource of `tree` (disabled or not) with this fqn, `[project, ...folders, name]`. */
  note(tree: CheckedTree, fqn: string[]): void {
    if (!this.#checked[tree]) return;
    this.#fqns[tree].push(fqn);
    let level: unknown = this.config.trees[tree];
    for (const part of fqn) {
      const next = (level as ConfigTree)[part];
      if (!next || typeof next !== 'object' || Array.isArray(next)) return;
      this.#used.add(next);
      level = next;
    }
  }

  /** One warning per path holding config that no resource's fqn starts with. */
  warnings(): StrataError[] {
    const warnings: StrataError[] = [];
    for (const tree of Object.keys(NAMED) as CheckedTree[]) {
      const treeKey = this.config.treeKeys[tree];
      forEachTreeLevel(this.config.trees[tree], (path, configKeys, level) => {
        if (!path.length || !configKeys.length || this.#used.has(level)) return;
        warnings.push(new StrataError('CONFIG', `configuration path ${[treeKey, ...path].join('.')} applies to no resource: its config is unused`, {
          location: this.config.locator.locate([treeKey, ...path], true),
          hint: this.#hint(tree, treeKey, path),
        }));
      });
    }
    return warnings;
  }

  /** What the first part of `path` that no fqn has should perhaps be. */
  #hint(tree: CheckedTree, treeKey: string, path: string[]): string {
    let prefix = this.#fqns[tree];
    let depth = 0;
    for (; depth < path.length; depth++) {
      const matching = prefix.filter((fqn) => fqn[depth] === path[depth]);
      if (!matching.length) break;
      prefix = matching;
    }
    const part = path[depth]!;
    if (depth === 0) {
      return prefix.length ? `the project is named '${this.config.name}', not '${part}'` : `the project has no ${NAMED[tree].plural}`;
    }
    const parent = [treeKey, ...path.slice(0, depth)].join('.');
    const there = [...new Set(prefix.map((fqn) => fqn[depth]).filter((p): p is string => p !== undefined))].sort();
    if (!there.length) return `${parent} is one resource: nothing is under it`;
    const under = `no ${NAMED[tree].what} '${part}' under ${parent}`;
    const meant = didYouMean(part, there);
    if (meant) return `${under}: did you mean '${meant}'?`;
    return `${under} (there: ${there.slice(0, 10).join(', ')}${there.length > 10 ? ', ...' : ''})`;
  }
}
