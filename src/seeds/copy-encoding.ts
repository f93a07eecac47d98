/**
 * CSV record -> COPY payload.
 *
 * Re-encoding (rather than piping the file to `COPY ... (FORMAT csv)`) is what lets strata apply
 * dbt's null rule (`''` and `null` in any case are NULL, also inside quotes, which PostgreSQL's
 * CSV mode would load as an empty string / the text 'null'), drop the BOM and skipped blank
 * lines, and make COPY's row number equal the CSV record number for error messages.
 *
 * Two encodings exist because both were measured (see README.md); loadSeed uses text format.
 *  - text: fields separated by TAB, NULL as `\N`, and `\`, TAB, LF, CR backslash-escaped.
 *  - csv:  NULL as an unquoted empty field, every other value double-quoted with `""` inside.
 */
import { isNullValue } from './infer-types.js';

export type CopyFormat = 'text' | 'csv';

/** How each column's values are sent: typed columns are trimmed (dbt's casts strip blanks). */
export interface RowEncoding {
  trim: readonly boolean[];
}

const TEXT_SPECIAL = /[\\\t\n\r]/;
const TEXT_SPECIAL_ALL = /[\\\t\n\r]/g;
const TEXT_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

export function escapeCopyText(value: string): string {
  return TEXT_SPECIAL.test(value) ? value.replace(TEXT_SPECIAL_ALL, (c) => TEXT_ESCAPES[c] as string) : value;
}

/** One row in COPY text format, newline included. */
export function encodeTextRow(record: readonly string[], enc: RowEncoding): string {
  let out = '';
  for (let i = 0; i < record.length; i++) {
    if (i > 0) out += '\t';
    const v = record[i] as string;
    if (isNullValue(v)) out += '\\N';
    else out += escapeCopyText(enc.trim[i] ? v.trim() : v);
  }
  return out + '\n';
}

/** One row in COPY csv format (default delimiter, quote and empty-string NULL), newline included. */
export function encodeCsvRow(record: readonly string[], enc: RowEncoding): string {
  let out = '';
  for (let i = 0; i < record.length; i++) {
    if (i > 0) out += ',';
    const v = record[i] as string;
    if (isNullValue(v)) continue;
    const s = enc.trim[i] ? v.trim() : v;
    out += `"${s.includes('"') ? s.replaceAll('"', '""') : s}"`;
  }
  return out + '\n';
}

/** The WITH clause of the COPY statement for a format. */
export function copyOptionsSql(format: CopyFormat): string {
  return format === 'csv' ? ' WITH (FORMAT csv)' : '';
}

const CHUNK_CHARS = 64 * 1024;

/**
 * Data records (the first record, the header, is skipped) -> COPY payload chunks of ~64 KiB:
 * one write per row would cost more in stream overhead than the encoding itself.
 */
export async function* copyChunks(records: AsyncIterable<string[]>, enc: RowEncoding, format: CopyFormat = 'text'): AsyncGenerator<string> {
  const encode = format === 'csv' ? encodeCsvRow : encodeTextRow;
  let header = true;
  let buf = '';
  for await (const record of records) {
    if (header) {
      header = false;
      continue;
    }
    buf += encode(record, enc);
    if (buf.length >= CHUNK_CHARS) {
      yield buf;
      buf = '';
    }
  }
  if (buf.length > 0) yield buf;
}
