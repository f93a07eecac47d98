/**
 * State shared by the parsers of one compile: the project config, the template engine, how vars
 * resolve, the errors collected so far, and the per-node render records the compile pass needs.
 */
import type { StrataError } from '../errors/strata-error.js';
import type { ParseCache } from './parse-cache.js';
import type { ProjectConfig } from '../project/project-config.js';
import type { TemplateEngine } from '../template/template-engine.js';
import { ConfigPathUse } from './unused-config-paths.js';
import { createRenderState, type RelationTarget, type RenderState, type RenderStateInit } from '../template/render-state.js';
import { unboxFloats } from '../template/python-float.js';

/** What the parse pass of one node produced, kept for the compile pass. */
export interface RenderRecord {
  file: string;
  text: string;
  /** Output with relation placeholders. */
  output: string;
  relations: RelationTarget[];
  /** The template read a relation attribute or `execute`: compile must render it again. */
  needsRerender: boolean;
  calledIsIncremental: boolean;
  readExecute: boolean;
  config: Record<string, unknown>;
  /** Unit-test / generic-test nodes rendered by calling a macro rather than a file. */
  render?: (state: RenderState) => string;
}

export class ParseContext {
  readonly errors: StrataError[] = [];
  readonly warnings: StrataError[] = [];
  readonly records = new Map<string, RenderRecord>();
  readonly env: Record<string, string | undefined>;
  /** Per-file render and YAML cache (absent with caching off). */
  cache?: ParseCache;
  /** Part of every render's cache key: the macros' text and the target. */
  renderKeyBase = '';
  /** The inputs' digest (fingerprint.ts), when a worker thread took it during the parse. */
  inputsDigest?: string;
  /** Which project.yml config paths the resources use (unused ones are warnings). */
  readonly configPaths: ConfigPathUse;
  /** --vars, parsed. */
  readonly cliVars: Record<string, unknown>;
  /** Env vars read by nodes that turned out disabled (part of the compile fingerprint: an env var can enable one). */
  readonly disabledEnvRead: Record<string, string | null> = {};

  /** Notes a disabled node's env reads (noteDisabled is called wherever a node is left out for `enabled: false`). */
  noteDisabled(node: { envRead?: Record<string, string | null> }): void {
    if (node.envRead) Object.assign(this.disabledEnvRead, node.envRead);
  }

  constructor(
    readonly config: ProjectConfig,
    readonly engine: TemplateEngine,
    cliVars: Record<string, unknown>,
    env: Record<string, string | undefined>,
  ) {
    this.cliVars = unboxFloats(cliVars) as Record<string, unknown>; // floats that came from another thread
    this.env = env;
    this.configPaths = new ConfigPathUse(config);
  }

  /** dbt's var precedence: --vars, then project vars scoped to this project, then global vars. */
  readonly vars = (name: string): { found: boolean; value?: unknown } => {
    if (Object.prototype.hasOwnProperty.call(this.cliVars, name)) return { found: true, value: this.cliVars[name] };
    const scoped = this.config.vars[this.config.name];
    if (scoped && typeof scoped === 'object' && Object.prototype.hasOwnProperty.call(scoped, name)) {
      return { found: true, value: (scoped as Record<string, unknown>)[name] };
    }
    if (Object.prototype.hasOwnProperty.call(this.config.vars, name)) return { found: true, value: this.config.vars[name] };
    return { found: false };
  };

  newState(init: Omit<RenderStateInit, 'vars' | 'env' | 'target'> & Partial<Pick<RenderStateInit, 'vars'>>): RenderState {
    return createRenderState({ vars: this.vars, env: this.env, target: this.config.target, ...init });
  }
}
