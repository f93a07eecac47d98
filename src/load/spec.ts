/**
 * A source's raw `load:` block (verbatim from its property file) -> a validated LoadSpec, or
 * CONFIG errors at the source's YAML entry that name the key (`load.delimiter ...`). Every
 * problem is reported, not only the first. Unknown keys are errors (a typo such as `delimeter`
 * would otherwise silently fall back to the default).
 *
 * Templated values (`{{ var(...) }}`) must be rendered before this runs (by the compiler); an
 * unrendered one is reported as an error rather than used as a path.
 */
import { StrataError } from '../errors/strata-error.js';
import type { SourceNode } from '../manifest/types.js';
import type { LoadSpec } from './types.js';

/** Columns strata adds to every raw table. */
export const META_COLUMNS = ['_file', '_line', '_batch_id', '_loaded_at'] as const;

/** Upper bound of max_bad_rows: bad rows (<= 1 KB each) are held in memory until the file commits. */
export const MAX_BAD_ROWS_LIMIT = 100_000;

const KEYS = [
  'files', 'format', 'delimiter', 'quote', 'header', 'encoding', 'null_values', 'members', 'columns',
  'min_columns', 'extra_columns', 'on_bad_row', 'max_bad_rows', 's3', 'allow_empty', 'key',
];
const S3_KEYS = ['endpoint', 'region', 'force_path_style'];
/** COPY text format refuses these as delimiters (and `\r`, `\n`). */
const FORBIDDEN_DELIMITERS = '\\.abcdefghijklmnopqrstuvwxyz0123456789\r\n';

type Raw = Record<string, unknown>;

class SpecReader {
  readonly errors: StrataError[] = [];
  constructor(
    private readonly node: SourceNode,
    readonly raw: Raw,
  ) {}

  error(key: string, problem: string, hint?: string): void {
    const where = `source ${this.node.sourceName}.${this.node.name}`;
    this.errors.push(
      new StrataError('CONFIG', `${where}: load${key ? `.${key}` : ''} ${problem}`, {
        location: this.node.location,
        nodeId: this.node.uniqueId,
        ...(hint ? { hint } : {}),
      }),
    );
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  string(key: string, fallback: string): string {
    const v = this.raw[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string') this.error(key, `must be a string, got ${JSON.stringify(v)}`);
    return typeof v === 'string' ? v : fallback;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T, aliases: Record<string, T> = {}): T {
    const v = this.raw[key];
    if (v === undefined || v === null) return fallback;
    const s = typeof v === 'string' ? (aliases[v.toLowerCase()] ?? v) : v;
    if (typeof s === 'string' && (allowed as readonly string[]).includes(s)) return s as T;
    this.error(key, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
    return fallback;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.raw[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') this.error(key, `must be true or false, got ${JSON.stringify(v)}`);
    return typeof v === 'boolean' ? v : fallback;
  }

  int(key: string, fallback: number, min: number, max: number): number {
    const v = this.raw[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.error(key, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return v;
  }

  /** A string or a list of strings. */
  strings(key: string): string[] | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    const list = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(list) || list.some((x) => typeof x !== 'string')) {
      this.error(key, `must be a string or a list of strings, got ${JSON.stringify(v)}`);
      return undefined;
    }
    return list as string[];
  }
}

function singleChar(r: SpecReader, key: string, value: string): string | undefined {
  const v = value === '\\t' || value.toLowerCase() === 'tab' ? '\t' : value;
  if (v.length !== 1 || v.charCodeAt(0) > 127) {
    r.error(key, `must be a single ASCII character, got ${JSON.stringify(value)}`);
    return undefined;
  }
  return v;
}

function parseDelimiter(r: SpecReader): string {
  const d = singleChar(r, 'delimiter', r.string('delimiter', '|'));
  if (d === undefined) return '|';
  if (FORBIDDEN_DELIMITERS.includes(d.toLowerCase())) {
    r.error('delimiter', `cannot be ${JSON.stringify(d)} (PostgreSQL COPY does not accept letters, digits, '.', '\\' or line breaks)`);
    return '|';
  }
  return d;
}

function parseQuote(r: SpecReader, delimiter: string): string | null {
  const v = r.raw['quote'];
  if (v === undefined || v === null || v === false || v === '' || v === 'none') return null;
  if (typeof v !== 'string') {
    r.error('quote', `must be a single character or null, got ${JSON.stringify(v)}`);
    return null;
  }
  const q = singleChar(r, 'quote', v);
  if (q === undefined) return null;
  if (q === delimiter || q === '\\' || q === '\n' || q === '\r') {
    r.error('quote', `cannot be ${JSON.stringify(q)} (it must differ from the delimiter, backslash and line breaks)`);
    return null;
  }
  return q;
}

function parseColumns(r: SpecReader, node: SourceNode): string[] {
  const declared = Object.keys(node.columns ?? {});
  const columns = r.strings('columns') ?? declared;
  if (columns.length === 0) {
    r.error('columns', 'is missing: list the raw column names in file order', 'all columns land as text; strata adds _file, _line, _batch_id, _loaded_at');
    return [];
  }
  const seen = new Set<string>();
  for (const c of columns) {
    if (c === '' || c.includes('\0')) r.error('columns', `has an empty or invalid name ${JSON.stringify(c)}`);
    else if (Buffer.byteLength(c) > 63) r.error('columns', `name ${c} is longer than 63 bytes (PostgreSQL's limit)`);
    else if ((META_COLUMNS as readonly string[]).includes(c)) r.error('columns', `cannot use ${c}: strata adds that column itself`);
    else if (seen.has(c)) r.error('columns', `lists ${c} twice`);
    seen.add(c);
  }
  return columns;
}

function parseFiles(r: SpecReader): string[] {
  const files = r.strings('files');
  if (!files || files.length === 0) {
    r.error('files', 'is missing: give a path or glob (relative to the project, absolute, or s3://bucket/prefix/*)');
    return [];
  }
  files.forEach((f, i) => {
    if (f.trim() === '') r.error(`files[${i}]`, 'is empty');
    if (/\{\{|\{%/.test(f)) r.error(`files[${i}]`, `is an unrendered template: ${f}`, 'templated load: values must be rendered by the compiler before loading');
  });
  return files;
}

function parseNullValues(r: SpecReader, delimiter: string): string[] {
  const values = r.strings('null_values') ?? [''];
  for (const v of values) {
    if (v.includes(delimiter) || /[\r\n\0]/.test(v) || Buffer.byteLength(v) >= 256) {
      r.error('null_values', `cannot contain ${JSON.stringify(v)} (no delimiter or line break, under 256 bytes)`);
    }
  }
  return values;
}

function parseS3(r: SpecReader): LoadSpec['s3'] | undefined {
  const v = r.raw['s3'];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) {
    r.error('s3', 'must be a mapping (endpoint, region, force_path_style)');
    return undefined;
  }
  const s3 = v as Raw;
  for (const k of Object.keys(s3)) if (!S3_KEYS.includes(k)) r.error(`s3.${k}`, `is not a known key (known: ${S3_KEYS.join(', ')})`);
  const out: NonNullable<LoadSpec['s3']> = {};
  if (typeof s3['endpoint'] === 'string') out.endpoint = s3['endpoint'];
  if (typeof s3['region'] === 'string') out.region = s3['region'];
  if (typeof s3['force_path_style'] === 'boolean') out.forcePathStyle = s3['force_path_style'];
  return out;
}

/** Validates `source.load`; `spec` is set only when there are no errors. */
export function parseLoadSpec(source: SourceNode): { spec?: LoadSpec; errors: StrataError[] } {
  const raw = source.load;
  const r = new SpecReader(source, raw && typeof raw === 'object' ? raw : {});
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    r.error('', 'must be a mapping with at least `files` and `columns`');
    return { errors: r.errors };
  }
  for (const k of Object.keys(raw)) if (!KEYS.includes(k)) r.error(k, `is not a known key (known: ${KEYS.join(', ')})`);
  const files = parseFiles(r);
  const format = r.oneOf('format', ['delimited'] as const, 'delimited');
  const delimiter = parseDelimiter(r);
  const columns = parseColumns(r, source);
  const spec: LoadSpec = {
    files,
    format,
    delimiter,
    quote: parseQuote(r, delimiter),
    header: r.bool('header', false),
    encoding: r.oneOf('encoding', ['utf8', 'latin1'] as const, 'utf8', { 'utf-8': 'utf8', utf8: 'utf8', 'latin-1': 'latin1', 'iso-8859-1': 'latin1', latin1: 'latin1' }),
    nullValues: parseNullValues(r, delimiter),
    columns,
    minColumns: r.int('min_columns', columns.length, 1, Math.max(1, columns.length)),
    extraColumns: r.oneOf('extra_columns', ['ignore', 'error'] as const, 'error'),
    onBadRow: r.oneOf('on_bad_row', ['quarantine', 'fail'] as const, 'quarantine'),
    maxBadRows: r.int('max_bad_rows', 100, 0, MAX_BAD_ROWS_LIMIT),
    allowEmpty: r.bool('allow_empty', false),
  };
  if (r.has('members')) spec.members = r.string('members', '');
  const key = r.strings('key');
  if (key) {
    const unknown = key.filter((k) => !columns.includes(k));
    if (key.length === 0) r.error('key', 'is empty: list the columns that identify a row within a file, or leave key out');
    else if (unknown.length) r.error('key', `names ${unknown.join(', ')}, not among the load's columns`, `pick from: ${columns.join(', ')}`);
    else if (new Set(key).size !== key.length) r.error('key', 'lists a column twice');
    else spec.key = key;
  }
  const s3 = parseS3(r);
  if (s3) spec.s3 = s3;
  return r.errors.length > 0 ? { errors: r.errors } : { spec, errors: [] };
}
