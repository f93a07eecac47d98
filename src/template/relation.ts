/**
 * The object `ref()`, `source()` and `this` return in templates, like dbt's Relation: it prints as
 * the quoted relation name and exposes `.schema`, `.identifier` (`.name`, `.table`), `.database`.
 *
 * In the parse pass the relation is not known yet (it depends on the referenced node's config), so
 * it prints a placeholder that the compile pass substitutes textually. Reading an attribute in the
 * parse pass marks the render as needing a second, fully resolved render.
 */
import type { RelationName } from '../manifest/types.js';
import { currentState, placeholder, type RelationTarget } from './render-state.js';

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function relationToSql(r: RelationName): string {
  const parts = r.database ? [r.database, r.schema, r.identifier] : [r.schema, r.identifier];
  return parts.map(quoteIdent).join('.');
}

export class TemplateRelation {
  readonly #index: number;
  readonly #resolved: RelationName | { cte: string } | undefined;
  readonly #fallbackName: string;

  constructor(index: number, resolved: RelationName | { cte: string } | undefined, fallbackName: string) {
    this.#index = index;
    this.#resolved = resolved;
    this.#fallbackName = fallbackName;
  }

  #attr(pick: (r: RelationName) => string | undefined): string | undefined {
    const r = this.#resolved;
    if (r === undefined) {
      currentState().readRelationAttributes = true;
      return this.#fallbackName;
    }
    if ('cte' in r) return r.cte;
    return pick(r);
  }

  get schema(): string | undefined {
    return this.#attr((r) => r.schema);
  }
  get identifier(): string | undefined {
    return this.#attr((r) => r.identifier);
  }
  get name(): string | undefined {
    return this.identifier;
  }
  get table(): string | undefined {
    return this.identifier;
  }
  get database(): string | undefined {
    return this.#attr((r) => r.database);
  }
  get is_table(): boolean {
    return false;
  }
  render(): string {
    return this.toString();
  }
  include(): TemplateRelation {
    return this;
  }
  toString(): string {
    const r = this.#resolved;
    if (r === undefined) return placeholder(this.#index);
    if ('cte' in r) return quoteIdent(r.cte);
    return relationToSql(r);
  }
}

/** Records a reference in the current render and returns its template object. */
export function makeRelation(target: RelationTarget, fallbackName: string): TemplateRelation {
  const state = currentState();
  const index = state.relations.length;
  state.relations.push(target);
  const resolved = state.resolve ? state.resolve(target) : undefined;
  return new TemplateRelation(index, resolved, fallbackName);
}
