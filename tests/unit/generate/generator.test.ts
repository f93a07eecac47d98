/**
 * The synthetic data generator: determinism, file names, field counts per layout, and how a
 * release grows into the next one.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { entryLines, generate, readZip, tempDir } from './helpers.js';

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    if (name.isDirectory()) out.push(...listFiles(join(dir, name.name)).map((f) => `${name.name}/${f}`));
    else out.push(name.name);
  }
  return out.sort();
}

function snapshot(dir: string): Map<string, Buffer> {
  return new Map(listFiles(dir).map((f) => [f, readFileSync(join(dir, f))]));
}

/** The smallest field count of a well-formed row, per layout (the quarantine threshold). */
const MIN_FIELDS = { freddie_origination: 26, freddie_performance: 23, fannie_acquisition: 25, fannie_performance: 31, fannie_current: 108 } as const;

describe('determinism', () => {
  it('writes the same bytes for the same seed and options', async () => {
    const opts = { quarters: '2019Q1:2019Q4', loansPerQuarter: 120, seed: 7 } as const;
    const a = await generate(opts);
    const b = await generate(opts);
    const sa = snapshot(a.out);
    const sb = snapshot(b.out);
    expect([...sa.keys()]).toEqual([...sb.keys()]);
    for (const [f, bytes] of sa) expect(bytes.equals(sb.get(f)!), f).toBe(true);
  });

  it('writes the same bytes for zips and the current layout', async () => {
    const opts = { quarters: '2020Q1:2020Q2', loansPerQuarter: 80, format: 'current', zip: true } as const;
    const a = snapshot((await generate(opts)).out);
    const b = snapshot((await generate(opts)).out);
    for (const [f, bytes] of a) expect(bytes.equals(b.get(f)!), f).toBe(true);
  });

  it('changes with the seed', async () => {
    const a = await generate({ quarters: '2019Q1', loansPerQuarter: 50, seed: 1 });
    const b = await generate({ quarters: '2019Q1', loansPerQuarter: 50, seed: 2 });
    const f = 'freddie/historical_data_2019Q1.txt';
    expect(readFileSync(join(a.out, f)).equals(readFileSync(join(b.out, f)))).toBe(false);
  });
});

describe('file names', () => {
  it('legacy: Fannie Acquisition/Performance pairs, Freddie origination/monthly pairs, the ground truth beside them', async () => {
    const { out, files } = await generate({ quarters: '2019Q4:2020Q1', loansPerQuarter: 30 });
    expect(listFiles(out)).toEqual([
      'fannie/Acquisition_2019Q4.txt',
      'fannie/Acquisition_2020Q1.txt',
      'fannie/Performance_2019Q4.txt',
      'fannie/Performance_2020Q1.txt',
      'freddie/historical_data_2019Q4.txt',
      'freddie/historical_data_2020Q1.txt',
      'freddie/historical_data_time_2019Q4.txt',
      'freddie/historical_data_time_2020Q1.txt',
      'ground_truth.json',
    ]);
    expect(files).toHaveLength(8);
  });

  it('current + zip: YYYYQn.zip holding YYYYQn.csv, historical_data_YYYYQn.zip holding both Freddie members', async () => {
    const { out } = await generate({ quarters: '2020Q3', loansPerQuarter: 30, format: 'current', zip: true });
    expect(listFiles(out)).toEqual(['fannie/2020Q3.zip', 'freddie/historical_data_2020Q3.zip', 'ground_truth.json']);
    expect([...readZip(join(out, 'fannie/2020Q3.zip')).keys()]).toEqual(['2020Q3.csv']);
    expect([...readZip(join(out, 'freddie/historical_data_2020Q3.zip')).keys()]).toEqual([
      'historical_data_2020Q3.txt',
      'historical_data_time_2020Q3.txt',
    ]);
  });

  it('current without zip: YYYYQn.csv; one agency only', async () => {
    const { out } = await generate({ quarters: '2020Q3', loansPerQuarter: 20, format: 'current', agency: 'fannie' });
    expect(listFiles(out)).toEqual(['fannie/2020Q3.csv', 'ground_truth.json']);
  });
});

describe('field counts per layout', () => {
  it('every well-formed row has exactly its layout\'s fields; short Freddie rows only in the older-layout quarters', async () => {
    const { out, groundTruth: gt } = await generate({ quarters: '2019Q1:2020Q1', loansPerQuarter: 60 });
    const expected: Record<string, number> = {
      'freddie/historical_data_2019Q1.txt': 26,
      'freddie/historical_data_time_2019Q1.txt': 23,
      'freddie/historical_data_2019Q2.txt': 27,
      'freddie/historical_data_time_2019Q2.txt': 26,
      'freddie/historical_data_2019Q3.txt': 31,
      'freddie/historical_data_time_2019Q3.txt': 26,
      'freddie/historical_data_2019Q4.txt': 32,
      'freddie/historical_data_time_2019Q4.txt': 32,
      'freddie/historical_data_2020Q1.txt': 32,
      'freddie/historical_data_time_2020Q1.txt': 32,
      'fannie/Acquisition_2019Q1.txt': 25,
      // the 2000-era variant (every third quarter from the second): one extra trailing field
      'fannie/Acquisition_2019Q2.txt': 26,
      'fannie/Acquisition_2019Q3.txt': 25,
      'fannie/Acquisition_2019Q4.txt': 25,
      'fannie/Acquisition_2020Q1.txt': 26,
    };
    for (const e of gt.files) {
      const want = expected[e.file] ?? (e.layout === 'fannie_performance' ? 31 : undefined);
      expect(want, e.file).toBeDefined();
      expect(e.fields, e.file).toBe(want);
      const lines = entryLines(out, e.file, e.member);
      expect(lines.length).toBe(e.lines);
      const malformed = new Set(e.malformed_lines);
      lines.forEach((line, i) => {
        const n = line.split('|').length;
        if (malformed.has(i + 1)) expect(n, `${e.file}:${i + 1}`).toBeLessThan(MIN_FIELDS[e.layout]);
        else expect(n, `${e.file}:${i + 1}`).toBe(want);
      });
    }
  });

  it('the 108-field file has 108 fields on every well-formed row; --old-freddie-layouts 0 writes only 32-field Freddie rows', async () => {
    const { out, groundTruth: gt } = await generate({ quarters: '2020Q1:2020Q2', loansPerQuarter: 60, format: 'current', oldFreddieLayouts: 0 });
    for (const e of gt.files) {
      const malformed = new Set(e.malformed_lines);
      const want = e.layout === 'fannie_current' ? 108 : 32;
      entryLines(out, e.file, e.member).forEach((line, i) => {
        if (!malformed.has(i + 1)) expect(line.split('|').length, `${e.file}:${i + 1}`).toBe(want);
      });
    }
  });
});

describe('releases', () => {
  it('the next release adds a quarter and grows the monthly files; earlier origination files stay byte-identical and untouched', async () => {
    const out = tempDir();
    const first = await generate({ out, quarters: '2019Q1:2019Q4', loansPerQuarter: 80 });
    const before = snapshot(out);
    const mtimes = new Map([...before.keys()].map((f) => [f, statSync(join(out, f)).mtimeMs]));
    await new Promise((r) => setTimeout(r, 20));
    const next = await generate({ out, quarters: '2019Q1:2020Q1', loansPerQuarter: 80 });
    const after = snapshot(out);

    expect(after.has('fannie/Acquisition_2020Q1.txt')).toBe(true);
    expect(after.has('freddie/historical_data_2020Q1.txt')).toBe(true);
    for (const q of ['2019Q1', '2019Q2', '2019Q3', '2019Q4']) {
      for (const f of [`fannie/Acquisition_${q}.txt`, `freddie/historical_data_${q}.txt`]) {
        expect(after.get(f)!.equals(before.get(f)!), f).toBe(true);
        expect(statSync(join(out, f)).mtimeMs, f).toBe(mtimes.get(f));
        expect(next.groundTruth.files.find((e) => e.file === f)!.status).toBe('unchanged');
      }
      for (const f of [`fannie/Performance_${q}.txt`, `freddie/historical_data_time_${q}.txt`]) {
        const bad = new Set(first.groundTruth.files.find((e) => e.file === f)!.malformed_lines);
        const old = before.get(f)!.toString('utf8').trim().split('\n').filter((_, i) => !bad.has(i + 1));
        const now = new Set(after.get(f)!.toString('utf8').trim().split('\n'));
        expect(now.size, f).toBeGreaterThan(old.length);
        // every month of the earlier release is still there, unchanged (malformed rows may move)
        for (const line of old) expect(now.has(line), `${f}: ${line}`).toBe(true);
      }
    }
    expect(next.groundTruth.counts.clean_loans.fannie).toBe(first.groundTruth.counts.clean_loans.fannie + 80);
    expect(next.groundTruth.counts.clean_loan_months.freddie).toBeGreaterThan(first.groundTruth.counts.clean_loan_months.freddie);
  });

  it('--release picks a release inside --quarters: same bytes as a range ending there', async () => {
    const a = await generate({ quarters: '2019Q3:2020Q2', release: '2019Q4', loans: 800 });
    const b = await generate({ quarters: '2019Q3:2019Q4', loansPerQuarter: 100 });
    expect(a.groundTruth.generator.quarters).toEqual(['2019Q3', '2019Q4']);
    const sa = snapshot(a.out);
    const sb = snapshot(b.out);
    sa.delete('ground_truth.json');
    sb.delete('ground_truth.json');
    expect([...sa.keys()]).toEqual([...sb.keys()]);
    for (const [f, bytes] of sa) expect(bytes.equals(sb.get(f)!), f).toBe(true);
  });

  it('a release later than the last origination quarter only adds months', async () => {
    const { groundTruth: gt } = await generate({ quarters: '2019Q1:2019Q2', release: '2019Q4', loansPerQuarter: 40, agency: 'freddie' });
    expect(gt.generator.release_last_period).toBe('2019-12-01');
    expect(gt.marts.state_performance_quarterly.some((r) => r.period_quarter === '2019Q4')).toBe(true);
    expect(gt.files.map((e) => e.file)).not.toContain('freddie/historical_data_2019Q3.txt');
  });

  it('switching to zips removes the loose files of the earlier run', async () => {
    const out = tempDir();
    await generate({ out, quarters: '2020Q1', loansPerQuarter: 20, agency: 'freddie' });
    await generate({ out, quarters: '2020Q1', loansPerQuarter: 20, agency: 'freddie', zip: true });
    expect(listFiles(out)).toEqual(['freddie/historical_data_2020Q1.zip', 'ground_truth.json']);
  });

  it('rejects bad options', async () => {
    await expect(generate({ quarters: '2019Q5' })).rejects.toThrow(/not a quarter/);
    await expect(generate({ quarters: '2019Q1:2019Q4', release: '2018Q4' })).rejects.toThrow(/before the first quarter/);
    await expect(generate({ quarters: '2019Q1:2019Q4', loans: 3 })).rejects.toThrow(/too few loans/);
  });
});
