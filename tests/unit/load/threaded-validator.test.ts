import { Readable, Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { StrataError } from '../../../src/errors/strata-error.js';
import { LineHashes, type HashPlan, type LineHashResult } from '../../../src/load/line-hashes.js';
import { LineValidator, type Validation } from '../../../src/load/line-validator.js';
import { ThreadedValidator } from '../../../src/load/threaded-validator.js';
import type { LoadSpec } from '../../../src/load/types.js';
import { loadSpec } from './spec-fixture.js';

interface Outcome {
  out: string;
  rows: number;
  sent: number;
  lines: number;
  bytes: number;
  checksum: string | undefined;
  bad: Validation['badRows'];
  copyRowLines: Array<number | undefined>;
  hashes?: { keysUsable: boolean; unmatched: number; keysGrouped: boolean; parts: string };
  error?: string;
}

async function drive(validator: Transform & Validation, input: Buffer, chunk: number, hashes: () => LineHashResult | undefined): Promise<Outcome> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < input.length; i += chunk) chunks.push(input.subarray(i, i + chunk));
  const out: Buffer[] = [];
  let error: string | undefined;
  try {
    await pipeline(Readable.from(chunks), validator, new Writable({ write: (c: Buffer, _e, cb) => (out.push(c), cb()) }));
  } catch (e) {
    error = e instanceof StrataError ? `${e.code}: ${e.message} ${e.details?.join('; ') ?? ''}` : String(e);
  }
  const h = error ? undefined : hashes();
  return {
    out: Buffer.concat(out).toString(), rows: validator.rows, sent: validator.sent, lines: validator.lines, bytes: validator.bytes,
    checksum: validator.checksum, bad: validator.badRows, copyRowLines: [1, 2, 3, 5, 100].map((n) => validator.lineOfCopyRow(n)),
    ...(h ? { hashes: { keysUsable: h.keysUsable, unmatched: h.unmatched, keysGrouped: h.keysGrouped, parts: Buffer.concat(h.parts()).toString('hex') } } : {}),
    ...(error ? { error } : {}),
  };
}

/** The same input through LineValidator on this thread and through a validation thread. */
async function both(input: string, spec: LoadSpec, plan?: () => HashPlan, chunk = 5): Promise<[Outcome, Outcome]> {
  const buf = Buffer.from(input);
  const here = plan && (await LineHashes.create(spec, plan()));
  const local = await drive(new LineValidator(spec, 'x.txt', here), buf, chunk, () => here);
  const threaded = new ThreadedValidator(spec, 'x.txt', plan?.());
  const remote = await drive(threaded, buf, chunk, () => threaded.hashes);
  return [local, remote];
}

/** The stored hashes of a first load of `input`. */
async function stored(input: string, spec: LoadSpec): Promise<Buffer[]> {
  const [, remote] = await both(input, spec, () => ({ kind: 'collect' }));
  return [Buffer.from(remote.hashes!.parts, 'hex')];
}

describe('ThreadedValidator', () => {
  const keyed = loadSpec({ key: ['a', 'b'] });

  it('gives what LineValidator gives: rows, bad rows, counts, checksum, line mapping', async () => {
    const [local, remote] = await both('1|x|y\n2|p\n\n3|a|b|c\r\n4|NUL\0|n\n5|m|n', loadSpec({ nullValues: ['', 'NULL'] }), undefined, 3);
    expect(local.bad.length).toBe(3);
    expect(local.out).toBe('1|x|y|1\n5|m|n|6\n');
    expect(remote).toEqual(local);
  });

  it('collects and prefilters line hashes as LineValidator does', async () => {
    const first = '1|x|10\n2|y|20\nbad\n3|z|30\n';
    const [localFirst, remoteFirst] = await both(first, keyed, () => ({ kind: 'collect' }));
    expect(remoteFirst).toEqual(localFirst);
    const previous = await stored(first, keyed);
    const [local, remote] = await both('1|x|10\n15|n|90\n2|y|20\r\n3|z|31\n', keyed, () => ({ kind: 'prefilter', previous, keysGrouped: true }), 4);
    expect(local.out).toBe('15|n|90|2\n3|z|31|4\n');
    expect([local.hashes?.unmatched, local.hashes?.keysUsable]).toEqual([1, true]);
    expect(remote).toEqual(local);
  });

  it('fails as LineValidator fails (max_bad_rows), and the next file on a thread still loads', async () => {
    const spec = loadSpec({ maxBadRows: 1 });
    const [local, remote] = await both('1|x|y\nbad\nworse\n2|p|q\n', spec);
    expect(local.error).toMatch(/more than max_bad_rows \(1\)/);
    expect(remote).toEqual(local);
    const [again, againRemote] = await both('1|x|y\n', spec);
    expect(againRemote).toEqual(again);
  });

  it('holds input back while a megabyte waits on the thread, and keeps every byte in order', async () => {
    const line = (i: number): string => `${i}|${'v'.repeat(40)}|${i % 7}\n`;
    const input = Array.from({ length: 100_000 }, (_, i) => line(i)).join('');
    const [local, remote] = await both(input, loadSpec(), undefined, 65_536);
    expect(remote.rows).toBe(100_000);
    expect(remote).toEqual(local);
  });
});
