/**
 * First pass over a seed: header -> column names, then every row through the TypeTracker.
 * Only per-column state is kept, so memory does not grow with the file.
 */
import { checkIdentifierLength } from '../adapters/postgres/index.js';
import { StrataError } from '../errors/strata-error.js';
import { TypeTracker } from './infer-types.js';
import { readCsvRecords, type CsvSourceOptions } from './csv-source.js';

export interface SeedColumn {
  /** Column name in the table (after quote_columns folding). */
  name: string;
  /** SQL type: inferred, or the column_types override verbatim. */
  type: string;
  /** The name as written in the CSV header. */
  header: string;
  /** True when the type came from column_types. */
  overridden: boolean;
}

export interface SeedSchemaOptions extends CsvSourceOptions {
  /** dbt's column_types: header name -> SQL type (exact, case-sensitive match, as in dbt). */
  columnTypes?: Record<string, string>;
  /** dbt's quote_columns; dbt-postgres' default (undefined) is to quote, keeping names as written. */
  quoteColumns?: boolean;
}

export interface SeedSchema {
  columns: SeedColumn[];
  /** Data rows (the header excluded). */
  rows: number;
  /** Things worth telling the user that do not stop the load (unknown column_types keys). */
  warnings: string[];
}

function loadError(message: string, file: string, opts: CsvSourceOptions, hint: string): StrataError {
  return new StrataError('LOAD', message, {
    location: { file: opts.displayFile ?? file, line: 1, column: 0 },
    ...(opts.nodeId ? { nodeId: opts.nodeId } : {}),
    hint,
  });
}

/**
 * The table column for a header name. dbt-postgres quotes seed columns unless quote_columns is
 * false; then it writes them unquoted and PostgreSQL folds ASCII upper case to lower case. strata
 * always quotes (so names with spaces or reserved words work either way) and folds like the
 * server would when quote_columns is false.
 */
export function seedColumnName(header: string, quoteColumns: boolean | undefined): string {
  return quoteColumns === false ? header.replace(/[A-Z]+/g, (s) => s.toLowerCase()) : header;
}

export function columnsFromHeader(header: readonly string[], file: string, opts: SeedSchemaOptions): SeedColumn[] {
  const seen = new Map<string, number>();
  return header.map((raw, i) => {
    const name = seedColumnName(raw, opts.quoteColumns);
    if (name.trim() === '') {
      throw loadError(`header column ${i + 1} has no name`, file, opts, 'give every column a name in the first line of the file');
    }
    const tooLong = checkIdentifierLength(name);
    if (tooLong) throw loadError(`column name too long: ${tooLong}`, file, opts, 'shorten the header name');
    const previous = seen.get(name);
    if (previous !== undefined) {
      const folded = name !== raw || header[previous] !== name ? ' (after folding to lower case: quote_columns is false)' : '';
      throw loadError(`duplicate column name "${name}" in header columns ${previous + 1} and ${i + 1}${folded}`, file, opts, 'column names must be unique');
    }
    seen.set(name, i);
    const override = opts.columnTypes && Object.hasOwn(opts.columnTypes, raw) ? opts.columnTypes[raw] : undefined;
    if (override !== undefined && (typeof override !== 'string' || override.trim() === '')) {
      throw loadError(`column_types for "${raw}" must be a SQL type name`, file, opts, 'e.g. column_types: {zip: text, amount: numeric(12,2)}');
    }
    return { name, header: raw, type: override ?? 'text', overridden: override !== undefined };
  });
}

function unknownOverrides(header: readonly string[], columnTypes: Record<string, string> | undefined): string[] {
  const names = new Set(header);
  return Object.keys(columnTypes ?? {})
    .filter((k) => !names.has(k))
    .map((k) => {
      const caseMatch = header.find((h) => h.toLowerCase() === k.toLowerCase());
      const hint = caseMatch !== undefined ? ` (did you mean "${caseMatch}"? names are case-sensitive)` : '';
      return `column_types names "${k}", which is not a column of the seed${hint}; it is ignored`;
    });
}

/** Reads the whole file once: column names and types, and the number of data rows. */
export async function inferSeedSchema(file: string, opts: SeedSchemaOptions = {}): Promise<SeedSchema> {
  let columns: SeedColumn[] | undefined;
  let header: string[] = [];
  let tracker: TypeTracker | undefined;
  let rows = 0;
  for await (const record of readCsvRecords(file, opts)) {
    if (tracker === undefined) {
      // Validate the header before scanning a possibly huge file.
      header = record;
      columns = columnsFromHeader(record, file, opts);
      tracker = new TypeTracker(record.length, columns.map((c) => c.overridden));
      continue;
    }
    tracker.add(record);
    rows += 1;
  }
  if (columns === undefined || tracker === undefined) {
    throw loadError('seed file is empty', file, opts, 'the first line must name the columns (a header-only file loads an empty table)');
  }
  const inferred = tracker.types();
  for (const [i, c] of columns.entries()) if (!c.overridden) c.type = inferred[i] as string;
  return { columns, rows, warnings: unknownOverrides(header, opts.columnTypes) };
}
