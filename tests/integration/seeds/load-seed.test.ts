import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Database, type SessionClient } from '../../../src/adapters/postgres/index.js';
import { loadSeed, type LoadSeedOptions, type LoadSeedResult } from '../../../src/seeds/index.js';
import { copyRawCsv } from '../../../src/seeds/raw-csv-copy.js';
import { useTestDatabase } from '../../setup/test-database.js';
import { randomCsv } from '../../unit/seeds/random-csv.js';
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
async function load(content: string | Buffer, opts: Partial<LoadSeedOptions> = {}): Promise<{ table: string } & LoadSeedResult> {
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

/** A client that records the statements it runs (to see which load path was taken). */
function recording(client: SessionClient, seen: string[]): SessionClient {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'query') {
        return (sql: string, ...rest: unknown[]) => {
          seen.push(sql);
          return (target.query as (...a: unknown[]) => unknown)(sql, ...rest);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

async function tableText(table: string): Promise<string[]> {
  const res = await db.query<{ r: string }>(`SELECT t::text AS r FROM seeds."${table}" t ORDER BY 1`);
  return res.rows.map((r) => r.r);
}

describe('loadSeed: the raw file straight into COPY', () => {
  it('loads the file as it is when nothing needs rewriting, and re-encodes when something does', async () => {
    expect((await load('a,b\n1,x\n')).copy).toEqual({ mode: 'raw' });
    expect((await load('a,b\n1,null\n')).copy).toEqual({ mode: 'reencoded', format: 'text', reason: 'a NULL written as "null"' });
    expect((await load('a,b\n1,x\n', { copyFormat: 'csv' })).copy).toMatchObject({ mode: 'reencoded', format: 'csv' });
  });

  it('loads what the re-encoded rows load, for random files', async () => {
    let raw = 0;
    for (let seed = 1; seed <= 120; seed++) {
      const { content, delimiter } = randomCsv(seed);
      const file = csvFile(content);
      const outcome = async (copyFormat: 'auto' | 'text'): Promise<unknown> => {
        try {
          const res = await load('', { file, delimiter, copyFormat });
          if (res.copy.mode === 'raw') raw++;
          return { types: await columnTypes(res.table), rows: await tableText(res.table), count: res.rows };
        } catch (err) {
          return { code: (err as { code?: string }).code, line: (err as { location?: { line: number } }).location?.line };
        }
      };
      const reencoded = await outcome('text');
      expect({ seed, content, result: await outcome('auto') }).toEqual({ seed, content, result: reencoded });
    }
    expect(raw).toBeGreaterThan(40); // or the raw path was hardly tested
  });

  it('keeps the null rule: empty fields, quoted or not, are NULL', async () => {
    const res = await load('n,t,d\n1,"",""\n"",x,2024-01-01\n,,\n3,"",\n');
    expect(res.copy).toEqual({ mode: 'raw' });
    expect(await rows(res.table, 'n NULLS FIRST, t')).toEqual([
      { n: null, t: 'x', d: '2024-01-01' },
      { n: null, t: null, d: null },
      { n: 1, t: null, d: null },
      { n: 3, t: null, d: null },
    ]);
  });

  it('handles a BOM, CRLF, line breaks and quotes inside quotes, and no final line break', async () => {
    const res = await load('\ufeff\r\nid;note\r\n1;"two\r\nlines"\r\n2;"lf\nonly"\r\n3;"a;b ""q"""\r\n4;last', { delimiter: ';' });
    expect(res.copy).toEqual({ mode: 'raw' });
    expect(await rows(res.table)).toEqual([
      { id: 1, note: 'two\r\nlines' },
      { id: 2, note: 'lf\nonly' },
      { id: 3, note: 'a;b "q"' },
      { id: 4, note: 'last' },
    ]);
  });

  it('leaves out blank lines before the header and after the last row; a tab or a quote character can delimit', async () => {
    const blanks = await load('\n\na\tb\n1\tx\n\n\n', { delimiter: '\t' });
    expect(blanks.copy).toEqual({ mode: 'raw' });
    expect(await rows(blanks.table)).toEqual([{ a: 1, b: 'x' }]);
    const apostrophe = await load("a'b\n1'it\n", { delimiter: "'" });
    expect(apostrophe.copy).toEqual({ mode: 'raw' });
    expect(await rows(apostrophe.table)).toEqual([{ a: 1, b: 'it' }]);
  });

  it.each<[string, string, Partial<LoadSeedOptions>]>([
    ['LF, raw', 'n,note\n1,"a\nb"\n2,"c\r\nd"\nx,bad\n', {}],
    ['CRLF, raw', 'n,note\r\n1,"a\r\nb"\r\n2,"c\nd"\r\nx,bad\r\n', {}],
    ['LF, re-encoded', 'n,note\n1,"a\nb"\n2,"c\r\nd"\nx,bad\n', { copyFormat: 'text' }],
    ['CRLF, re-encoded', 'n,note\r\n1,"a\r\nb"\r\n2,"c\nd"\r\nx,bad\r\n', { copyFormat: 'text' }],
  ])('names the file, line and column of a value the type rejects (%s)', async (_, csv, opts) => {
    const err = await failure(load(csv, { columnTypes: { n: 'integer' }, displayFile: 'seeds/nums.csv', ...opts }));
    // Data row 3 starts on line 6: rows 1 and 2 take two lines each.
    expect(err).toMatchObject({ code: 'LOAD', location: { file: 'seeds/nums.csv', line: 6 } });
    expect(err.message).toMatch(/^column "n" \(integer\), data row 3: invalid input syntax for type integer/);
  });

  it('names the file and line when PostgreSQL finds a row with the wrong number of fields', async () => {
    // Pass 1 catches these before COPY; this feeds COPY a file behind its back (as if it had
    // changed between the passes) to check how the server's own complaint is reported.
    const file = csvFile('a,b\n1,"x\ny"\n2\n3,z,extra\n');
    const columns = [
      { name: 'a', header: 'a', type: 'integer', overridden: false },
      { name: 'b', header: 'b', type: 'text', overridden: false },
    ];
    const plan = { kind: 'raw' as const, start: 0, end: 26, crlf: false, delimiter: ',' };
    const opts = { file, table: { schema: 'seeds', identifier: 'wrong_fields' }, displayFile: 'seeds/w.csv' };
    await db.query('CREATE TABLE seeds.wrong_fields (a integer, b text)');
    const short = await failure(db.withClient((c) => copyRawCsv(c, opts, columns, plan)));
    expect(short).toMatchObject({ code: 'LOAD', location: { file: 'seeds/w.csv', line: 4 } });
    expect(short.message).toBe('row, data row 2: missing data for column "b"');
    const long = await failure(db.withClient((c) => copyRawCsv(c, { ...opts, file: csvFile('a,b\n1,x\n3,z,extra\n') }, columns, { ...plan, end: 20 })));
    expect(long).toMatchObject({ code: 'LOAD', location: { file: 'seeds/w.csv', line: 3 } });
    expect(long.message).toBe('row, data row 2: extra data after last expected column');
  });
});

describe('loadSeed: large files, scanned while COPY runs', () => {
  /** A seed of about 2 MiB (more than one read of pass 1), with `last` as its final row. */
  function bigCsv(last: string): string {
    const lines = ['id,amount,day,note'];
    for (let i = 1; i <= 50_000; i++) lines.push(`${i},${i % 100}.5,2024-01-${String((i % 28) + 1).padStart(2, '0')},"note, ${i}"`);
    lines.push(last);
    return lines.join('\n') + '\n';
  }

  async function loadInTransaction(content: string, opts: Partial<LoadSeedOptions> = {}): Promise<{ table: string; result: LoadSeedResult; seen: string[] }> {
    const table = `big_${++n}`;
    const seen: string[] = [];
    const file = csvFile(content);
    const result = await db.withTransaction((c) => loadSeed(recording(c, seen), { file, table: { schema: 'seeds', identifier: table }, ...opts }));
    return { table, result, seen };
  }

  it('creates the table after the first chunk and streams the rest as it is scanned', async () => {
    const { table, result, seen } = await loadInTransaction(bigCsv('50001,7,2024-02-01,last'));
    expect(result).toMatchObject({ rows: 50_001, copy: { mode: 'raw' } });
    expect(seen).toContain('SAVEPOINT strata_seed_load');
    expect(seen).not.toContain('ROLLBACK TO SAVEPOINT strata_seed_load');
    expect(await columnTypes(table)).toEqual({ id: 'integer', amount: 'numeric', day: 'date', note: 'text' });
    const check = await db.query<{ c: number; s: string; l: string }>(`SELECT count(*) AS c, sum(amount)::text AS s, max(note) FILTER (WHERE id = 50001) AS l FROM seeds."${table}"`);
    expect(check.rows[0]).toEqual({ c: 50_001, s: String(Array.from({ length: 50_000 }, (_, i) => ((i + 1) % 100) + 0.5).reduce((a, b) => a + b, 7)) + '.0', l: 'last' });
  });

  it('starts again with the right types when a late value changes a column type', async () => {
    const { table, result, seen } = await loadInTransaction(bigCsv('50001,7,2024-02-01 10:00,late'));
    expect(seen).toContain('ROLLBACK TO SAVEPOINT strata_seed_load');
    expect(result).toMatchObject({ rows: 50_001, copy: { mode: 'raw' } });
    expect(await columnTypes(table)).toEqual({ id: 'integer', amount: 'numeric', day: 'text', note: 'text' });
    expect(await db.query(`SELECT day FROM seeds."${table}" WHERE id IN (1, 50001) ORDER BY id`)).toMatchObject({ rows: [{ day: '2024-01-02' }, { day: '2024-02-01 10:00' }] });
  });

  it('re-encodes when a late value needs it', async () => {
    const { table, result } = await loadInTransaction(bigCsv('50001,NULL,2024-02-01,late'));
    expect(result).toMatchObject({ rows: 50_001, copy: { mode: 'reencoded', reason: 'a NULL written as "null"' } });
    expect(await db.query(`SELECT amount FROM seeds."${table}" WHERE id = 50001`)).toMatchObject({ rows: [{ amount: null }] });
  });

  it('reports a late row with the wrong number of fields at its line, leaving the transaction usable and no table', async () => {
    const table = `big_${++n}`;
    const file = csvFile(bigCsv('50001,7'));
    const outcome = await db.withTransaction(async (c) => {
      const err = await failure(loadSeed(c, { file, table: { schema: 'seeds', identifier: table }, displayFile: 'seeds/big.csv' }));
      const after = await c.query(`SELECT to_regclass('seeds.${table}') AS r`);
      return { err, exists: after.rows[0]?.r };
    });
    expect(outcome.err).toMatchObject({ code: 'LOAD', message: 'row has 2 field(s) but the header has 4', location: { file: 'seeds/big.csv', line: 50_002 } });
    expect(outcome.exists).toBeNull();
  });

  it('reports a late value that a column_types override rejects at its line', async () => {
    const file = csvFile(bigCsv('50001,7,someday,late'));
    const err = await failure(
      db.withTransaction((c) => loadSeed(c, { file, table: { schema: 'seeds', identifier: `big_${++n}` }, columnTypes: { day: 'date' }, displayFile: 'seeds/big.csv' })),
    );
    expect(err).toMatchObject({ code: 'LOAD', location: { file: 'seeds/big.csv', line: 50_002 } });
    expect(err.message).toMatch(/^column "day" \(date\), data row 50001: invalid input syntax for type date/);
  });

  it('loads sequentially outside a transaction block', async () => {
    const seen: string[] = [];
    const table = `big_${++n}`;
    const result = await db.withClient((c) => loadSeed(recording(c, seen), { file: csvFile(bigCsv('50001,7,2024-02-01,last')), table: { schema: 'seeds', identifier: table } }));
    expect(result).toMatchObject({ rows: 50_001, copy: { mode: 'raw' } });
    expect(seen.some((s) => s.startsWith('SAVEPOINT'))).toBe(false);
  });
});
