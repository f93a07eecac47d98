import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { HashChunks, KeySet, PreviousLines } from '../../../src/load/hash-tables.js';
import { LineHashes } from '../../../src/load/line-hashes.js';
import { LineValidator } from '../../../src/load/line-validator.js';
import type { LoadSpec } from '../../../src/load/types.js';
import { loadSpec } from './spec-fixture.js';

/** Runs `input` through a validator with `hashes` (in chunks of `chunk` bytes); returns what COPY would get. */
async function run(input: string, spec: LoadSpec, hashes: LineHashes, chunk = input.length): Promise<{ out: string; validator: LineValidator }> {
  const validator = new LineValidator(spec, 'x.txt', hashes);
  const chunks: Buffer[] = [];
  for (let i = 0; i < input.length; i += chunk) chunks.push(Buffer.from(input.slice(i, i + chunk)));
  const out: Buffer[] = [];
  await pipeline(Readable.from(chunks), validator, new Writable({ write: (c: Buffer, _e, cb) => (out.push(c), cb()) }));
  return { out: Buffer.concat(out).toString(), validator };
}

/** The line hashes a first load of `input` stores. */
async function stored(input: string, spec: LoadSpec): Promise<PreviousLines> {
  const hashes = await LineHashes.collect(spec);
  await run(input, spec, hashes);
  return new PreviousLines(hashes.hashes.parts());
}

const h = (n: number): Uint8Array => {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setUint32(0, n, true);
  b[15] = n & 0xff;
  return b;
};

describe('hash tables', () => {
  it('PreviousLines: each stored entry is taken once; a hash stored twice can be taken twice', () => {
    const chunks = new HashChunks();
    for (const n of [1, 2, 2, 17]) chunks.push(h(n)); // 1 and 17 share a slot in a 16-slot table
    const prev = new PreviousLines(chunks.parts());
    expect([prev.count, prev.untaken]).toEqual([4, 4]);
    expect([prev.take(h(17)), prev.take(h(1)), prev.take(h(1)), prev.take(h(3))]).toEqual([true, true, false, false]);
    expect([prev.take(h(2)), prev.take(h(2)), prev.take(h(2))]).toEqual([true, true, false]);
    expect(prev.untaken).toBe(0);
  });

  it('PreviousLines: lines in reverse order are each taken in constant time, not by stepping over the taken ones', () => {
    const n = 200_000;
    const chunks = new HashChunks();
    for (let i = 0; i < n; i++) chunks.push(h(i));
    const prev = new PreviousLines(chunks.parts());
    let taken = 0;
    // Quadratic stepping would be ~2*10^10 steps here: the test would not finish.
    for (let i = n - 1; i >= 0; i--) if (prev.take(h(i))) taken++;
    expect([taken, prev.untaken, prev.take(h(0))]).toEqual([n, 0, false]);
  });

  it('KeySet: add says whether a hash was new, across growth', () => {
    const set = new KeySet();
    const added = Array.from({ length: 1000 }, (_, i) => set.add(i * 7919, i));
    expect(added.every(Boolean)).toBe(true);
    expect([set.add(0, 0), set.add(999 * 7919, 999), set.add(999 * 7919, 998)]).toEqual([false, false, true]);
  });

  it('HashChunks: parts hold every hash in order', () => {
    const chunks = new HashChunks();
    chunks.push(h(5));
    chunks.push(h(6));
    expect(Buffer.concat(chunks.parts())).toEqual(Buffer.concat([h(5), h(6)]));
  });
});

describe('LineHashes', () => {
  const spec = loadSpec({ key: ['a', 'b'] });

  it('prefilter: lines the previous version had are kept from COPY; rows count them; COPY rows map to their lines', async () => {
    const prev = await stored('1|x|10\n2|y|20\n3|z|30\n', spec);
    const hashes = await LineHashes.prefilter(spec, prev, true);
    const { out, validator } = await run('1|x|10\n15|n|90\n2|y|20\r\n3|z|31\n', spec, hashes, 3);
    expect(out).toBe('15|n|90|2\n3|z|31|4\n');
    expect([validator.rows, validator.sent, hashes.unmatched, hashes.keysUsable]).toEqual([4, 2, 1, true]);
    expect([validator.lineOfCopyRow(1), validator.lineOfCopyRow(2)]).toEqual([2, 4]);
    // Every good line is hashed for the next version (a CRLF line hashes like its LF twin).
    expect(hashes.hashes.count).toBe(4);
  });

  it('collect: every line goes to COPY; bad lines are not hashed', async () => {
    const hashes = await LineHashes.collect(spec);
    const { out, validator } = await run('1|x|10\nbad\n2|y|20\n', spec, hashes);
    expect(out).toBe('1|x|10|1\n2|y|20|3\n');
    expect([validator.rows, validator.sent, hashes.hashes.count]).toEqual([2, 2, 2]);
  });

  it('keys are compared as values: spellings of one key repeat it; a NULL in the key is refused', async () => {
    const quoted = loadSpec({ key: ['b', 'a'], quote: '"' });
    /** Whether the keys were usable (in both modes), and how many good rows were seen. */
    const check = async (input: string): Promise<[boolean, number]> => {
      const results: Array<[boolean, number]> = [];
      for (const grouped of [true, false]) {
        const hashes = await LineHashes.prefilter(quoted, new PreviousLines([]), grouped);
        const { validator } = await run(input, quoted, hashes);
        results.push([hashes.keysUsable, validator.rows]);
      }
      expect(results[0]).toEqual(results[1]);
      return results[0]!;
    };
    expect(await check('1|x|10\n2|x|10\n1|y|10\n')).toEqual([true, 3]);
    expect(await check('1|x|10\n"1"|x|11\n')).toEqual([false, 2]); // "1" is 1
    expect(await check('"a|b"|x|1\n"a\\|b"|x|2\n')).toEqual([true, 2]); // `a|b` is not `a\|b`
    expect(await check('"a|b"|x|1\n"a|b"|x|2\n')).toEqual([false, 2]);
    expect(await check('1|x|10\n2||20\n')).toEqual([false, 2]); // '' is NULL
  });

  it('lines known by their bytes are not encoded, and their keys are checked as written', async () => {
    const spec3 = loadSpec({ key: ['a', 'c'], quote: '"', minColumns: 2, nullValues: ['', 'NULL'] });
    const usable = async (previous: string, input: string): Promise<[boolean, number, number]> => {
      const results: Array<[boolean, number, number]> = [];
      for (const grouped of [true, false]) {
        const hashes = await LineHashes.prefilter(spec3, await stored(previous, spec3), grouped);
        const { validator } = await run(input, spec3, hashes);
        results.push([hashes.keysUsable, validator.rows, validator.sent]);
      }
      expect(results[0]).toEqual(results[1]);
      return results[0]!;
    };
    // Known lines and a new one: keys usable, only the new line sent.
    expect(await usable('1|x|10\n2|y|20\n', '1|x|10\n2|y|20\n3|z|30\n')).toEqual([true, 3, 1]);
    // A new line repeating a known line's key, spelled with quotes: a repeat.
    expect(await usable('1|x|10\n2|y|20\n', '1|x|10\n2|y|20\n"2"|w|"20"\n')).toEqual([false, 3, 1]);
    // Known lines whose key holds a null value, or stops before a key column (padded: NULL).
    expect((await usable('1|x|NULL\n', '1|x|NULL\n'))[0]).toBe(false);
    expect((await usable('1|x|\n', '1|x|\n'))[0]).toBe(false);
    expect((await usable('1|x\n', '1|x\n'))[0]).toBe(false);
    expect((await usable('1|x|10\n2|y\n', '1|x|10\n2|y\n'))[0]).toBe(false);
  });

  it('a line as written and an encoded row never match: a quoted line is not its unquoted twin', async () => {
    const quoted = loadSpec({ key: ['a', 'b'], quote: '"' });
    const hashes = await LineHashes.prefilter(quoted, await stored('"1"|x|10\n', quoted), true);
    const { out } = await run('1|x|10\n', quoted, hashes);
    expect([out, hashes.unmatched]).toEqual(['1|x|10|1\n', 1]);
  });

  it('grouped keys: a repeat within a run of the first key column is found; a first key value coming back in a later run gives up; the set finds repeats anywhere', async () => {
    const two = loadSpec({ key: ['a', 'b'] });
    const usable = async (input: string, grouped: boolean): Promise<boolean> => {
      const hashes = await LineHashes.prefilter(two, new PreviousLines([]), grouped);
      await run(input, two, hashes);
      return hashes.keysUsable;
    };
    const sorted = 'L1|1|a\nL1|2|b\nL2|1|c\nL2|2|d\n';
    expect([await usable(sorted, true), await usable(sorted, false)]).toEqual([true, true]);
    const repeatInRun = 'L1|1|a\nL1|2|b\nL1|1|c\nL2|1|d\n';
    expect([await usable(repeatInRun, true), await usable(repeatInRun, false)]).toEqual([false, false]);
    // L1 again after L2: grouped gives up (a repeat could hide anywhere), the set sees none.
    const unsorted = 'L1|1|a\nL2|1|b\nL1|2|c\n';
    expect([await usable(unsorted, true), await usable(unsorted, false)]).toEqual([false, true]);
    // Runs in no order (Fannie's loans) are grouped all the same: each value is one run.
    const clustered = 'L2|1|a\nL2|2|b\nL1|1|c\nL3|1|d\nL1x|1|e\n';
    expect([await usable(clustered, true), await usable(clustered, false)]).toEqual([true, true]);
    const repeatInLaterRun = 'L2|1|a\nL1|1|b\nL1|1|c\n';
    expect([await usable(repeatInLaterRun, true), await usable(repeatInLaterRun, false)]).toEqual([false, false]);
    // What is stored for the next reload: whether the first key column was grouped.
    const watch = async (input: string): Promise<boolean> => {
      const hashes = await LineHashes.collect(two);
      await run(input, two, hashes);
      return hashes.keys.grouped;
    };
    expect([await watch(sorted), await watch(unsorted), await watch(repeatInRun), await watch(clustered)]).toEqual([true, false, true, true]);
  });
});
