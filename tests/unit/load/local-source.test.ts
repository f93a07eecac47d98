import { createWriteStream, mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { beforeAll, describe, expect, it } from 'vitest';
import { StrataError } from '../../../src/errors/strata-error.js';
import { expandLocalPattern } from '../../../src/load/local-glob.js';
import { compressionOf, isUnlistedArchive, LocalFileSource } from '../../../src/load/local-source.js';
import { loadSpec } from './spec-fixture.js';
import { useTempFiles } from './file-fixture.js';

const files = useTempFiles();
let root: string;

beforeAll(async () => {
  root = files.dir();
  for (const rel of ['data/a.txt', 'data/b.txt', 'data/c.csv', 'data/.hidden.txt', 'data/sub/d.txt', 'data/sub/deep/e.txt']) files.file(rel, `${rel}\n`);
  files.gz('data/z.txt.gz', '1|2|3\n');
  await files.zip('data/arch.zip', { 'perf_1.txt': '1|a|b\n', 'dir/perf_2.txt': '2|c|d\n', 'readme.md': 'hi' });
});

async function matches(pattern: string): Promise<string[]> {
  return (await expandLocalPattern(pattern, root)).map((p) => p.slice(root.length + 1));
}

async function loadError(p: Promise<unknown>): Promise<StrataError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(StrataError);
    return e as StrataError;
  }
  throw new Error('expected a LOAD error');
}

describe('expandLocalPattern', () => {
  it('matches globs below their static base, hidden files only when asked', async () => {
    expect(await matches('data/*.txt')).toEqual(['data/a.txt', 'data/b.txt']);
    expect(await matches('data/**/*.txt')).toEqual(['data/a.txt', 'data/b.txt', 'data/sub/d.txt', 'data/sub/deep/e.txt']);
    expect(await matches('data/*/*/*.txt')).toEqual(['data/sub/deep/e.txt']);
    expect(await matches('data/.*.txt')).toEqual(['data/.hidden.txt']);
    expect(await matches('data/{a,c}.*')).toEqual(['data/a.txt', 'data/c.csv']);
    expect(await matches(join(root, 'data/?.csv'))).toEqual(['data/c.csv']);
    expect(await matches('data/a.txt')).toEqual(['data/a.txt']);
  });

  it('gives LOAD errors naming the pattern for a missing file, a missing directory and an empty glob', async () => {
    expect((await loadError(expandLocalPattern('data/nope.txt', root))).message).toBe('file not found: data/nope.txt');
    expect((await loadError(expandLocalPattern('missing/*.txt', root))).message).toBe('no such directory missing (from files: missing/*.txt)');
    const empty = await loadError(expandLocalPattern('data/*.parquet', root));
    expect([empty.code, empty.message, empty.hint]).toEqual(['LOAD', 'no files match data/*.parquet', 'looked below data']);
    expect((await loadError(expandLocalPattern('data', root))).message).toBe('data is a directory');
  });
});

describe('LocalFileSource', () => {
  const source = (): LocalFileSource => new LocalFileSource(root);

  it('describes plain and gzip files', async () => {
    const [plain] = await source().list('data/a.txt', loadSpec());
    const st = statSync(join(root, 'data/a.txt'));
    expect(plain).toEqual({ uri: 'data/a.txt', formerUri: join(root, 'data/a.txt'), displayName: 'data/a.txt', size: st.size, version: String(Math.floor(st.mtimeMs)), compression: 'none' });
    const [gz] = await source().list('data/*.gz', loadSpec());
    expect(gz?.compression).toBe('gzip');
    expect(await text(await source().open(gz!))).toBe('1|2|3\n');
    expect(compressionOf('X.ZIP')).toBe('zip');
  });

  it('expands zip members matching `members` (base name match) and streams them', async () => {
    const refs = await source().list('data/arch.zip', loadSpec({ members: 'perf_*.txt' }));
    expect(refs.map((r) => [r.displayName, r.member, r.size, r.compression])).toEqual([
      ['data/arch.zip!dir/perf_2.txt', 'dir/perf_2.txt', 6, 'zip'],
      ['data/arch.zip!perf_1.txt', 'perf_1.txt', 6, 'zip'],
    ]);
    expect(refs[0]?.uri).toBe('data/arch.zip!dir/perf_2.txt');
    expect(refs[0]?.formerUri).toBe(`${join(root, 'data/arch.zip')}!dir/perf_2.txt`);
    expect(refs[0]?.version).toMatch(/^crc32:[0-9a-f]{8}$/);
    expect(await text(await source().open(refs[1]!))).toBe('1|a|b\n');
  });

  it('reports a zip without matching members when opened', async () => {
    const [ref] = await source().list('data/arch.zip', loadSpec({ members: '*.csv' }));
    expect(isUnlistedArchive(ref!)).toBe(true);
    const e = await loadError(source().open(ref!));
    expect(e.message).toBe('no member of zip archive data/arch.zip matches `members` of the load: block');
  });

  it('turns a truncated gzip and a truncated zip into LOAD errors naming the file', async () => {
    const gz = files.file('bad/t.txt.gz', readFileSync(join(root, 'data/z.txt.gz')).subarray(0, 12));
    const [gzRef] = await source().list(gz, loadSpec());
    const gzErr = await loadError(text(await source().open(gzRef!)));
    expect(gzErr.message).toBe('truncated gzip file bad/t.txt.gz: the compressed data ends early');

    const zipPath = await files.zip('bad/t.zip', { 'a.txt': 'x'.repeat(1000) });
    truncateSync(zipPath, statSync(zipPath).size - 30);
    const [zipRef] = await source().list('bad/t.zip', loadSpec());
    expect(isUnlistedArchive(zipRef!)).toBe(true);
    const zipErr = await loadError(source().open(zipRef!));
    expect(zipErr.code).toBe('LOAD');
    expect(zipErr.message).toMatch(/^cannot read zip archive bad\/t.zip: truncated or corrupt archive/);
  });

  it("fails a zip member whose bytes do not match the archive's CRC-32 (yauzl checks sizes only)", async () => {
    const path = join(root, 'bad/crc.zip');
    mkdirSync(join(root, 'bad'), { recursive: true });
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.from('1|aaaa|x\n2|bbbb|y\n'), 'stored.txt', { compress: false });
    zip.end();
    await pipeline(zip.outputStream, createWriteStream(path));
    const bytes = readFileSync(path);
    const at = bytes.indexOf('bbbb');
    bytes[at] = 'Q'.charCodeAt(0);
    writeFileSync(path, bytes);
    const [ref] = await source().list('bad/crc.zip', loadSpec());
    const err = await loadError(text(await source().open(ref!)));
    expect(err.code).toBe('LOAD');
    expect(err.message).toMatch(/^cannot read member stored\.txt of zip archive bad\/crc\.zip: truncated or corrupt archive \(bad CRC-32 [0-9a-f]{8} \(should be [0-9a-f]{8}\)\)$/);
  });
});
