/**
 * A COPY the server rejected -> a LOAD error at the seed file's line, naming the column. The
 * server's error CONTEXT (`COPY t, line 3, column amount: "abc"`) counts what it was sent, so
 * each way of feeding COPY brings its own `locate` to turn that count into the file's row and line.
 */
import { isDbError } from '../adapters/postgres/index.js';
import { StrataError, type SourceLocation } from '../errors/strata-error.js';
import type { LoadSeedOptions } from './load-seed.js';
import type { RowLocation } from './locate-row.js';
import type { SeedColumn } from './seed-schema.js';

/** Where a seed error points: the file as the user knows it, the line, the node. */
export function seedOrigin(opts: Pick<LoadSeedOptions, 'file' | 'displayFile' | 'nodeId'>, line: number): { location: SourceLocation; nodeId?: string } {
  return {
    location: { file: opts.displayFile ?? opts.file, line, column: 0 },
    ...(opts.nodeId ? { nodeId: opts.nodeId } : {}),
  };
}

/** The first CONTEXT line of a COPY error: `COPY t, line 3, column amount: "abc"`, or `COPY t, line 3: "..."`. */
const COPY_CONTEXT = /^COPY .*?, line (\d+)(?:, column (.*?))?(?:: .*)?$/m;

/** The data row and the file line it starts on for COPY's "line n". */
export type LocateCopyLine = (copyLine: number) => Promise<RowLocation>;

/** Returns the error to throw: a LOAD StrataError for a rejected row, anything else unchanged. */
export async function copyError(err: unknown, opts: LoadSeedOptions, columns: readonly SeedColumn[], locate: LocateCopyLine): Promise<unknown> {
  if (!isDbError(err)) return err;
  const m = COPY_CONTEXT.exec(err.fields.where ?? '');
  if (!m) return err;
  const { row, line } = await locate(Number(m[1]));
  const column = columns.find((c) => c.name === m[2]);
  const what = column ? `column "${column.header}" (${column.type})` : m[2] !== undefined ? `column "${m[2]}"` : 'row';
  const hint = column?.overridden
    ? `the value does not fit the column_types override "${column.type}"; fix the value or the type`
    : column
      ? `strata inferred ${column.type} from the file; set column_types for "${column.header}" to load it differently`
      : undefined;
  return new StrataError('LOAD', `${what}, data row ${row}: ${err.message}`, {
    ...seedOrigin(opts, line),
    ...(hint ? { hint } : {}),
    details: err.details,
    cause: err,
  });
}
