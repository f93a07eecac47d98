/**
 * What of a `load:` block decides the rows a file gives: how its bytes are split into fields
 * (format, delimiter, quote, header, encoding), which values are NULL, the columns, and which
 * lines are bad (`min_columns`, `extra_columns`). The ledger records this fingerprint with every
 * load, so a file whose bytes did not change but that the block now reads differently (a null
 * value added, a trailing field now dropped) is loaded again (reason `reread`) instead of keeping
 * rows read the old way: a changed block never leaves stale rows behind silently.
 *
 * Not in it: which files (`files`, `members`: discovery), how a changed file is written (`key`),
 * and how many bad rows fail a file (`on_bad_row`, `max_bad_rows`: a file that failed under them
 * has no 'loaded' entry and loads again anyway). The null values are a set (their order reads the
 * same rows).
 */
import { createHash } from 'node:crypto';
import type { LoadSpec } from './types.js';

export function readFingerprint(spec: LoadSpec): string {
  const reading = {
    format: spec.format,
    delimiter: spec.delimiter,
    quote: spec.quote,
    header: spec.header,
    encoding: spec.encoding,
    nullValues: [...new Set(spec.nullValues)].sort(),
    columns: spec.columns,
    minColumns: spec.minColumns,
    extraColumns: spec.extraColumns,
  };
  return createHash('sha1').update(JSON.stringify(reading)).digest('hex');
}
