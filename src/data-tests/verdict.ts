/**
 * From a failure count to pass / warn / fail, with dbt's rules (pure).
 *
 * dbt evaluates `<failures> <warn_if>` and `<failures> <error_if>` as SQL, so any SQL text is
 * accepted there. strata evaluates them itself (the count is already known; no extra query) and so
 * accepts exactly the form everyone writes: a comparison operator and a number (`!=0`, `> 10`,
 * `>=5`, `=0`, `<3`, `<>0`). Anything else is a CONFIG error naming the test, rather than a
 * condition silently read differently from dbt.
 *
 *   severity error: fail when error_if holds, else warn when warn_if holds, else pass
 *   severity warn:  warn when warn_if holds, else pass (error_if is not consulted)
 *   defaults:       severity error, error_if != 0, warn_if != 0
 */
import { StrataError, type SourceLocation } from '../errors/strata-error.js';

export type ConditionOp = '=' | '!=' | '>' | '>=' | '<' | '<=';

export interface Condition {
  op: ConditionOp;
  value: number;
  /** Normalised text for messages: `!= 0`, `> 10`. */
  text: string;
}

export interface VerdictConfig {
  severity: 'error' | 'warn';
  warnIf: Condition;
  errorIf: Condition;
}

export type Verdict = 'pass' | 'warn' | 'fail';

/** Where a bad config came from, so the CONFIG error points at the test. */
export interface ConfigOrigin {
  nodeId?: string;
  location?: SourceLocation;
}

// `<>` is SQL's spelling of `!=`; `==` is not SQL and dbt would reject it, so strata does too.
const CONDITION_RE = /^\s*(<>|!=|>=|<=|=|>|<)\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*$/;

function configError(message: string, origin: ConfigOrigin, hint: string): StrataError {
  return new StrataError('CONFIG', message, {
    ...(origin.nodeId ? { nodeId: origin.nodeId } : {}),
    ...(origin.location ? { location: origin.location } : {}),
    hint,
  });
}

/** Parses `warn_if` / `error_if` text (`">10"`, `"!= 0"`); throws StrataError('CONFIG'). */
export function parseCondition(text: unknown, key: 'warn_if' | 'error_if', origin: ConfigOrigin = {}): Condition {
  const match = typeof text === 'string' ? CONDITION_RE.exec(text) : null;
  if (!match) {
    throw configError(
      `invalid ${key} ${JSON.stringify(text)}${origin.nodeId ? ` on ${origin.nodeId}` : ''}: expected a comparison with a number`,
      origin,
      `write it as an operator and a number, quoted in YAML: ${key}: ">10" (operators: = != <> > >= < <=)`,
    );
  }
  const op = (match[1] === '<>' ? '!=' : match[1]) as ConditionOp;
  const value = Number(match[2]);
  return { op, value, text: `${op} ${value}` };
}

export function holds(c: Condition, failures: number): boolean {
  switch (c.op) {
    case '=': return failures === c.value;
    case '!=': return failures !== c.value;
    case '>': return failures > c.value;
    case '>=': return failures >= c.value;
    case '<': return failures < c.value;
    case '<=': return failures <= c.value;
  }
}

/** Reads severity / warn_if / error_if from a test's config, with dbt's defaults. */
export function verdictConfig(config: { severity?: unknown; warn_if?: unknown; error_if?: unknown }, origin: ConfigOrigin = {}): VerdictConfig {
  const raw = config.severity ?? 'error';
  // dbt accepts any case (`ERROR`, `Warn`).
  const severity = typeof raw === 'string' ? raw.toLowerCase() : raw;
  if (severity !== 'error' && severity !== 'warn') {
    throw configError(`invalid severity ${JSON.stringify(raw)}${origin.nodeId ? ` on ${origin.nodeId}` : ''}`, origin, "severity is 'error' or 'warn'");
  }
  return {
    severity,
    warnIf: parseCondition(config.warn_if ?? '!=0', 'warn_if', origin),
    errorIf: parseCondition(config.error_if ?? '!=0', 'error_if', origin),
  };
}

export function decide(failures: number, cfg: VerdictConfig): Verdict {
  if (cfg.severity === 'error' && holds(cfg.errorIf, failures)) return 'fail';
  if (holds(cfg.warnIf, failures)) return 'warn';
  return 'pass';
}

function rows(n: number): string {
  return `${n} ${n === 1 ? 'row' : 'rows'}`;
}

/** One line for the outcome: `3 rows failed (threshold != 0)`, `pass`. */
export function verdictMessage(failures: number, verdict: Verdict, cfg: VerdictConfig): string {
  if (verdict === 'fail') return `${rows(failures)} failed (threshold ${cfg.errorIf.text})`;
  if (verdict === 'warn') {
    // Say why it is only a warning when severity error was configured with a higher bar.
    const below = cfg.severity === 'error' ? `; error_if ${cfg.errorIf.text} not reached` : '';
    return `${rows(failures)} failed (warn threshold ${cfg.warnIf.text}${below})`;
  }
  if (failures === 0) return 'pass';
  const bars = cfg.severity === 'error' ? `warn_if ${cfg.warnIf.text}, error_if ${cfg.errorIf.text}` : `warn_if ${cfg.warnIf.text}`;
  return `pass: ${rows(failures)} failed, within thresholds (${bars})`;
}
