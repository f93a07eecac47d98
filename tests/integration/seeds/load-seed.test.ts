import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Database } from '../../../src/adapters/postgres/index.js';
import { loadSeed, type LoadSeedOptions } from '../../../src/seeds/index.js';
import { useTestDatabase } from '../../setup/test-database.js';
import { useTempCsv } from '../../unit/seeds/temp-csv.js';

const testDb = useTestDatabase();
const { csvFile } = useTempCsv();
let db: Database;
let n = 0;

beforeAll(() => {
  db = createPool(testDb.target({ threads: 4 }));
});
afterAll(async () => {
  await db.close();
});

/** Loads `content` into a fresh table of schema `seeds`; returns the result and the table name. */
async function load(content: string | Buffer, opts: Partial<LoadSeedOptions> = {}): Promise<{ table: string; rows: number; columns: Array<{ name: string; type: string }> }> {
  const table = opts.table?.identifier ?? `seed_${++n}`;
  const file = opts.file ?? csvFile(content);
  const res = await db.withClient((c) => loadSeed(c, { file, table: { schema: 'seeds', identifier: table }, ...opts }));
  return { table, ...res };
}

async function columnTypes(table: string, schema = 'seeds'): Promise<Record<string, string>> {
  const res = await db.query<{ column_name: string; t: string }>(
    `SELECT column_name, format_type(atttypid, atttypmod) AS t
       FROM information_schema.columns c
       JOIN pg_attribute a ON a.attrelid = format('%I.%I', c.table_schema, c.table_name)::regclass AND a.attname = c.column_name
      WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
    [schema, table],
  );
  return Object.fromEntries(res.rows.map((r) => [r.column_name, r.t]));
}

async function rows(table: string, order = '1'): Promise<Array<Record<string, unknown>>> {
  return (await db.query(`SELECT * FROM seeds."${table}" ORDER BY ${order}`)).rows;
}

async function failure(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (e) {
    return e as Record<string, unknown>;
  }
  throw new Error('expected loadSeed to fail');
}

describe('loadSeed', () => {
  it('creates the schema and table with dbt-style inferred types and loads exact rows', async () => {
    const res = await load(
      'id,name,amount,paid,day,at,big,blank\n' +
        '1,Alice,12.50,true,2024-01-31,2024-01-31 10:00:00,3000000000,\n' +
        '2,,0.5,FALSE,2024-02-29,2024-02-29T23:59:59.5,1,null\n' +
        '3,null,7,,,,,\n',
    );
    expect(res.rows).toBe(3);
    expect(await columnTypes(res.table)).toEqual({
      id: 'integer',
      name: 'text',
      amount: 'numeric',
      paid: 'boolean',
      day: 'date',
      at: 'timestamp without time zone',
      big: 'bigint',
      blank: 'text',
    });
    expect(await rows(res.table)).toEqual([
      { id: 1, name: 'Alice', amount: '12.50', paid: true, day: '2024-01-31', at: '2024-01-31 10:00:00', big: 3000000000, blank: null },
      { id: 2, name: null, amount: '0.5', paid: false, day: '2024-02-29', at: '2024-02-29 23:59:59.5', big: 1, blank: null },
      { id: 3, name: null, amount: '7', paid: null, day: null, at: null, big: null, blank: null },
    ]);
  });

  it('applies column_types overrides verbatim', async () => {
    const res = await load('zip,amount,code\n01234,1.5,7\n99999,2,8\n', { columnTypes: { zip: 'varchar(5)', amount: 'numeric(10,2)', code: 'smallint' } });
    expect(res.columns).toEqual([
      { name: 'zip', type: 'varchar(5)' },
      { name: 'amount', type: 'numeric(10,2)' },
      { name: 'code', type: 'smallint' },
    ]);
    expect(await columnTypes(res.table)).toEqual({ zip: 'character varying(5)', amount: 'numeric(10,2)', code: 'smallint' });
    expect(await rows(res.table)).toEqual([
      { zip: '01234', amount: '1.50', code: 7 },
      { zip: '99999', amount: '2.00', code: 8 },
    ]);
  });

  it('round-trips quoted delimiters, newlines, quotes, tabs, backslashes and unicode', async () => {
    const values = ['a, b', 'line1\nline2', 'CR\r\nLF', 'say "hi"', 'tab\there', 'back\\slash \\N \\.', 'zoë 東京 🙂', ' padded '];
    const csv = 'id,v\n' + values.map((v, i) => `${i + 1},"${v.replaceAll('"', '""')}"`).join('\n') + '\n';
    const res = await load(csv);
    expect((await rows(res.table)).map((r) => r.v)).toEqual(values);
  });

  it('loads the same data with the csv COPY encoding', async () => {
    const csv = 'id,v,n\n1,"x,""y""\nz",\n2,,3\n3,\\N,4\n';
    const text = await load(csv);
    const viaCsv = await load(csv, { copyFormat: 'csv' });
    expect(await rows(viaCsv.table)).toEqual(await rows(text.table));
    expect((await rows(text.table))[2]).toEqual({ id: 3, v: '\\N', n: 4 });
  });

  it('honours a custom delimiter and a BOM', async () => {
    const res = await load(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('id|label\n1|a,b;c\n2|"x|y"\n')]), { delimiter: '|' });
    expect(await rows(res.table)).toEqual([
      { id: 1, label: 'a,b;c' },
      { id: 2, label: 'x|y' },
    ]);
    const tab = await load('a\tb\n1\tx\n', { delimiter: '\t' });
    expect(await rows(tab.table)).toEqual([{ a: 1, b: 'x' }]);
  });

  it('keeps header case by default and folds it with quote_columns: false', async () => {
    const quoted = await load('CustomerID,Order Date\n1,2024-01-01\n');
    expect(Object.keys(await columnTypes(quoted.table))).toEqual(['CustomerID', 'Order Date']);
    const folded = await load('CustomerID,select\n1,x\n', { quoteColumns: false });
    expect(Object.keys(await columnTypes(folded.table))).toEqual(['customerid', 'select']);
  });

  it('loads a header-only file as an empty table of text columns', async () => {
    const res = await load('a,b\n');
    expect(res.rows).toBe(0);
    expect(await columnTypes(res.table)).toEqual({ a: 'text', b: 'text' });
  });

  it('reports a row with the wrong number of fields at file:line, before creating anything', async () => {
    const err = await failure(load('a,b\n1,2\n3\n', { table: { schema: 'seeds', identifier: 'never_created' }, displayFile: 'seeds/bad.csv', nodeId: 'seed.p.bad' }));
    expect(err).toMatchObject({ code: 'LOAD', location: { file: 'seeds/bad.csv', line: 3 }, nodeId: 'seed.p.bad' });
    const exists = await db.query(`SELECT to_regclass('seeds.never_created') AS r`);
    expect(exists.rows[0]?.r).toBeNull();
  });

  it('maps a value rejected by a column_types override to its CSV line', async () => {
    // Record 3 starts on line 5 because record 2 spans two lines.
    const csv = 'n,note\n1,ok\n2,"two\nlines"\nthree,bad\n4,fine\n';
    const err = await failure(load(csv, { columnTypes: { n: 'integer' }, displayFile: 'seeds/nums.csv' }));
    expect(err).toMatchObject({ code: 'LOAD', location: { file: 'seeds/nums.csv', line: 5 } });
    expect(err.message).toContain('column "n" (integer), data row 3');
    expect(err.message).toContain('invalid input syntax for type integer');
    expect(err.hint).toContain('column_types');
  });

  it('reports an unknown column_types type clearly', async () => {
    const err = await failure(load('a\n1\n', { columnTypes: { a: 'no_such_type' } }));
    expect(err).toMatchObject({ code: 'LOAD', message: expect.stringContaining('cannot create the seed table') });
  });

  it('rejects an empty file and duplicate column names', async () => {
    expect(await failure(load(''))).toMatchObject({ code: 'LOAD', message: 'seed file is empty' });
    expect(await failure(load('x,y,x\n1,2,3\n'))).toMatchObject({ code: 'LOAD', location: { line: 1 } });
  });

  it('creates the same new schema from concurrent loads', async () => {
    const file = csvFile('a\n1\n');
    const loads = Array.from({ length: 6 }, (_, i) =>
      db.withClient((c) => loadSeed(c, { file, table: { schema: 'fresh_schema', identifier: `t${i}` } })),
    );
    expect((await Promise.all(loads)).map((r) => r.rows)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('loads a generated 200,000-row seed', async () => {
    const lines = ['id,name,amount,day'];
    for (let i = 1; i <= 200_000; i++) lines.push(`${i},name ${i},${(i % 1000) / 10},2024-01-${String((i % 28) + 1).padStart(2, '0')}`);
    const res = await load(lines.join('\n') + '\n');
    expect(res.rows).toBe(200_000);
    const check = await db.query<{ c: number; s: string }>(`SELECT count(*) AS c, sum(id)::text AS s FROM seeds."${res.table}"`);
    expect(check.rows[0]).toEqual({ c: 200_000, s: String((200_000 * 200_001) / 2) });
    expect(await columnTypes(res.table)).toEqual({ id: 'integer', name: 'text', amount: 'numeric', day: 'date' });
  });
});
