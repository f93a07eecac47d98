/**
 * Error paths: COPY's "line n" (from its error CONTEXT) -> the seed's data row and the line of
 * the file where that row starts, as an editor numbers lines (a line ends at LF, so a quoted
 * CRLF counts once). The file is read again for this, which is cheaper than keeping a line
 * number per row on the path that succeeds.
 */
import { createReadStream } from 'node:fs';
import { findRow } from './csv-scan.js';
import { locateRecordLine, type CsvSourceOptions } from './csv-source.js';
import type { RawCopyPlan } from './raw-csv-copy.js';

export interface RowLocation {
  /** Data row, 1-based (the header is not a row). */
  row: number;
  /** Line of the file where the row starts; 0 when it cannot be told. */
  line: number;
}

/** 1 + the LFs in file[0, offset). */
async function lineAt(file: string, offset: number): Promise<number> {
  let line = 1;
  if (offset <= 0) return line;
  for await (const chunk of createReadStream(file, { end: offset - 1, highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) line++;
  }
  return line;
}

/**
 * For the raw file in CSV COPY. PostgreSQL counts the header as line 1, one line per row, and
 * also each line break inside a quoted field once it knows the file's line ending (LF files
 * count LF, CRLF files count CR; the header is read before that, and never spans lines here).
 * The first row whose count reaches n is the one it was reading.
 */
export async function locateCsvCopyLine(file: string, copyLine: number, plan: RawCopyPlan): Promise<RowLocation> {
  let count = 1;
  const row = await findRow(file, plan.delimiter.charCodeAt(0), (r) => (count += 1 + (plan.crlf ? r.innerCr : r.innerLf)) >= copyLine);
  return row ? { row: row.index, line: await lineAt(file, row.start) } : { row: Math.max(1, copyLine - 1), line: 0 };
}

/** For re-encoded rows, where COPY's line n is data row n. */
export async function locateReencodedLine(file: string, n: number, opts: CsvSourceOptions): Promise<RowLocation> {
  const delimiter = opts.delimiter ?? ',';
  if (delimiter.length === 1 && delimiter.charCodeAt(0) < 0x80) {
    const row = await findRow(file, delimiter.charCodeAt(0), (r) => r.index === n);
    if (row) return { row: n, line: await lineAt(file, row.start) };
  }
  // A file outside the scanner's shape: csv-parse's count (which counts a quoted CRLF twice).
  return { row: n, line: await locateRecordLine(file, n, opts) };
}
