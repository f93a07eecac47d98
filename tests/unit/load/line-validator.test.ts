import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { LineValidator } from '../../../src/load/line-validator.js';
import { copyOptionsSql, lineFormat } from '../../../src/load/line-format.js';
import type { LoadSpec } from '../../../src/load/types.js';
import { StrataError } from '../../../src/errors/strata-error.js';
import { loadSpec } from './spec-fixture.js';

interface Run {
  out: string;
  bad: Array<{ line: number; raw: string; reason: string }>;
  rows: number;
  error?: unknown;
  validator: LineValidator;
}

async function runOnce(input: Buffer, spec: LoadSpec, chunk: number): Promise<Run> {
  const validator = new LineValidator(spec, 'data/x.txt');
  const chunks: Buffer[] = [];
  for (let i = 0; i < input.length; i += chunk) chunks.push(input.subarray(i, i + chunk));
  const out: Buffer[] = [];
  let error: unknown;
  try {
    await pipeline(Readable.from(chunks), validator, new Writable({ write: (c: Buffer, _e, cb) => (out.push(c), cb()) }));
  } catch (e) {
    error = e;
  }
  return { out: Buffer.concat(out).toString('utf8'), bad: validator.badRows, rows: validator.rows, error, validator };
}

/** Validates `input` whole and split into tiny chunks; the results must agree. */
async function validate(input: string | Buffer, overrides: Partial<LoadSpec> = {}): Promise<Run> {
  const buf = typeof input === 'string' ? Buffer.from(input) : input;
  const spec = loadSpec(overrides);
  const whole = await runOnce(buf, spec, Math.max(1, buf.length));
  for (const size of [1, 2, 7]) {
    const split = await runOnce(buf, spec, size);
    expect({ out: split.out, bad: split.bad, rows: split.rows }).toEqual({ out: whole.out, bad: whole.bad, rows: whole.rows });
  }
  return whole;
}

describe('LineValidator: fields and rows', () => {
  it('passes good rows through with the line number appended', async () => {
    const r = await validate('1|x|y\n2|p|q\n');
    expect(r.out).toBe('1|x|y|1\n2|p|q|2\n');
    expect(r.rows).toBe(2);
    expect(r.bad).toEqual([]);
  });

  it('quarantines rows with the wrong number of fields, with exact line numbers', async () => {
    const r = await validate('1|x|y\n2|p\n3|a|b|c\n4|m|n\n');
    expect(r.out).toBe('1|x|y|1\n4|m|n|4\n');
    expect(r.bad).toEqual([
      { line: 2, raw: '2|p', reason: 'expected 3 fields, found 2' },
      { line: 3, raw: '3|a|b|c', reason: 'expected 3 fields, found 4 (extra_columns: error)' },
    ]);
  });

  it('pads short rows down to min_columns with NULLs, and rejects shorter ones', async () => {
    const r = await validate('1|x|y|z\n2|p\n3\n', { columns: ['a', 'b', 'c', 'd'], minColumns: 2 });
    expect(r.out).toBe('1|x|y|z|1\n2|p|||2\n');
    expect(r.bad.map((b) => [b.line, b.reason])).toEqual([[3, 'expected 2 to 4 fields, found 1']]);
  });

  it('pads with \\N when the empty string is not a null value', async () => {
    const r = await validate('1|\n', { columns: ['a', 'b', 'c'], minColumns: 2, nullValues: [] });
    expect(r.out).toBe('1||\\N|1\n');
  });

  it('drops extra fields with extra_columns: ignore', async () => {
    const r = await validate('1|x|y|extra|more\n2|p|q\n', { extraColumns: 'ignore' });
    expect(r.out).toBe('1|x|y|1\n2|p|q|2\n');
  });

  it('skips the header but keeps physical line numbers', async () => {
    const r = await validate('a|b|c\n1|x|y\n', { header: true });
    expect(r.out).toBe('1|x|y|2\n');
  });

  it('takes the first line that is not blank as the header (blank lines before it used to use it up)', async () => {
    const r = await validate('\n\r\na|b|c\n1|x|y\n', { header: true });
    expect(r.out).toBe('1|x|y|4\n');
    expect(r.bad).toEqual([]);
  });

  it('handles CRLF, a last line without newline, and blank lines', async () => {
    const r = await validate('1|x|y\r\n\r\n2|p|q\n\n3|m|n');
    expect(r.out).toBe('1|x|y|1\n2|p|q|3\n3|m|n|5\n');
    expect(r.bad).toEqual([]);
  });

  it('escapes backslashes and carriage returns inside a line', async () => {
    const r = await validate('1|C:\\dir\\N|a\rb\n');
    expect(r.out).toBe('1|C:\\\\dir\\\\N|a\\rb|1\n');
  });

  it('maps every null value to COPY NULL', async () => {
    const both = await validate('1|NULL|\n2|NULLX|x\n', { nullValues: ['', 'NULL'] });
    expect(both.out).toBe('1|||1\n2|NULLX|x|2\n');
    const onlyWord = await validate('1|NULL|\n', { nullValues: ['NULL'] });
    expect(onlyWord.out).toBe('1|\\N||1\n');
    expect(copyOptionsSql(lineFormat(loadSpec({ nullValues: ['NULL'] })))).toBe("(FORMAT text, DELIMITER '|', NULL E'\\\\N')");
    expect(copyOptionsSql(lineFormat(loadSpec()))).toBe("(FORMAT text, DELIMITER '|', NULL '')");
  });

  it('rewrites null values anywhere in a line (first, adjacent, last field), cutting extra fields and padding short rows', async () => {
    const cols = { columns: ['a', 'b', 'c', 'd'], minColumns: 2, extraColumns: 'ignore' as const };
    const empty = await validate('NULL|NULL|x|NULL\n1|NULL\n2|x|NULL|y|NULL\n3|NULL|NULL|z|extra|NULL\n', { ...cols, nullValues: ['', 'NULL'] });
    expect(empty.out).toBe('||x||1\n1||||2\n2|x||y|3\n3|||z|4\n');
    const backslashN = await validate('NULL|NULL|x|NULL\n1|NULL\n2|x|NULL|y|NULL\n', { ...cols, nullValues: ['NULL'] });
    expect(backslashN.out).toBe('\\N|\\N|x|\\N|1\n1|\\N|\\N|\\N|2\n2|x|\\N|y|3\n');
  });

  it('finds null values by block as field by field would, with CRLF, headers, bad and blank lines between (random files)', async () => {
    // Blocks of lines without rare bytes find their null fields with native searches; a block
    // with a backslash classifies every byte. Both must give what splitting each line gives.
    let seed = 7;
    const next = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const words = ['NULL', 'NA', '', 'x', 'NULLX', 'XNULL', 'NUL', 'ANA', 'NAN', 'NULLNULL', '12.5'];
    const cols = { columns: ['a', 'b', 'c', 'd', 'e'], minColumns: 3, extraColumns: 'ignore' as const, header: true };
    const reference = (text: string, copyNull: string, nulls: string[]): string => {
      const out: string[] = [];
      let header = true;
      text.split('\n').forEach((raw, i) => {
        const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
        if (line === '' || (header && !(header = false))) return;
        const fields = line.split('|');
        if (fields.length < 3) return;
        const values = fields.slice(0, 5).map((f) => (nulls.includes(f) ? copyNull : f.replaceAll('\\', '\\\\').replaceAll('\r', '\\r')));
        while (values.length < 5) values.push(copyNull);
        out.push(`${values.join('|')}|${i + 1}\n`);
      });
      return out.join('');
    };
    for (let file = 0; file < 20; file++) {
      const lines: string[] = [];
      for (let l = 0; l < 200; l++) {
        const n = next(10) === 0 ? next(3) + 1 : 3 + next(5);
        let line = Array.from({ length: n }, () => words[next(words.length)]!).join('|');
        if (file % 2 === 0 && next(97) === 0) line += '\\';
        if (next(50) === 0) line = '';
        lines.push(line + (next(4) === 0 ? '\r' : ''));
      }
      const text = lines.join('\n') + '\n';
      for (const [nullValues, copyNull] of [[['', 'NULL', 'NA'], ''], [['NULL', 'NAN'], '\\N']] as const) {
        const expected = reference(text, copyNull, [...nullValues]);
        expect((await validate(text, { ...cols, nullValues: [...nullValues] })).out).toBe(expected);
        for (const size of [64, 500, 4096]) expect((await runOnce(Buffer.from(text), loadSpec({ ...cols, nullValues: [...nullValues] }), size)).out).toBe(expected);
      }
    }
  });

  it('works with a tab delimiter', async () => {
    const r = await validate('1\tx\ty\n', { delimiter: '\t' });
    expect(r.out).toBe('1\tx\ty\t1\n');
  });
});

describe('LineValidator: bytes and encodings', () => {
  it('quarantines a line with a NUL byte (shown as U+2400)', async () => {
    const r = await validate(Buffer.from('1|x|y\n2|a\0b|c\n3|m|n\n'));
    expect(r.out).toBe('1|x|y|1\n3|m|n|3\n');
    expect(r.bad).toEqual([{ line: 2, raw: '2|a\u2400b|c', reason: 'NUL byte' }]);
  });

  it('quarantines invalid UTF-8 at its line and keeps valid multi-byte text split across chunks', async () => {
    const input = Buffer.concat([Buffer.from('1|é|ü\n2|'), Buffer.from([0xff, 0xfe]), Buffer.from('|x\n3|日本|語\n')]);
    const r = await validate(input);
    expect(r.out).toBe('1|é|ü|1\n3|日本|語|3\n');
    expect(r.bad.map((b) => [b.line, b.reason])).toEqual([[2, 'invalid UTF-8']]);
    expect(r.bad[0]?.raw).toBe('2|\ufffd\ufffd|x');
  });

  it('quarantines a last line cut in the middle of a UTF-8 sequence', async () => {
    const r = await validate(Buffer.concat([Buffer.from('1|x|y\n2|x|'), Buffer.from([0xc3])]));
    expect(r.bad.map((b) => b.line)).toEqual([2]);
  });

  it('drops a UTF-8 byte order mark', async () => {
    const r = await validate(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('1|x|y\n')]));
    expect(r.out).toBe('1|x|y|1\n');
    // A null value right after the mark is a whole field too.
    const bomNull = await validate(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('NULL|x|NULL\nNULL|y|z\n')]), { nullValues: ['', 'NULL'] });
    expect(bomNull.out).toBe('|x||1\n|y|z|2\n');
  });

  it('transcodes latin1 to UTF-8', async () => {
    const r = await validate(Buffer.from([...Buffer.from('1|Andr'), 0xe9, ...Buffer.from('|x\n2|'), 0xff, ...Buffer.from('|y\n')]), { encoding: 'latin1' });
    expect(r.out).toBe('1|André|x|1\n2|ÿ|y|2\n');
    expect(r.bad).toEqual([]);
  });

  it('computes the sha1 of the raw bytes', async () => {
    const input = 'a|b|c\n1|2\n';
    const r = await validate(input);
    expect(r.validator.checksum).toBe(createHash('sha1').update(input).digest('hex'));
  });

  it('cuts the raw text of a bad row to 1 KB', async () => {
    const r = await validate(`${'x'.repeat(5000)}\n`);
    expect(r.bad[0]?.raw).toHaveLength(1024);
  });
});

describe('LineValidator: quotes', () => {
  const q = { quote: '"' } as const;

  it('unquotes fields, keeps the delimiter and doubled quotes inside', async () => {
    const r = await validate('1|"a|b"|"say ""hi"""\n2|plain|"x"\n', q);
    expect(r.out).toBe('1|a\\|b|say "hi"|1\n2|plain|x|2\n');
  });

  it('treats an unterminated quote or text after a closing quote as a bad row', async () => {
    const r = await validate('1|"open|x\n2|"a"b|c\n3|ok|ok\n', q);
    expect(r.out).toBe('3|ok|ok|3\n');
    expect(r.bad.map((b) => [b.line, b.reason])).toEqual([
      [1, 'unterminated quoted field (field 2)'],
      [2, 'unexpected character after a closing quote (field 2)'],
    ]);
  });

  it('applies null values to quoted fields and counts quoted fields', async () => {
    const r = await validate('1|""|"NULL"\n"1"|"2"\n', { ...q, nullValues: ['', 'NULL'] });
    expect(r.out).toBe('1|||1\n');
    expect(r.bad.map((b) => b.reason)).toEqual(['expected 3 fields, found 2']);
  });
});

describe('LineValidator: limits', () => {
  it('fails past max_bad_rows, naming the file and the first bad lines', async () => {
    const r = await runOnce(Buffer.from('1\n2\n3|x|y\n4\n'), loadSpec({ maxBadRows: 2 }), 1024);
    expect(r.error).toBeInstanceOf(StrataError);
    const e = r.error as StrataError;
    expect(e.code).toBe('LOAD');
    expect(e.message).toBe('data/x.txt: more than max_bad_rows (2) bad rows; nothing of this file was loaded');
    expect(e.details).toEqual(['line 1: expected 3 fields, found 1', 'line 2: expected 3 fields, found 1', 'line 4: expected 3 fields, found 1']);
  });

  it('fails at the first bad row with on_bad_row: fail', async () => {
    const r = await runOnce(Buffer.from('1|x|y\n2\n'), loadSpec({ onBadRow: 'fail' }), 1024);
    expect((r.error as StrataError).message).toBe('data/x.txt: line 2: expected 3 fields, found 1');
  });

  it('maps COPY row numbers back to file lines past skipped lines', async () => {
    const r = await validate('h|h|h\n1|x|y\nbad\n\n2|p|q\n3|m|n\n', { header: true });
    expect(r.validator.lineOfCopyRow(1)).toBe(2);
    expect(r.validator.lineOfCopyRow(2)).toBe(5);
    expect(r.validator.lineOfCopyRow(3)).toBe(6);
  });
});
