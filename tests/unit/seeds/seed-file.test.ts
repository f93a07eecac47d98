import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { locateRecordLine, readCsvRecords } from '../../../src/seeds/csv-source.js';
import { seedChecksum } from '../../../src/seeds/checksum.js';
import { inferSeedSchema, seedColumnName } from '../../../src/seeds/seed-schema.js';
import { incompleteTail, Utf8Error, Utf8Guard } from '../../../src/seeds/utf8-guard.js';
import { useTempCsv } from './temp-csv.js';

const { csvFile } = useTempCsv();

async function records(file: string, delimiter?: string): Promise<string[][]> {
  const out: string[][] = [];
  for await (const r of readCsvRecords(file, delimiter === undefined ? {} : { delimiter })) out.push(r);
  return out;
}

async function loadError(p: Promise<unknown>): Promise<{ code: string; message: string; location?: { file: string; line: number } }> {
  try {
    await p;
  } catch (e) {
    return e as { code: string; message: string; location?: { file: string; line: number } };
  }
  throw new Error('expected a rejection');
}

describe('readCsvRecords', () => {
  it('handles quotes, embedded delimiters, newlines and doubled quotes', async () => {
    const file = csvFile('a,b\n"x, y","line1\nline2"\n"say ""hi""",plain\n');
    expect(await records(file)).toEqual([
      ['a', 'b'],
      ['x, y', 'line1\nline2'],
      ['say "hi"', 'plain'],
    ]);
  });

  it('strips a UTF-8 BOM, reads CRLF, skips blank lines, honours a custom delimiter', async () => {
    const file = csvFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('id;name\r\n1;a,b\r\n\r\n2;"c;d"\r\n')]));
    expect(await records(file, ';')).toEqual([
      ['id', 'name'],
      ['1', 'a,b'],
      ['2', 'c;d'],
    ]);
  });

  it('reports a row with the wrong number of fields at its line', async () => {
    const file = csvFile('a,b\n1,2\n\n3,4,5\n');
    const err = await loadError(records(file));
    expect(err).toMatchObject({ code: 'LOAD', location: { file, line: 4 } });
    expect(err.message).toBe('row has 3 field(s) but the header has 2');
  });

  it('reports the first line of a multi-line bad row', async () => {
    const file = csvFile('a,b\n1,2\n3,"multi\nline",extra\n');
    expect(await loadError(records(file))).toMatchObject({ code: 'LOAD', location: { line: 3 } });
  });

  it('reports an unclosed quote and stray quotes', async () => {
    expect(await loadError(records(csvFile('a,b\n1,"open\n2,3\n')))).toMatchObject({ code: 'LOAD', message: expect.stringContaining('never closed') });
    expect(await loadError(records(csvFile('a,b\n1,"x"y\n')))).toMatchObject({ code: 'LOAD', location: { line: 2 }, message: expect.stringContaining('malformed CSV') });
  });

  it('rejects bytes that are not UTF-8, naming the line', async () => {
    const file = csvFile(Buffer.concat([Buffer.from('a\nok\n'), Buffer.from([0x63, 0x61, 0x66, 0xe9]), Buffer.from('\n')]));
    expect(await loadError(records(file))).toMatchObject({ code: 'LOAD', message: 'seed file is not valid UTF-8', location: { line: 3 } });
  });

  it('reports a missing file as IO and uses displayFile in locations', async () => {
    expect(await loadError(records('/nonexistent/seed.csv'))).toMatchObject({ code: 'IO' });
    const file = csvFile('a\n1,2\n');
    const gen = readCsvRecords(file, { displayFile: 'seeds/x.csv', nodeId: 'seed.p.x' });
    const err = await loadError((async () => { for await (const _ of gen) void _; })());
    expect(err).toMatchObject({ location: { file: 'seeds/x.csv', line: 2 }, nodeId: 'seed.p.x' });
  });

  it('rejects a delimiter that cannot work', async () => {
    expect(await loadError(records(csvFile('a\n'), '"'))).toMatchObject({ code: 'CONFIG' });
    expect(await loadError(records(csvFile('a\n'), ''))).toMatchObject({ code: 'CONFIG' });
  });
});

describe('locateRecordLine', () => {
  it('maps a data record number to the line it starts on', async () => {
    const file = csvFile('a,b\n1,2\n\n3,"x\ny"\n4,5\n');
    expect(await locateRecordLine(file, 1)).toBe(2);
    expect(await locateRecordLine(file, 2)).toBe(4);
    expect(await locateRecordLine(file, 3)).toBe(6);
    expect(await locateRecordLine(file, 4)).toBe(0);
  });
});

describe('inferSeedSchema', () => {
  it('infers every column in one pass and counts rows', async () => {
    const file = csvFile('id,amount,paid,day,at,note\n1,2.5,true,2024-01-01,2024-01-01 10:00:00,x\n2,,false,,,\n');
    const s = await inferSeedSchema(file);
    expect(s.rows).toBe(2);
    expect(s.columns.map((c) => [c.name, c.type])).toEqual([
      ['id', 'integer'],
      ['amount', 'numeric'],
      ['paid', 'boolean'],
      ['day', 'date'],
      ['at', 'timestamp without time zone'],
      ['note', 'text'],
    ]);
  });

  it('applies column_types by exact header name and warns about unknown keys', async () => {
    const file = csvFile('Zip,n\n01234,1\n');
    const s = await inferSeedSchema(file, { columnTypes: { Zip: 'varchar(5)', zip: 'text', other: 'int' } });
    expect(s.columns).toEqual([
      { name: 'Zip', header: 'Zip', type: 'varchar(5)', overridden: true },
      { name: 'n', header: 'n', type: 'integer', overridden: false },
    ]);
    expect(s.warnings).toHaveLength(2);
    expect(s.warnings[0]).toContain('did you mean "Zip"');
  });

  it('header-only file: text columns, zero rows', async () => {
    const s = await inferSeedSchema(csvFile('a,b\n'));
    expect(s).toMatchObject({ rows: 0, columns: [{ name: 'a', type: 'text' }, { name: 'b', type: 'text' }] });
  });

  it('rejects an empty file, a duplicate or empty column name', async () => {
    expect(await loadError(inferSeedSchema(csvFile('')))).toMatchObject({ code: 'LOAD', message: 'seed file is empty' });
    expect(await loadError(inferSeedSchema(csvFile('\n\n')))).toMatchObject({ code: 'LOAD', message: 'seed file is empty' });
    const dup = await loadError(inferSeedSchema(csvFile('id,name,id\n1,2,3\n')));
    expect(dup).toMatchObject({ code: 'LOAD', location: { line: 1 } });
    expect(dup.message).toContain('duplicate column name "id" in header columns 1 and 3');
    expect(await loadError(inferSeedSchema(csvFile('a,,c\n')))).toMatchObject({ code: 'LOAD', message: 'header column 2 has no name' });
  });

  it('quote_columns false folds names to lower case, and collisions are reported', async () => {
    expect(seedColumnName('CustomerID', false)).toBe('customerid');
    expect(seedColumnName('CustomerID', undefined)).toBe('CustomerID');
    expect(seedColumnName('Ünïcode', false)).toBe('Ünïcode');
    const err = await loadError(inferSeedSchema(csvFile('ID,id\n1,2\n'), { quoteColumns: false }));
    expect(err.message).toContain('after folding to lower case');
  });

  it('rejects a column name longer than 63 bytes', async () => {
    expect(await loadError(inferSeedSchema(csvFile(`${'x'.repeat(64)}\n1\n`)))).toMatchObject({ code: 'LOAD', message: expect.stringContaining('too long') });
  });
});

describe('Utf8Guard', () => {
  it('finds incomplete trailing sequences', () => {
    expect(incompleteTail(Buffer.from('abc'))).toBe(0);
    const euro = Buffer.from('€'); // e2 82 ac
    expect(incompleteTail(euro)).toBe(0);
    expect(incompleteTail(euro.subarray(0, 1))).toBe(1);
    expect(incompleteTail(euro.subarray(0, 2))).toBe(2);
    const emoji = Buffer.from('🙂'); // 4 bytes
    expect(incompleteTail(emoji.subarray(0, 3))).toBe(3);
    expect(incompleteTail(emoji)).toBe(0);
  });

  it('accepts multi-byte characters split across chunks', async () => {
    const bytes = Buffer.from('héllo €uro 🙂\n'.repeat(50));
    const chunks = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    const out: Buffer[] = [];
    await pipeline(Readable.from(chunks), new Utf8Guard(), async (src: AsyncIterable<Buffer>) => {
      for await (const c of src) out.push(c);
    });
    expect(Buffer.concat(out).equals(bytes)).toBe(true);
  });

  it('fails on a truncated final character', async () => {
    const run = pipeline(Readable.from([Buffer.from('ok\n'), Buffer.from('€').subarray(0, 2)]), new Utf8Guard(), async (src: AsyncIterable<Buffer>) => {
      for await (const _ of src) void _;
    });
    await expect(run).rejects.toBeInstanceOf(Utf8Error);
  });
});

describe('seedChecksum', () => {
  it('is the sha256 of the raw bytes', async () => {
    const content = Buffer.from('\ufeffa,b\r\n1,2\r\n');
    expect(await seedChecksum(csvFile(content))).toBe(createHash('sha256').update(content).digest('hex'));
  });

  it('reports a missing file as IO', async () => {
    await expect(seedChecksum('/nonexistent/x.csv')).rejects.toMatchObject({ code: 'IO' });
  });
});
