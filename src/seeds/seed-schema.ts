/**
 * First pass over a seed: header -> column names, then every value classified, and the plan for
 * pass 2. Only per-column state is kept, so memory does not grow with the file.
 *
 * The byte scanner (csv-scan.ts) reads the file first. When it gives up on the file's shape,
 * csv-parse reads it instead, exactly as before the scanner existed, and reports any problem at
 * its line; the load then re-encodes the rows.
 */
import { checkIdentifierLength } from '../adapters/postgres/index.js';
import { StrataError } from '../errors/strata-error.js';
import { CsvScanReader } from './csv-scan.js';
import { Kind, kindToType, TypeTracker } from './infer-types.js';
import { checkDelimiter, csvError, readCsvRecords, type CsvSourceOptions } from './csv-source.js';

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

/**
 * How pass 2 gets the rows into COPY. `raw`: the file's bytes [start, end) go to
 * `COPY ... (FORMAT csv, HEADER)` as they are (raw-csv-copy.ts). `reencode`: csv-parse reads the
 * file again and every row is re-encoded (copy-encoding.ts); `reason` says what the raw bytes
 * would have got wrong, or why the scanner could not read the file.
 */
export type CopyPlan = { kind: 'raw'; start: number; end: number; crlf: boolean; delimiter: string } | { kind: 'reencode'; reason: string };

export interface SeedSchema {
  columns: SeedColumn[];
  /** Data rows (the header excluded). */
  rows: number;
  /** Things worth telling the user that do not stop the load (unknown column_types keys). */
  warnings: string[];
  copy: CopyPlan;
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

/**
 * Pass 1, in steps: `start` reads the first chunk (the header is validated there, before a
 * possibly huge file is scanned), `current` is the schema the values scanned so far give,
 * `finish` scans the rest. overlapped-load.ts streams the scanned bytes to COPY in between.
 */
export class SeedSchemaScan {
  private columns: SeedColumn[] = [];
  /** Undefined when the byte scanner cannot read this delimiter. */
  reader: CsvScanReader | undefined;

  private constructor(
    private readonly file: string,
    private readonly opts: SeedSchemaOptions,
    private readonly delimiter: string,
  ) {}

  static async start(file: string, opts: SeedSchemaOptions = {}): Promise<SeedSchemaScan> {
    const delimiter = checkDelimiter(opts.delimiter, opts);
    const scan = new SeedSchemaScan(file, opts, delimiter);
    if (delimiter.length !== 1 || delimiter.charCodeAt(0) >= 0x80) return scan;
    try {
      scan.reader = await CsvScanReader.open(file, delimiter.charCodeAt(0), (header) => scan.onHeader(header));
      await scan.reader.step();
      return scan;
    } catch (err) {
      await scan.close();
      throw csvError(err, file, opts);
    }
  }

  /** Validates the header and returns the columns that column_types forces (not classified). */
  private onHeader(header: string[]): boolean[] {
    this.columns = columnsFromHeader(header, this.file, this.opts);
    return this.columns.map((c) => c.overridden);
  }

  /** The schema of the values scanned so far; undefined when the scanner gave up (csv-parse must read the file). */
  current(): SeedSchema | undefined {
    const scan = this.reader?.result();
    if (scan === undefined || 'gaveUp' in scan) return undefined;
    const columns = this.columns.map((c, i) => (c.overridden ? { ...c } : { ...c, type: kindToType(scan.kinds[i] as Kind) }));
    // Typed values are sent trimmed (agate strips them); the raw bytes would keep the blanks.
    const padded = columns.find((c, i) => scan.padded[i] && !c.overridden && c.type !== 'text');
    const reason = scan.reencode ?? (padded ? `a value with blanks around it in ${padded.type} column "${padded.header}"` : undefined);
    return {
      columns,
      rows: scan.rows,
      warnings: unknownOverrides(scan.header, this.opts.columnTypes),
      copy: reason !== undefined ? { kind: 'reencode', reason } : { kind: 'raw', start: scan.start, end: scan.end, crlf: scan.crlf, delimiter: this.delimiter },
    };
  }

  /** Scans the rest of the file: the final schema. */
  async finish(): Promise<SeedSchema> {
    const { reader, file, opts } = this;
    try {
      while (reader && !reader.done) await reader.step();
    } catch (err) {
      throw csvError(err, file, opts);
    }
    const schema = this.current();
    if (schema) return schema;
    const scan = reader?.result();
    const reason = scan && 'gaveUp' in scan ? scan.gaveUp : 'the delimiter is not a single ASCII character';
    return { ...(await inferWithCsvParse(file, opts)), copy: { kind: 'reencode', reason } };
  }

  async close(): Promise<void> {
    await this.reader?.close();
  }
}

/** Reads the whole file once: column names and types, the number of data rows, the COPY plan. */
export async function inferSeedSchema(file: string, opts: SeedSchemaOptions = {}): Promise<SeedSchema> {
  const scan = await SeedSchemaScan.start(file, opts);
  try {
    return await scan.finish();
  } finally {
    await scan.close();
  }
}

/** The same inference with csv-parse, for files the scanner gives up on. */
async function inferWithCsvParse(file: string, opts: SeedSchemaOptions): Promise<Omit<SeedSchema, 'copy'>> {
  let columns: SeedColumn[] | undefined;
  let header: string[] = [];
  let tracker: TypeTracker | undefined;
  let rows = 0;
  for await (const record of readCsvRecords(file, opts)) {
    if (tracker === undefined) {
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
