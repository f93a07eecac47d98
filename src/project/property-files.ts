/**
 * Property files (`*.yml` in dbt's `version: 2` format): descriptions, config, columns and their
 * data tests for models, seeds and sources, plus unit tests. Each file is validated against
 * schema/properties.schema.json; every entry keeps where it came from for later errors.
 */
import type { ColumnInfo, ColumnTestDef } from '../manifest/types.js';
import { StrataError, type SourceLocation } from '../errors/strata-error.js';
import { validateAgainstSchema } from './schema-validation.js';
import { configKeyWarning, configKeyWarnings } from './unknown-config-keys.js';
import { parseYaml, YamlLocator, type YamlPath } from './yaml-file.js';

export interface EntryOrigin {
  file: string;
  path: YamlPath;
  locator: YamlLocator;
}

export interface ModelProperties {
  kind: 'models' | 'seeds';
  name: string;
  description: string;
  config: Record<string, unknown>;
  columns: Record<string, ColumnInfo>;
  /** Model-level tests (no column). */
  tests: ColumnTestDef[];
  origin: EntryOrigin;
}

export interface SourceTableProperties {
  sourceName: string;
  name: string;
  identifier: string;
  schema: string;
  database?: string;
  description: string;
  sourceDescription: string;
  columns: Record<string, ColumnInfo>;
  tests: ColumnTestDef[];
  loadedAtField?: string;
  freshness?: unknown;
  load?: Record<string, unknown>;
  static: boolean;
  config: Record<string, unknown>;
  tags: string[];
  origin: EntryOrigin;
}

export interface UnitTestProperties {
  name: string;
  model: string;
  description: string;
  given: Array<{ input: string; rows?: unknown; format?: string; fixture?: string }>;
  expect: { rows?: unknown; format?: string; fixture?: string };
  overrides?: { vars?: Record<string, unknown>; macros?: Record<string, unknown>; env_vars?: Record<string, unknown> };
  config: Record<string, unknown>;
  origin: EntryOrigin;
}

export interface PropertyFileContents {
  models: ModelProperties[];
  seeds: ModelProperties[];
  sources: SourceTableProperties[];
  unitTests: UnitTestProperties[];
  macros: Array<{ name: string; description: string }>;
}

/** Keys dbt accepts at the top level of a test's arguments that are really config. */
const TEST_CONFIG_KEYS = new Set(['severity', 'tags', 'where', 'limit', 'warn_if', 'error_if', 'store_failures', 'store_failures_as', 'enabled', 'meta', 'fail_calc', 'alias', 'schema', 'database']);

type Obj = Record<string, unknown>;

/**
 * Test definitions are many (30,000 in a large project), so their line numbers are not computed
 * while parsing: `location` holds the file, and `preciseLocation()` finds the line when an error
 * has to be reported.
 */
const testOrigins = new WeakMap<ColumnTestDef, { locator: YamlLocator; path: YamlPath }>();

export function preciseLocation(def: ColumnTestDef): SourceLocation {
  const origin = testOrigins.get(def);
  return origin ? origin.locator.locate(origin.path) : def.location;
}

function parseTest(def: unknown, origin: EntryOrigin, path: YamlPath, warnings: StrataError[]): ColumnTestDef {
  const test = parseTestBody(def, origin.file);
  testOrigins.set(test, { locator: origin.locator, path });
  // Only a key of the test's own `config:` can be unknown (the config keys it takes from the
  // test's top level are known ones). Tests are many and most have no config: an empty loop.
  for (const key in test.config) {
    const warning = configKeyWarning(key, `the config of data test '${test.name}'`, (k) => origin.locator.locate([...path, test.name, 'config', k], true), test.config[key]);
    if (warning) warnings.push(warning);
  }
  return test;
}

function parseTestBody(def: unknown, file: string): ColumnTestDef {
  const location = { file, line: 0, column: 0 };
  if (typeof def === 'string') return { name: def, args: {}, config: {}, location };
  const [name, body] = Object.entries(def as Obj)[0]!;
  const raw = (body ?? {}) as Obj;
  const args: Obj = {};
  const config: Obj = { ...((raw['config'] as Obj | undefined) ?? {}) };
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'config') continue;
    if (k === 'arguments' && v && typeof v === 'object') Object.assign(args, v as Obj);
    else if (k === 'name') config['__name'] = v;
    // A property of the test, as in dbt (not an argument of its macro).
    else if (k === 'description') config['__description'] = v;
    else if (TEST_CONFIG_KEYS.has(k)) config[k] = v;
    else args[k] = v;
  }
  return { name, args, config, location };
}

function parseTests(list: unknown, origin: EntryOrigin, path: YamlPath, warnings: StrataError[]): ColumnTestDef[] {
  if (!Array.isArray(list)) return [];
  return list.map((t, i) => parseTest(t, origin, [...path, i], warnings));
}

function parseColumns(list: unknown, origin: EntryOrigin, path: YamlPath, warnings: StrataError[]): Record<string, ColumnInfo> {
  const out: Record<string, ColumnInfo> = {};
  if (!Array.isArray(list)) return out;
  list.forEach((c: Obj, i) => {
    const name = String(c['name']);
    const testsKey = c['data_tests'] !== undefined ? 'data_tests' : 'tests';
    // By assignment, not `...(data_type)` inside the literal: on Node 20 a literal property after
    // a spread is defined through a slow runtime call, and a project has thousands of columns.
    const column = { name, description: String(c['description'] ?? '') } as ColumnInfo;
    if (c['data_type'] !== undefined) column.data_type = String(c['data_type']);
    column.tests = parseTests(c[testsKey], origin, [...path, i, testsKey], warnings);
    column.meta = (c['meta'] as Obj) ?? {};
    out[name] = column;
  });
  return out;
}

function testsOf(entry: Obj, origin: EntryOrigin, path: YamlPath, warnings: StrataError[]): ColumnTestDef[] {
  const key = entry['data_tests'] !== undefined ? 'data_tests' : 'tests';
  return parseTests(entry[key], origin, [...path, key], warnings);
}

/** Where already-validated documents can be looked up by the file's text (the parse cache). */
export interface DocumentCache {
  get(text: string): unknown;
  set(text: string, doc: unknown): void;
}

export function parsePropertyFile(file: string, text: string, cache?: DocumentCache): { contents?: PropertyFileContents; errors: StrataError[]; warnings: StrataError[] } {
  const locator = new YamlLocator(file, text);
  let doc = cache?.get(text);
  if (doc === undefined) {
    try {
      doc = parseYaml(file, text);
    } catch (e) {
      return { errors: [e as StrataError], warnings: [] };
    }
    if (doc !== null && doc !== undefined) {
      const errors = validateAgainstSchema('properties', doc, locator);
      if (errors.length) return { errors, warnings: [] };
    }
    cache?.set(text, doc ?? null);
  }
  if (doc === null || doc === undefined) return { contents: { models: [], seeds: [], sources: [], unitTests: [], macros: [] }, errors: [], warnings: [] };
  const d = doc as Obj;
  const origin = (path: YamlPath): EntryOrigin => ({ file, path, locator });
  const warnings: StrataError[] = [];
  /** Misspelt keys under `config:` at `path` (what: the resource, as the user names it). */
  const checkConfig = (config: unknown, path: YamlPath, what: string) => {
    if (!config || typeof config !== 'object') return;
    for (const w of configKeyWarnings(config as Record<string, unknown>, `the config of ${what}`, (k) => locator.locate([...path, 'config', k], true))) warnings.push(w);
  };
  const resource = (kind: 'models' | 'seeds') =>
    ((d[kind] as Obj[] | undefined) ?? []).map((m, i): ModelProperties => {
      const o = origin([kind, i]);
      checkConfig(m['config'], [kind, i], `${kind.slice(0, -1)} '${String(m['name'])}'`);
      return {
        kind,
        name: String(m['name']),
        description: String(m['description'] ?? ''),
        config: { ...((m['config'] as Obj) ?? {}), ...(m['meta'] ? { meta: m['meta'] } : {}) },
        columns: parseColumns(m['columns'], o, [kind, i, 'columns'], warnings),
        tests: testsOf(m, o, [kind, i], warnings),
        origin: o,
      };
    });
  const sources: SourceTableProperties[] = [];
  ((d['sources'] as Obj[] | undefined) ?? []).forEach((s, si) => {
    checkConfig(s['config'], ['sources', si], `source '${String(s['name'])}'`);
    ((s['tables'] as Obj[] | undefined) ?? []).forEach((t, ti) => {
      const o = origin(['sources', si, 'tables', ti]);
      checkConfig(t['config'], ['sources', si, 'tables', ti], `source table '${String(s['name'])}.${String(t['name'])}'`);
      const tableConfig = { ...((s['config'] as Obj) ?? {}), ...((t['config'] as Obj) ?? {}) };
      sources.push({
        sourceName: String(s['name']),
        name: String(t['name']),
        identifier: String(t['identifier'] ?? t['name']),
        schema: String(s['schema'] ?? s['name']),
        ...(s['database'] !== undefined ? { database: String(s['database']) } : {}),
        description: String(t['description'] ?? ''),
        sourceDescription: String(s['description'] ?? ''),
        columns: parseColumns(t['columns'], o, ['sources', si, 'tables', ti, 'columns'], warnings),
        tests: testsOf(t, o, ['sources', si, 'tables', ti], warnings),
        ...(t['loaded_at_field'] ?? s['loaded_at_field'] ? { loadedAtField: String(t['loaded_at_field'] ?? s['loaded_at_field']) } : {}),
        ...(t['freshness'] ?? s['freshness'] ? { freshness: t['freshness'] ?? s['freshness'] } : {}),
        ...(t['load'] ? { load: t['load'] as Obj } : {}),
        static: Boolean(t['static'] ?? s['static'] ?? false),
        config: tableConfig,
        tags: [s['tags'], t['tags']].flat().filter((x): x is string => typeof x === 'string'),
        origin: o,
      });
    });
  });
  const unitTests = ((d['unit_tests'] as Obj[] | undefined) ?? []).map((u, i): UnitTestProperties => {
    checkConfig(u['config'], ['unit_tests', i], `unit test '${String(u['name'])}'`);
    return {
      name: String(u['name']),
      model: String(u['model']),
      description: String(u['description'] ?? ''),
      given: (u['given'] as UnitTestProperties['given']) ?? [],
      expect: u['expect'] as UnitTestProperties['expect'],
      ...(u['overrides'] ? { overrides: u['overrides'] as UnitTestProperties['overrides'] } : {}),
      config: (u['config'] as Obj) ?? {},
      origin: origin(['unit_tests', i]),
    };
  });
  const macros = ((d['macros'] as Obj[] | undefined) ?? []).map((m) => ({ name: String(m['name']), description: String(m['description'] ?? '') }));
  const contents = { models: resource('models'), seeds: resource('seeds'), sources, unitTests, macros };
  // Reported in the file's order (models and seeds are read last, from the result's literal).
  if (warnings.length > 1) warnings.sort((x, y) => x.location!.line - y.location!.line);
  return { contents, errors: [], warnings };
}

export function locateEntry(origin: EntryOrigin, ...rest: YamlPath): StrataError['location'] {
  return origin.locator.locate([...origin.path, ...rest]);
}
