/**
 * What one render of one template may see and what it records.
 *
 * nunjucks renders synchronously and strata renders one template at a time per thread, so the
 * context functions (`ref`, `config`, `var`, ...) are installed once as environment globals and
 * read the *current* RenderState from here. That is dbt's "context provider" idea: the same
 * template functions behave differently in the parse pass (ref records an edge and returns a
 * placeholder) and in the compile pass (ref returns the quoted relation).
 */
import type { RelationName } from '../manifest/types.js';

/** Characters that never occur in SQL text; a placeholder is `\u0001<n>\u0002`. */
export const PLACEHOLDER_OPEN = '\u0001';
export const PLACEHOLDER_CLOSE = '\u0002';
export const PLACEHOLDER_RE = /\u0001(\d+)\u0002/g;

export type RelationTarget =
  | { kind: 'ref'; name: string; package?: string; line: number; column: number }
  | { kind: 'source'; source: string; table: string; line: number; column: number }
  | { kind: 'this' };

export interface TargetInfo {
  name: string;
  schema: string;
  type: string;
  threads: number;
  database?: string;
  user?: string;
  host?: string;
  port?: number;
}

export interface RunQueryResult {
  columns: string[];
  rows: Array<Record<string, unknown>>;
  /** Each column's type OID, when the database said. */
  types?: number[];
}

export interface RenderState {
  /** Node being rendered, as the template's `model` variable. */
  nodeName: string;
  uniqueId: string;
  file: string;
  /** Config known before the render (project tree + property file), merged with config() calls. */
  config: Record<string, unknown>;
  /** config() calls in call order (kwargs objects). */
  configCalls: Array<Record<string, unknown>>;
  /** Relations referenced, in call order; placeholders index into this list. */
  relations: RelationTarget[];
  /**
   * Compile pass: resolves a reference to its relation, or undefined in the parse pass (then a
   * placeholder is emitted). May throw a StrataError (unknown ref) which the engine reports.
   */
  resolve?: (target: RelationTarget) => RelationName | { cte: string } | undefined;
  vars: (name: string) => { found: boolean; value?: unknown };
  varsRead: Record<string, unknown>;
  env: Record<string, string | undefined>;
  envRead: Record<string, string | null>;
  target: TargetInfo;
  execute: boolean;
  isIncremental: boolean;
  /** Set when the template reads a value that differs between passes; forces a full re-render. */
  readExecute: boolean;
  readRelationAttributes: boolean;
  calledIsIncremental: boolean;
  logs: Array<{ message: string; info: boolean }>;
  runQuery?: (sql: string) => RunQueryResult;
  /** Macros called (by name), for dependsOn.macros and state:modified. */
  macrosCalled: Set<string>;
  /** Overrides from unit tests: macro name -> value returned instead of calling it. */
  macroOverrides?: Record<string, unknown>;
}

let current: RenderState | undefined;

export function currentState(): RenderState {
  if (!current) throw new Error('strata: template function called outside a render');
  return current;
}

export function withState<T>(state: RenderState, fn: () => T): T {
  const previous = current;
  current = state;
  try {
    return fn();
  } finally {
    current = previous;
  }
}

export function placeholder(index: number): string {
  return `${PLACEHOLDER_OPEN}${index}${PLACEHOLDER_CLOSE}`;
}

export interface RenderStateInit {
  nodeName: string;
  uniqueId: string;
  file: string;
  config?: Record<string, unknown>;
  vars: RenderState['vars'];
  env: RenderState['env'];
  target: TargetInfo;
  execute?: boolean;
  isIncremental?: boolean;
  resolve?: RenderState['resolve'];
  runQuery?: RenderState['runQuery'];
  macroOverrides?: Record<string, unknown>;
}

export function createRenderState(init: RenderStateInit): RenderState {
  // Built by assignment in the order of the fields above (optional ones only when given): on
  // Node 20 a literal property after a spread is defined through a slow runtime call, and there is
  // one state per model and per data test.
  const state = {
    nodeName: init.nodeName,
    uniqueId: init.uniqueId,
    file: init.file,
    config: { ...(init.config ?? {}) },
    configCalls: [],
    relations: [],
  } as unknown as RenderState;
  if (init.resolve) state.resolve = init.resolve;
  state.vars = init.vars;
  state.varsRead = {};
  state.env = init.env;
  state.envRead = {};
  state.target = init.target;
  state.execute = init.execute ?? false;
  state.isIncremental = init.isIncremental ?? false;
  state.readExecute = false;
  state.readRelationAttributes = false;
  state.calledIsIncremental = false;
  state.logs = [];
  if (init.runQuery) state.runQuery = init.runQuery;
  state.macrosCalled = new Set();
  if (init.macroOverrides) state.macroOverrides = init.macroOverrides;
  return state;
}
