/**
 * YAML with positions. Property files are parsed with js-yaml (fast, ~1.6x the `yaml` package on
 * many small files); positions are recovered with the `yaml` package only when an error has to
 * point at a line, which keeps the common, error-free parse fast.
 */
import { CORE_SCHEMA, defineScalarTag, floatCoreTag, intCoreTag, load as loadYaml, NOT_RESOLVED } from 'js-yaml';
import { createRequire } from 'node:module';
import type { LineCounter as LineCounterType, Node as YamlNode, parseDocument as ParseDocument } from 'yaml';
import { StrataError, type SourceLocation } from '../errors/strata-error.js';
import { holdsExactly, inexactIntError, PyFloat } from '../template/python-float.js';

export type YamlPath = ReadonlyArray<string | number>;

/** An integer no double holds exactly (past 2^53), as YAML wrote it: reported by inexactInts. */
export class InexactInt {
  constructor(readonly digits: string) {}
}

/**
 * YAML's numbers as Python reads them: a float whose value is whole (`1.0`, `1e3`) is a PyFloat,
 * which templates print as `1.0`, where a JavaScript number would print `1`; an integer past 2^53
 * that a double would round is an InexactInt. Used for vars (project.yml's and --vars), which
 * templates print into SQL: `amount / {{ var('divisor') }}` with `divisor: 100.0` must stay
 * numeric division, as in dbt, and `{{ var('min_id') }}` must not print a neighbouring id.
 */
const FLOATS_KEPT = CORE_SCHEMA.withTags(
  defineScalarTag(intCoreTag.tagName, {
    ...intCoreTag,
    resolve: (source, isExplicit, tagName) => {
      const n = intCoreTag.resolve(source, isExplicit, tagName);
      if (n === NOT_RESOLVED || Number.isSafeInteger(n)) return n;
      const exact = BigInt(source.replace(/_/g, ''));
      return holdsExactly(n, exact) ? n : new InexactInt(exact.toString());
    },
  }),
  defineScalarTag(floatCoreTag.tagName, {
    ...floatCoreTag,
    resolve: (source, isExplicit, tagName) => {
      const n = floatCoreTag.resolve(source, isExplicit, tagName);
      return n !== NOT_RESOLVED && Number.isInteger(n) ? new PyFloat(n) : n;
    },
    identify: (data: unknown) => data instanceof PyFloat || floatCoreTag.identify(data),
  }),
);

/**
 * Parses YAML text; a syntax error becomes StrataError('YAML') with the exact position.
 * `keepFloats`: whole floats become PyFloats (see FLOATS_KEPT).
 */
export function parseYaml(file: string, text: string, options: { keepFloats?: boolean } = {}): unknown {
  try {
    return loadYaml(text, { filename: file, json: true, ...(options.keepFloats ? { schema: FLOATS_KEPT } : {}) });
  } catch (e) {
    const mark = (e as { mark?: { line: number; column: number } }).mark;
    const reason = (e as { reason?: string }).reason ?? (e as Error).message;
    throw new StrataError('YAML', `invalid YAML: ${reason}`, {
      location: { file, line: mark ? mark.line + 1 : 0, column: mark ? mark.column + 1 : 0 },
      hint: 'check indentation and quoting (values containing ": " or starting with { or [ need quotes)',
    });
  }
}

type YamlModule = typeof import('yaml');
let yamlModule: YamlModule | undefined;
/** The `yaml` package (35 ms to load) is only needed to find positions for errors: load it then. */
function yamlLib(): YamlModule {
  return (yamlModule ??= createRequire(import.meta.url)('yaml') as YamlModule);
}

/** Where a value parsed with keepFloats holds an InexactInt: each one's path and error. */
export function inexactInts(value: unknown, path: YamlPath = []): Array<{ path: YamlPath; error: Error }> {
  if (value instanceof InexactInt) return [{ path, error: inexactIntError(value.digits, path.length ? ` (${path.join('.')})` : '') }];
  if (Array.isArray(value)) return value.flatMap((v, i) => inexactInts(v, [...path, i]));
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.entries(value).flatMap(([k, v]) => inexactInts(v, [...path, k]));
  }
  return [];
}

/** Positions inside one YAML file, computed on first use. */
export class YamlLocator {
  #doc?: ReturnType<typeof ParseDocument>;
  #lines?: LineCounterType;
  constructor(readonly file: string, readonly text: string) {}

  /** Location of the value at `path` (or of its nearest existing ancestor). */
  locate(path: YamlPath, key = false): SourceLocation {
    const { LineCounter, parseDocument, isMap, isSeq } = yamlLib();
    if (!this.#doc) {
      this.#lines = new LineCounter();
      this.#doc = parseDocument(this.text, { lineCounter: this.#lines, keepSourceTokens: false });
    }
    let node: unknown = this.#doc.contents;
    let keyNode: YamlNode | undefined;
    for (const step of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => String((p.key as { value?: unknown })?.value ?? p.key) === String(step));
        if (!pair) break;
        keyNode = pair.key as YamlNode;
        node = pair.value;
      } else if (isSeq(node) && typeof step === 'number') {
        keyNode = undefined;
        node = node.items[step];
      } else break;
    }
    const target = (key && keyNode) || (node as YamlNode | undefined) || keyNode;
    const offset = target?.range?.[0] ?? 0;
    const pos = this.#lines!.linePos(offset);
    return { file: this.file, line: pos.line, column: pos.col };
  }
}

/** Reads a dotted/indexed ajv-style instance path (`/models/0/name`) into a YamlPath. */
export function pointerToPath(pointer: string): YamlPath {
  if (!pointer) return [];
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}
