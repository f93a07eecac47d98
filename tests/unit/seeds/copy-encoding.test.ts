import { describe, expect, it } from 'vitest';
import { copyChunks, encodeCsvRow, encodeTextRow, escapeCopyText } from '../../../src/seeds/copy-encoding.js';

const raw = { trim: [false, false, false] };

async function collect(gen: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const s of gen) out.push(s);
  return out;
}

async function* records(rows: string[][]): AsyncGenerator<string[]> {
  yield* rows;
}

describe('escapeCopyText', () => {
  it.each([
    ['plain', 'plain'],
    ['a\\b', 'a\\\\b'],
    ['tab\there', 'tab\\there'],
    ['line\nbreak', 'line\\nbreak'],
    ['crlf\r\n', 'crlf\\r\\n'],
    ['\\N', '\\\\N'],
    ['\\.', '\\\\.'],
    ['"quotes" and , commas', '"quotes" and , commas'],
  ])('%j -> %j', (value, expected) => {
    expect(escapeCopyText(value)).toBe(expected);
  });
});

describe('encodeTextRow', () => {
  it('separates with tabs, ends with a newline, writes NULL as \\N', () => {
    expect(encodeTextRow(['1', '', 'x'], raw)).toBe('1\t\\N\tx\n');
    expect(encodeTextRow(['null', ' NULL ', 'None'], raw)).toBe('\\N\t\\N\tNone\n');
  });

  it('escapes values and trims only the columns marked for it', () => {
    expect(encodeTextRow([' 5 ', ' keep ', 'a\tb\nc'], { trim: [true, false, false] })).toBe('5\t keep \ta\\tb\\nc\n');
  });

  it('keeps unicode as is', () => {
    expect(encodeTextRow(['zoë', '東京', '🙂'], raw)).toBe('zoë\t東京\t🙂\n');
  });
});

describe('encodeCsvRow', () => {
  it('quotes every value, doubles quotes, leaves NULL unquoted and empty', () => {
    expect(encodeCsvRow(['1', '', 'say "hi", ok'], raw)).toBe('"1",,"say ""hi"", ok"\n');
    expect(encodeCsvRow(['multi\nline', 'null', '\\N'], raw)).toBe('"multi\nline",,"\\N"\n');
  });
});

describe('copyChunks', () => {
  it('skips the header and batches rows', async () => {
    const chunks = await collect(copyChunks(records([['a', 'b'], ['1', 'x'], ['2', '']]), { trim: [true, false] }));
    expect(chunks).toEqual(['1\tx\n2\t\\N\n']);
  });

  it('yields nothing for a header-only file', async () => {
    expect(await collect(copyChunks(records([['a']]), { trim: [false] }))).toEqual([]);
  });

  it('cuts the payload into chunks of about 64 KiB without splitting rows', async () => {
    const rows = [['h'], ...Array.from({ length: 20_000 }, (_, i) => [`value-${i}`])];
    const chunks = await collect(copyChunks(records(rows), { trim: [false] }));
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) expect(c.endsWith('\n')).toBe(true);
    expect(chunks.join('').split('\n').length - 1).toBe(20_000);
  });

  it('can produce csv format', async () => {
    const chunks = await collect(copyChunks(records([['a'], ['x"y'], ['']]), { trim: [false] }, 'csv'));
    expect(chunks).toEqual(['"x""y"\n\n']);
  });
});
