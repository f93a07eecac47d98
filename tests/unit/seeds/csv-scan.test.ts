import { describe, expect, it } from 'vitest';
import { findRow, scanSeedCsv } from '../../../src/seeds/csv-scan.js';
import { readCsvRecords } from '../../../src/seeds/csv-source.js';
import { classifyAscii, classifyValue, kindToType, TypeTracker, UNSURE } from '../../../src/seeds/infer-types.js';
import { inferSeedSchema } from '../../../src/seeds/seed-schema.js';
import { randomCsv } from './random-csv.js';
import { useTempCsv } from './temp-csv.js';

const { csvFile } = useTempCsv();

/** What inference gave before the scanner: csv-parse records through the TypeTracker. */
async function reference(file: string, delimiter: string): Promise<{ header: string[]; rows: number; types: string[] } | 'error'> {
  try {
    let header: string[] | undefined;
    let tracker: TypeTracker | undefined;
    let rows = 0;
    for await (const record of readCsvRecords(file, { delimiter })) {
      if (header === undefined) {
        header = record;
        tracker = new TypeTracker(record.length);
      } else {
        tracker!.add(record);
        rows++;
      }
    }
    return header === undefined ? 'error' : { header, rows, types: tracker!.types() };
  } catch {
    return 'error';
  }
}

async function scanned(file: string, delimiter: string, chunk?: number): Promise<{ header: string[]; rows: number; types: string[] } | 'gave up'> {
  const r = await scanSeedCsv(file, delimiter.charCodeAt(0), (h) => h.map(() => false), chunk);
  return 'gaveUp' in r ? 'gave up' : { header: r.header, rows: r.rows, types: r.kinds.map(kindToType) };
}

describe('classifyAscii', () => {
  it('agrees with classifyValue whenever it decides', () => {
    const fixed = ['0', '-0', '+7', '007', '999999999', '1234567890', '2147483647', '1.5', '.5', '5.', '.', '-.', '+', '-', '1e5', '1.5.5',
      '2024-01-31', '2024-02-30', '2023-02-29', '2024-02-29', '0000-01-01', '2024-13-01', '2024-1-5', '20240-01-01', '2024-01-3x',
      '2024-01-31 10:00', 'true', 'TRUE', 'false', 'fals', 'nope', 'a', 'x1', '#1', '1-1', '12-34-5678'];
    const alphabet = '0123456789+-.eE: TZtrufalsTRUFALS';
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const random = Array.from({ length: 20_000 }, () => Array.from({ length: 1 + Math.floor(rand() * 12) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join(''));
    let decided = 0;
    for (const v of [...fixed, ...random]) {
      if (v.trim() !== v) continue; // the caller only passes values with printable ends
      const b = Buffer.from(v);
      const k = classifyAscii(b, 0, b.length);
      if (k === UNSURE) continue;
      decided++;
      expect([v, k]).toEqual([v, classifyValue(v)]);
    }
    expect(decided).toBeGreaterThan(2_000);
  });
});

describe('scanSeedCsv', () => {
  it('infers what csv-parse inference infers, or gives up, wherever chunks cut the file', async () => {
    let accepted = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const { content, delimiter } = randomCsv(seed);
      const file = csvFile(content);
      const want = await reference(file, delimiter);
      for (const chunk of [1, 3, 7, undefined]) {
        const got = await scanned(file, delimiter, chunk);
        if (got === 'gave up') continue;
        expect({ seed, chunk, got }).toEqual({ seed, chunk, got: want });
        if (chunk === undefined) accepted++;
      }
    }
    // The scanner must take most files, or this test proves little.
    expect(accepted).toBeGreaterThan(200);
  }, 60_000);

  it('reads records longer than the read size, and multi-byte characters cut by it', async () => {
    const long = 'x'.repeat(5000);
    const file = csvFile(`a,b\n1,"${long}""q"""\n2,é東🙂\n`);
    for (const chunk of [1, 5, 100, undefined]) {
      expect(await scanned(file, ',', chunk)).toEqual({ header: ['a', 'b'], rows: 2, types: ['integer', 'text'] });
    }
  });

  it.each<[string, string, string]>([
    ['a stray quote', 'a,b\n1,x"y\n', 'a quote inside an unquoted field'],
    ['text after a closing quote', 'a,b\n1,"x"y\n', 'a character after a closing quote'],
    ['an unclosed quote', 'a,b\n1,"x\n', 'a quoted field is never closed'],
    ['mixed line endings', 'a,b\r\n1,2\n', 'mixed line endings'],
    ['a lone CR', 'a,b\r1,2\r', 'a carriage return without a line feed'],
    ['a short row', 'a,b\n1\n', 'a row with the wrong number of fields'],
    ['a long row', 'a,b\n1,2,3\n', 'a row with the wrong number of fields'],
    ['no header', '\n\n', 'no header'],
    ['a NUL byte', 'a,b\n1,\0\n', 'a NUL byte'],
  ])('gives up on %s', async (_, content, why) => {
    expect(await scanSeedCsv(csvFile(content), 44, (h) => h.map(() => false))).toEqual({ gaveUp: why });
  });

  it('gives up on invalid UTF-8, even in the header', async () => {
    const file = csvFile(Buffer.concat([Buffer.from('a,caf'), Buffer.from([0xe9]), Buffer.from('\n1,2\n')]));
    let headerSeen = false;
    expect(await scanSeedCsv(file, 44, (h) => ((headerSeen = true), h.map(() => false)))).toEqual({ gaveUp: 'invalid UTF-8' });
    expect(headerSeen).toBe(false);
  });
});

describe('inferSeedSchema: the COPY plan', () => {
  const plan = async (content: string | Buffer, opts: { delimiter?: string; columnTypes?: Record<string, string> } = {}): Promise<unknown> =>
    (await inferSeedSchema(csvFile(content), opts)).copy;

  it('streams the raw file from the header to the last row', async () => {
    expect(await plan('a,b\n1,x\n')).toEqual({ kind: 'raw', start: 0, end: 8, crlf: false, delimiter: ',' });
    // Leading blank lines and a BOM are skipped; trailing blank lines are left out.
    expect(await plan('\ufeff\n\na,b\n1,x\n\n\n')).toEqual({ kind: 'raw', start: 5, end: 13, crlf: false, delimiter: ',' });
    expect(await plan('a;b\r\n1;"x\r\ny"\r\n2;""', { delimiter: ';' })).toEqual({ kind: 'raw', start: 0, end: 19, crlf: true, delimiter: ';' });
    // Blanks around a text value are kept verbatim either way; column_types columns are not typed.
    expect(await plan('a,b\n1, x \n')).toMatchObject({ kind: 'raw' });
    expect(await plan('a,b\n 1 ,x\n', { columnTypes: { a: 'text' } })).toMatchObject({ kind: 'raw' });
  });

  it.each<[string, string, string]>([
    ['"null"', 'a,b\n1,null\n', 'a NULL written as "null"'],
    ['"NULL" quoted', 'a,b\n1,"NULL"\n', 'a NULL written as "null"'],
    ['a blank value', 'a,b\n1, \n', 'a NULL written as blanks or "null"'],
    ['a padded integer', 'a,b\n 1 ,x\n', 'a value with blanks around it in integer column "a"'],
    ['a blank line between rows', 'a,b\n1,x\n\n2,y\n', 'a blank line between rows'],
    ['a lone \\.', 'a\n1\n\\.\n2\n', 'a line holding only \\.'],
    ['a header over two lines', '"a\nb",c\n1,2\n', 'the header spans several lines'],
    ['mixed line endings', 'a,b\n1,x\r\n', 'mixed line endings'],
    ['a NUL byte', 'a,b\n1,x\0\n', 'a NUL byte'],
  ])('re-encodes a file with %s', async (_, content, reason) => {
    expect(await plan(content)).toEqual({ kind: 'reencode', reason });
  });

  it('re-encodes with a delimiter of more than one byte', async () => {
    expect(await plan('a::b\n1::2\n', { delimiter: '::' })).toEqual({ kind: 'reencode', reason: 'the delimiter is not a single ASCII character' });
    expect(await plan('a§b\n1§2\n', { delimiter: '§' })).toMatchObject({ kind: 'reencode' });
  });

  it('reports invalid UTF-8 at its line, as before', async () => {
    const file = csvFile(Buffer.concat([Buffer.from('a,b\n1,ok\n2,caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    await expect(inferSeedSchema(file)).rejects.toMatchObject({ code: 'LOAD', message: 'seed file is not valid UTF-8', location: { line: 3 } });
  });

  it('reports a missing file as IO', async () => {
    await expect(inferSeedSchema('/nonexistent/x.csv', { displayFile: 'seeds/x.csv' })).rejects.toMatchObject({ code: 'IO', location: { file: 'seeds/x.csv' } });
  });

  it('reports csv-parse errors as before when the scanner gives up', async () => {
    await expect(inferSeedSchema(csvFile('a,b\n1,2\n\n3,4,5\n'), { displayFile: 'seeds/x.csv' })).rejects.toMatchObject({
      code: 'LOAD',
      message: 'row has 3 field(s) but the header has 2',
      location: { file: 'seeds/x.csv', line: 4 },
    });
  });
});

describe('findRow', () => {
  it('describes each data row: number, offset, line breaks inside quotes; stops where asked', async () => {
    const file = csvFile('a,b\r\n1,"x\r\ny"\r\n2,"lf\nonly"\r\n3,z\r\n');
    const rows: unknown[] = [];
    const found = await findRow(file, 44, (r) => (rows.push(r), r.index === 2));
    expect(rows).toEqual([
      { index: 1, start: 5, innerLf: 1, innerCr: 1 },
      { index: 2, start: 15, innerLf: 1, innerCr: 0 },
    ]);
    expect(found).toEqual(rows[1]);
    // Rows with the wrong number of fields are visited too (that is what error paths look for).
    expect(await findRow(csvFile('a,b\n1,2\n3\n'), 44, (r) => r.index === 2)).toMatchObject({ index: 2, start: 8 });
    expect(await findRow(file, 44, () => false)).toBeUndefined();
  });
});
