/**
 * The rows of a `given` input or of `expect`, in dbt's three formats:
 *
 *   rows: [{id: 1, name: a}]                 format: dict (the default)
 *   format: csv, rows: "id,name\n1,a"        CSV text with a header line
 *   format: sql, rows: "select 1 as id"      a query returning every column
 *
 * or, with `fixture: name`, the same text read from `<test-path>/fixtures/**\/name.csv|.sql`.
 * CSV values are strings; empty and `null` (any case) are NULL, as in seeds. Fields are trimmed.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { isNullValue } from '../../seeds/infer-types.js';
import type { GivenRow } from './values.js';

export interface RowsSpec {
  rows?: unknown;
  format?: string;
  fixture?: string;
}

export type ParsedRows =
  | { format: 'dict' | 'csv'; columns: string[]; rows: GivenRow[] }
  | { format: 'sql'; sql: string };

/** A unit test definition problem (the caller adds which unit test and which input). */
export class FixtureError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = 'FixtureError';
  }
}

/** Parses CSV text (header line first) into column names and rows. */
export function parseCsvRows(text: string): { columns: string[]; rows: GivenRow[] } {
  let records: string[][];
  try {
    records = parseCsv(text, { trim: true, skip_empty_lines: true, bom: true }) as string[][];
  } catch (e) {
    throw new FixtureError(`invalid CSV: ${(e as Error).message}`, 'the first line names the columns; quote values that contain commas');
  }
  const [header, ...body] = records;
  if (!header) return { columns: [], rows: [] };
  const seen = new Set<string>();
  for (const h of header) {
    if (h === '') throw new FixtureError('invalid CSV: a column in the header line has no name');
    if (seen.has(h)) throw new FixtureError(`invalid CSV: column '${h}' appears twice in the header line`);
    seen.add(h);
  }
  const rows = body.map((record) => {
    const row: GivenRow = {};
    header.forEach((h, i) => {
      const v = record[i] ?? '';
      row[h] = isNullValue(v) ? null : v;
    });
    return row;
  });
  return { columns: header, rows };
}

/** Checks and normalises `format: dict` rows: a list of mappings; columns in order of appearance. */
export function dictRows(rows: unknown): { columns: string[]; rows: GivenRow[] } {
  if (rows === undefined || rows === null) return { columns: [], rows: [] };
  if (!Array.isArray(rows)) {
    throw new FixtureError(`rows must be a list of mappings (format: dict), got ${typeof rows === 'string' ? 'a string' : typeof rows}`,
      typeof rows === 'string' ? 'for CSV text add `format: csv`, for a query `format: sql`' : 'write rows: [{column: value, ...}, ...]');
  }
  const columns: string[] = [];
  const seen = new Set<string>();
  const out = rows.map((r, i) => {
    if (!r || typeof r !== 'object' || Array.isArray(r)) {
      throw new FixtureError(`row ${i + 1} is not a mapping of column to value`, 'write rows: [{column: value, ...}, ...]');
    }
    for (const k of Object.keys(r)) {
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
    }
    return r as GivenRow;
  });
  return { columns, rows: out };
}

/** Finds `<name>.<ext>` under each `<test-path>/fixtures/` (any depth); undefined if none. */
export function findFixture(projectDir: string, testPaths: string[], name: string, ext: 'csv' | 'sql'): string | undefined {
  const wanted = `${name}.${ext}`;
  const walk = (dir: string): string | undefined => {
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      return undefined;
    }
    if (entries.includes(wanted) && statSync(join(dir, wanted)).isFile()) return join(dir, wanted);
    for (const e of entries) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) {
        const found = walk(p);
        if (found) return found;
      }
    }
    return undefined;
  };
  for (const tp of testPaths) {
    const root = join(projectDir, tp, 'fixtures');
    if (!existsSync(root)) continue;
    const found = walk(root);
    if (found) return found;
  }
  return undefined;
}

export interface FixtureSource {
  projectDir: string;
  testPaths: string[];
}

/** Reads a rows spec in any format into rows (dict/csv) or a query (sql). */
export function parseRowsSpec(spec: RowsSpec, fixtures: FixtureSource): ParsedRows {
  const format = spec.format ?? (spec.fixture !== undefined ? undefined : 'dict');
  if (format !== undefined && format !== 'dict' && format !== 'csv' && format !== 'sql') {
    throw new FixtureError(`unknown format '${String(format)}'`, 'use format: dict (the default), csv or sql');
  }
  let text: unknown = spec.rows;
  let resolved = format;
  if (spec.fixture !== undefined) {
    if (spec.rows !== undefined) throw new FixtureError('has both rows and fixture', 'keep one of them');
    if (format === 'dict') throw new FixtureError(`fixture '${spec.fixture}' needs format: csv or format: sql (dict rows cannot come from a file)`);
    const exts: Array<'csv' | 'sql'> = format ? [format] : ['csv', 'sql'];
    let path: string | undefined;
    for (const ext of exts) {
      path = findFixture(fixtures.projectDir, fixtures.testPaths, spec.fixture, ext);
      if (path) {
        resolved = ext;
        break;
      }
    }
    if (!path) {
      const where = fixtures.testPaths.map((tp) => `${tp}/fixtures/**/${spec.fixture}.${exts.join('|')}`).join(', ');
      throw new FixtureError(`fixture '${spec.fixture}' not found (looked for ${where})`);
    }
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new FixtureError(`fixture ${relative(fixtures.projectDir, path)} cannot be read: ${(e as Error).message}`);
    }
  }
  if (resolved === 'dict') return { format: 'dict', ...dictRows(text) };
  if (resolved === 'csv') {
    if (text === undefined || text === null) return { format: 'csv', columns: [], rows: [] };
    if (typeof text !== 'string') throw new FixtureError('format: csv needs rows as CSV text', 'write rows: | followed by a header line and one line per row');
    return { format: 'csv', ...parseCsvRows(text) };
  }
  if (typeof text !== 'string' || text.trim() === '') {
    throw new FixtureError('format: sql needs rows as a query', "write rows: select 1 as id, 'a' as name union all ...");
  }
  return { format: 'sql', sql: text.trim().replace(/;\s*$/, '') };
}
