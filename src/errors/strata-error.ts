/**
 * The one error type strata raises for anything a user can act on.
 *
 * Every known failure carries a stable `code` (scripts and tests match on it, never on prose),
 * an optional source `location` (file relative to the project root, 1-based line and column),
 * an optional `nodeId` and an optional `hint` that says what to do. Anything that is *not* a
 * StrataError reaching the CLI is a bug in strata and is printed with its stack.
 */

export type ErrorCode =
  | 'CONFIG' // project.yml / property file content is invalid
  | 'YAML' // a YAML file does not parse
  | 'TEMPLATE' // template syntax or render error
  | 'REF_NOT_FOUND' // ref() to an unknown model/seed
  | 'SOURCE_NOT_FOUND' // source() to an unknown source table
  | 'DISABLED_REF' // ref() to a disabled node
  | 'DUPLICATE' // two resources with the same name
  | 'CYCLE' // dependency cycle
  | 'VAR' // var() without a value or default
  | 'SELECTOR' // bad --select / --exclude / selectors.yml
  | 'IDENTIFIER' // relation name too long or otherwise invalid
  | 'USAGE' // bad command-line usage
  | 'IO' // a file cannot be read or written
  | 'DB' // database error while running a node
  | 'CONNECTION' // cannot reach the database
  | 'LOCK' // another run holds the project lock
  | 'LOAD' // raw file loading failed
  | 'TEST' // data test definition error
  | 'INTERNAL';

export interface SourceLocation {
  /** Path relative to the project root (or absolute when outside it). */
  file: string;
  /** 1-based; 0 when unknown. */
  line: number;
  /** 1-based; 0 when unknown. */
  column: number;
}

export interface StrataErrorOptions {
  location?: SourceLocation;
  nodeId?: string;
  hint?: string;
  cause?: unknown;
  /** Extra lines shown under the message (e.g. the cycle path, one step per line). */
  details?: string[];
}

export class StrataError extends Error {
  readonly code: ErrorCode;
  readonly location?: SourceLocation;
  readonly nodeId?: string;
  readonly hint?: string;
  readonly details?: string[];

  constructor(code: ErrorCode, message: string, options: StrataErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StrataError';
    this.code = code;
    if (options.location) this.location = options.location;
    if (options.nodeId) this.nodeId = options.nodeId;
    if (options.hint) this.hint = options.hint;
    if (options.details) this.details = options.details;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      location: this.location,
      nodeId: this.nodeId,
      hint: this.hint,
      details: this.details,
    };
  }
}

/** Several errors reported together (compile collects all of them before failing). */
export class StrataErrors extends Error {
  readonly errors: StrataError[];
  constructor(errors: StrataError[]) {
    super(`${errors.length} error${errors.length === 1 ? '' : 's'}`);
    this.name = 'StrataErrors';
    this.errors = errors;
  }
}

export function isStrataError(e: unknown): e is StrataError {
  return e instanceof StrataError;
}

/** Exit codes shared by every command. */
export const EXIT_OK = 0;
export const EXIT_NODE_FAILURE = 1;
export const EXIT_PROJECT_ERROR = 2;
