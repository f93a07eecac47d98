/**
 * The synthetic CSV seed of the `seed` scenario: `orders`, 7 columns, deterministic (mulberry32,
 * same rows and seed → same bytes). 1,000,000 rows are ~64 MB.
 *
 *   order_id      integer   1..rows
 *   customer_id   integer   1..250,000
 *   amount        numeric   0.01..9999.99 (always 2 decimals)
 *   discount      numeric   0.000..0.350 (3 decimals)
 *   order_date    date      2019-01-01 + 0..2,191 days
 *   status        text      one of 6 words
 *   note          text      ~5% empty (NULL), ~10% a quoted field with a comma (`"Smith, Jane"`),
 *                           ~1% a quoted field with an embedded quote (`"said ""rush"", twice"`)
 *
 * Types are what strata infers (dbt rules: integers → integer, decimals → numeric, %Y-%m-%d → date,
 * the rest text); ORDERS_COLUMNS is the same list for the pre-created psql table, and the scenario
 * checks that strata's table really has these types.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { mulberry32 } from '../generate-project.js';

export const ORDERS_COLUMNS: readonly { name: string; type: string }[] = [
  { name: 'order_id', type: 'integer' },
  { name: 'customer_id', type: 'integer' },
  { name: 'amount', type: 'numeric' },
  { name: 'discount', type: 'numeric' },
  { name: 'order_date', type: 'date' },
  { name: 'status', type: 'text' },
  { name: 'note', type: 'text' },
];

const STATUSES = ['placed', 'paid', 'shipped', 'delivered', 'returned', 'cancelled'];
const WORDS = ['rush', 'gift', 'fragile', 'leave at door', 'call first', 'backorder', 'reorder', 'priority'];
const NAMES = ['Smith, Jane', 'Doe, John', 'Müller, Anna', 'Nguyen, Bao', 'García, Luis', "O'Brien, Kate"];

const DAY_MS = 86_400_000;
const EPOCH = Date.UTC(2019, 0, 1);

/** Date strings of the 2,192 possible order dates, computed once. */
function dateTable(): string[] {
  const out: string[] = [];
  for (let d = 0; d < 2192; d++) out.push(new Date(EPOCH + d * DAY_MS).toISOString().slice(0, 10));
  return out;
}

/** Write the CSV (header + `rows` data rows) to `file`. Returns the bytes written. */
export function writeOrdersCsv(file: string, rows: number, seed = 42): number {
  const rand = mulberry32(seed);
  const int = (n: number): number => Math.floor(rand() * n);
  const dates = dateTable();
  const fd = openSync(file, 'w');
  let bytes = 0;
  let chunk = `${ORDERS_COLUMNS.map((c) => c.name).join(',')}\n`;
  const flush = (): void => {
    bytes += writeSync(fd, chunk);
    chunk = '';
  };
  try {
    for (let i = 1; i <= rows; i++) {
      const cents = 1 + int(999_999);
      const amount = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
      const discount = `0.${String(int(351)).padStart(3, '0')}`;
      const r = rand();
      let note: string;
      if (r < 0.05) note = '';
      else if (r < 0.15) note = `"${NAMES[int(NAMES.length)]!}"`;
      else if (r < 0.16) note = `"said ""${WORDS[int(WORDS.length)]!}"", twice"`;
      else note = WORDS[int(WORDS.length)]!;
      chunk += `${i},${1 + int(250_000)},${amount},${discount},${dates[int(dates.length)]!},${STATUSES[int(STATUSES.length)]!},${note}\n`;
      if (chunk.length > 1 << 20) flush();
    }
    flush();
  } finally {
    closeSync(fd);
  }
  return bytes;
}
