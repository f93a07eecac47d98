/**
 * Streaming CSV records out of a seed file, with every problem turned into a StrataError that
 * points at `file:line`.
 *
 * The file is never held in memory: read stream -> UTF-8 check -> csv-parse, consumed as an
 * async iterable. Both seed passes (type inference, then COPY) go through here, and so does the
 * error path that maps a COPY row number back to the CSV line (`locateRecordLine`).
 *
 * Parsing rules (csv-parse): RFC 4180 quoting (fields may hold the delimiter, `""` and line
 * breaks), a UTF-8 BOM is dropped, empty lines are skipped, every row must have as many fields
 * as the header.
 */
import { createReadStream } from 'node:fs';
import { parse, type Options as ParseOptions, type Parser } from 'csv-parse';
import { StrataError } from '../errors/strata-error.js';
import { Utf8Error, Utf8Guard } from './utf8-guard.js';

export interface CsvSourceOptions {
  /** Field separator (dbt's `delimiter` config); default `,`. */
  delimiter?: string;
  /** Path shown in errors, relative to the project root; defaults to the path read. */
  displayFile?: string;
  nodeId?: string;
}

/**
 * An unclosed quote would otherwise make csv-parse buffer the rest of the file as one field;
 * 64 MiB is far above any sane seed cell and still bounds memory.
 */
const MAX_RECORD_CHARS = 64 * 1024 * 1024;

export function checkDelimiter(delimiter: string | undefined, opts: CsvSourceOptions): string {
  const d = delimiter ?? ',';
  if (d.length === 0 || /["\r\n]/.test(d)) {
    throw new StrataError('CONFIG', `invalid seed delimiter ${JSON.stringify(d)}`, {
      ...errorOrigin(opts, 0),
      hint: 'use a single character such as "," ";" "|" or "\\t"; quotes and line breaks cannot separate fields',
    });
  }
  return d;
}

function parserOptions(opts: CsvSourceOptions, extra: ParseOptions = {}): ParseOptions {
  return {
    delimiter: checkDelimiter(opts.delimiter, opts),
    bom: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_CHARS,
    ...extra,
  };
}

/** file -> UTF-8 guard -> parser, with errors of the first two forwarded to the parser. */
function openParser(file: string, options: ParseOptions): { parser: Parser; close: () => void } {
  const source = createReadStream(file, { highWaterMark: 256 * 1024 });
  const guard = new Utf8Guard();
  const parser = parse(options);
  source.on('error', (err) => parser.destroy(err));
  guard.on('error', (err) => parser.destroy(err));
  source.pipe(guard).pipe(parser);
  return {
    parser,
    close: () => {
      source.destroy();
      guard.destroy();
      parser.destroy();
    },
  };
}

/** Yields every record, the header row first. Rejects with a StrataError (LOAD / IO). */
export async function* readCsvRecords(file: string, opts: CsvSourceOptions = {}): AsyncGenerator<string[]> {
  const { parser, close } = openParser(file, parserOptions(opts));
  try {
    for await (const record of parser as AsyncIterable<string[]>) yield record;
  } catch (err) {
    throw csvError(err, file, opts);
  } finally {
    // Runs on early exit too (the COPY failed, the consumer stopped): releases the file handle.
    close();
  }
}

/**
 * The line where data record `n` (1-based, header excluded) starts. Only used after COPY rejected
 * row n, so a third read of the file on that path is cheaper than remembering a line per row.
 * Returns 0 when the file no longer has that many records.
 */
export async function locateRecordLine(file: string, n: number, opts: CsvSourceOptions = {}): Promise<number> {
  const { parser, close } = openParser(file, parserOptions(opts, { info: true }));
  let prevEndLine = 0;
  let prevEmpty = 0;
  let index = -1; // the header is record 0
  try {
    for await (const { info } of parser as AsyncIterable<{ info: { lines: number; empty_lines: number } }>) {
      // info.lines is the line the record *ends* on; it starts right after the previous record
      // and the empty lines skipped since.
      const start = prevEndLine + 1 + (info.empty_lines - prevEmpty);
      index += 1;
      if (index === n) return start;
      prevEndLine = info.lines;
      prevEmpty = info.empty_lines;
    }
    return 0;
  } catch {
    return 0;
  } finally {
    close();
  }
}

function errorOrigin(opts: CsvSourceOptions, line: number, file?: string): { location?: { file: string; line: number; column: number }; nodeId?: string } {
  const shown = opts.displayFile ?? file;
  return {
    ...(shown !== undefined ? { location: { file: shown, line, column: 0 } } : {}),
    ...(opts.nodeId ? { nodeId: opts.nodeId } : {}),
  };
}

interface CsvErrorLike {
  code?: unknown;
  message: string;
  lines?: unknown;
  record?: unknown;
}

const QUOTE_HINT = 'inside a quoted field write a double quote as "" ; a field that contains the delimiter, a quote or a line break must be quoted';

/** csv-parse / fs / UTF-8 failures -> StrataError at file:line. Anything else passes through. */
export function csvError(err: unknown, file: string, opts: CsvSourceOptions): unknown {
  if (err instanceof StrataError) return err;
  if (err instanceof Utf8Error) {
    return new StrataError('LOAD', 'seed file is not valid UTF-8', {
      ...errorOrigin(opts, err.line, file),
      hint: 'save the file as UTF-8 (dbt reads seeds as UTF-8 too)',
      cause: err,
    });
  }
  const e = (err && typeof err === 'object' ? err : { message: String(err) }) as CsvErrorLike;
  const code = typeof e.code === 'string' ? e.code : '';
  if (/^(ENOENT|EACCES|EISDIR|EMFILE|EPERM)$/.test(code)) {
    return new StrataError('IO', `cannot read seed file: ${e.message}`, { ...errorOrigin(opts, 0, file), cause: err });
  }
  if (!code.startsWith('CSV_') && code !== 'INVALID_OPENING_QUOTE') return err;
  const line = typeof e.lines === 'number' ? e.lines : 0;
  if (code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') {
    const fields = Array.isArray(e.record) ? (e.record as string[]) : [];
    // e.lines is where the record ends; a quoted field with line breaks starts earlier.
    const breaks = fields.reduce((n, f) => n + (f.match(/\n/g)?.length ?? 0), 0);
    const expected = /expect (\d+)/.exec(e.message)?.[1] ?? '?';
    return new StrataError('LOAD', `row has ${fields.length} field(s) but the header has ${expected}`, {
      ...errorOrigin(opts, Math.max(1, line - breaks), file),
      hint: `every row needs one value per header column (empty for NULL); ${QUOTE_HINT}`,
      cause: err,
    });
  }
  if (code === 'CSV_QUOTE_NOT_CLOSED') {
    return new StrataError('LOAD', 'a quoted field is never closed (the file ends inside quotes)', {
      ...errorOrigin(opts, line, file),
      hint: 'look for an opening " without its closing " at or before this line',
      cause: err,
    });
  }
  if (code === 'CSV_MAX_RECORD_SIZE') {
    return new StrataError('LOAD', `a row is larger than ${MAX_RECORD_CHARS / 1024 / 1024} MiB; probably an unclosed quote`, {
      ...errorOrigin(opts, line, file),
      hint: QUOTE_HINT,
      cause: err,
    });
  }
  return new StrataError('LOAD', `malformed CSV: ${e.message}`, { ...errorOrigin(opts, line, file), hint: QUOTE_HINT, cause: err });
}
