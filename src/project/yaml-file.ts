/**
 * YAML with positions. Property files are parsed with js-yaml (fast, ~1.6x the `yaml` package on
 * many small files); positions are recovered with the `yaml` package only when an error has to
 * point at a line, which keeps the common, error-free parse fast.
 */
import {
  boolYaml11Tag, CORE_SCHEMA, defineScalarTag, floatYaml11Tag, intCoreTag, intYaml11Tag, load as loadYaml, mergeTag, NOT_RESOLVED, timestampTag, YAML11_SCHEMA,
} from 'js-yaml';
import { createRequire } from 'node:module';
import type { LineCounter as LineCounterType, Node as YamlNode, parseDocument as ParseDocument } from 'yaml';
import { StrataError, type SourceLocation } from '../errors/strata-error.js';
import { holdsExactly, inexactIntError, PyFloat } from '../template/python-float.js';

export type YamlPath = ReadonlyArray<string | number>;

/** An integer no double holds exactly (past 2^53), as YAML wrote it: reported by parseYaml. */
class InexactInt {
  constructor(readonly digits: string) {}
}

/** Counts the InexactInts made, so that a parse that made none need not look for them. */
let inexactMade = 0;

/** The int tag, with an integer past 2^53 that a double would round made an InexactInt. */
function exactInts(tag: typeof intCoreTag, exactly: (source: string) => bigint) {
  return defineScalarTag(tag.tagName, {
    ...tag,
    resolve: (source, isExplicit, tagName) => {
      const n = tag.resolve(source, isExplicit, tagName);
      if (n === NOT_RESOLVED || Number.isSafeInteger(n)) return n;
      const exact = exactly(source);
      if (holdsExactly(n, exact)) return n;
      inexactMade++;
      return new InexactInt(exact.toString());
    },
  });
}

/** YAML 1.2's core schema (property files), with exact integers. */
const CORE = CORE_SCHEMA.withTags(exactInts(intCoreTag, (source) => {
  const text = source.replace(/^\+/, '');
  return text.startsWith('-') ? -BigInt(text.slice(1)) : BigInt(text);
}));

/**
 * project.yml and --vars as dbt reads dbt_project.yml and --vars: PyYAML's YAML 1.1 scalars, so a
 * dbt project's vars mean what they meant there (`flag: off` is false, not the text 'off', which
 * `{% if var('flag') %}` takes as true; `010` is 8, `1e3` is text, `1:30` is 90; `<<` merges),
 * with Python's numbers: a float whose value is whole (`1.0`) is a PyFloat, which templates print
 * as `1.0` where a JavaScript number prints `1` (`amount / {{ var('divisor') }}` with
 * `divisor: 100.0` must stay numeric division), and an integer past 2^53 that a double would
 * round is an InexactInt, reported. Unlike PyYAML, dates and timestamps stay text (they print the
 * same); as in PyYAML, `y` / `n` are text (js-yaml's YAML 1.1 has them booleans).
 */
const AS_PYYAML = YAML11_SCHEMA.withTags(
  mergeTag,
  defineScalarTag(boolYaml11Tag.tagName, {
    ...boolYaml11Tag,
    resolve: (source, isExplicit, tagName) => (/^[yYnN]$/.test(source) ? NOT_RESOLVED : boolYaml11Tag.resolve(source, isExplicit, tagName)),
  }),
  exactInts(intYaml11Tag, yaml11Integer),
  defineScalarTag(floatYaml11Tag.tagName, {
    ...floatYaml11Tag,
    resolve: (source, isExplicit, tagName) => {
      const n = floatYaml11Tag.resolve(source, isExplicit, tagName);
      return n !== NOT_RESOLVED && Number.isInteger(n) ? new PyFloat(n) : n;
    },
    identify: (data: unknown) => data instanceof PyFloat || floatYaml11Tag.identify(data),
  }),
  defineScalarTag(timestampTag.tagName, { ...timestampTag, implicit: false, resolve: (source) => source }),
);

/** A YAML 1.1 integer's exact value: `0x`, `0b`, `0` octal, `_` between digits, base 60 (`1:30`). */
function yaml11Integer(source: string): bigint {
  const text = source.replace(/_/g, '');
  const sign = text.startsWith('-') ? -1n : 1n;
  const digits = text.replace(/^[-+]/, '');
  if (digits.includes(':')) return sign * digits.split(':').reduce((total, part) => total * 60n + BigInt(part), 0n);
  if (/^0[0-7]+$/.test(digits)) return sign * BigInt(`0o${digits.slice(1)}`);
  return sign * BigInt(digits);
}

/**
 * Parses YAML text; a syntax error becomes StrataError('YAML') with the exact position, and an
 * integer past 2^53 that a double would round StrataError('CONFIG') at its position
 * (inexactIntError: never a neighbouring number, in a test's `values:` or a var). `asPyYaml`: read as dbt reads its project file (see
 * AS_PYYAML); else YAML 1.2's core schema.
 */
export function parseYaml(file: string, text: string, options: { asPyYaml?: boolean } = {}): unknown {
  const made = inexactMade;
  let value: unknown;
  try {
    value = loadYaml(text, { filename: file, json: true, schema: options.asPyYaml ? AS_PYYAML : CORE });
  } catch (e) {
    const mark = (e as { mark?: { line: number; column: number } }).mark;
    const reason = (e as { reason?: string }).reason ?? (e as Error).message;
    throw new StrataError('YAML', `invalid YAML: ${reason}`, {
      location: { file, line: mark ? mark.line + 1 : 0, column: mark ? mark.column + 1 : 0 },
      hint: 'check indentation and quoting (values containing ": " or starting with { or [ need quotes)',
    });
  }
  const inexact = inexactMade === made ? undefined : inexactInts(value)[0];
  if (inexact) throw new StrataError('CONFIG', inexact.error.message, { location: new YamlLocator(file, text).locate(inexact.path) });
  return value;
}

type YamlModule = typeof import('yaml');
let yamlModule: YamlModule | undefined;
/**
 * The `yaml` package, loaded when first used (it costs ~35 ms at startup): here to find positions
 * for errors, in selectors-file.ts to read selectors.yml, in dbt-builtins.ts for `toyaml`.
 */
export function yamlLib(): YamlModule {
  return (yamlModule ??= createRequire(import.meta.url)('yaml') as YamlModule);
}

/** Where a parsed value holds an InexactInt: each one's path and error. */
function inexactInts(value: unknown, path: YamlPath = []): Array<{ path: YamlPath; error: Error }> {
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
