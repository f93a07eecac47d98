import { describe, expect, it } from 'vitest';
import type { LoadEvent } from '../../../src/load/events.js';
import { createLoadProgress, fileLine, summaryLines } from '../../../src/load/progress.js';
import type { FileLoadResult, FileRef } from '../../../src/load/types.js';

const file = (name: string, size = 10_000_000): FileRef => ({ uri: `/p/${name}`, displayName: name, size, version: '1', compression: 'none' });
const loaded = (name: string, rows: number, quarantined = 0): FileLoadResult => ({
  source: 'source.p.raw.t', file: file(name), status: 'loaded', reason: 'new', rows, quarantined, bytes: 10_000_000, seconds: 2, batchId: 'b1',
});
const failed: FileLoadResult = {
  source: 'source.p.raw.t', file: file('data/bad.txt.gz'), status: 'failed', reason: 'new', rows: 0, quarantined: 0, bytes: 0, seconds: 0.1,
  error: { code: 'LOAD', message: 'truncated gzip file data/bad.txt.gz: the compressed data ends early', hint: 'fetch it again' },
};
const unchanged: FileLoadResult = { ...loaded('data/old.txt', 0), status: 'unchanged', reason: 'unchanged' };

function run(events: LoadEvent[], isTTY: boolean, json = false): string {
  let out = '';
  const p = createLoadProgress({ write: (s) => (out += s), isTTY, json, columns: 120 });
  for (const e of events) p.onEvent(e);
  return out;
}

const session = (results: FileLoadResult[]): LoadEvent[] => [
  { type: 'plan', batchId: 'b1', dryRun: false, files: results.map((r) => ({ source: r.source, file: r.file, reason: r.reason, action: r.status === 'unchanged' ? 'skip' : 'load' })) },
  { type: 'file-start', source: 'source.p.raw.t', file: file('data/a.txt'), reason: 'new', batchId: 'b1' },
  { type: 'file-progress', source: 'source.p.raw.t', file: file('data/a.txt'), bytes: 5_000_000, totalBytes: 10_000_000, rawBytes: 5_000_000, rows: 1000, seconds: 1 },
  ...results.map((result): LoadEvent => ({ type: 'file-end', result })),
  { type: 'done', results, seconds: 3 },
];

describe('load progress output', () => {
  it('off a terminal: one line per finished file, then the summary with the quarantine query', () => {
    const out = run(session([loaded('data/a.txt', 1_000_000, 3), unchanged, failed]), false);
    expect(out).toBe(
      [
        'loaded   data/a.txt (new): 1,000,000 rows, 3 quarantined, 2.0 s, 5.0 MB/s',
        'FAILED   data/bad.txt.gz: truncated gzip file data/bad.txt.gz: the compressed data ends early',
        '         hint: fetch it again',
        'Loaded 1 file (1,000,000 rows) in 3.0 s; 1 unchanged (skipped); 1 failed.',
        '3 rows quarantined; to see them:',
        "  select file_name, line, reason, raw from strata_meta.quarantine where batch_id = 'b1' order by file_name, line;",
        '  failed: data/bad.txt.gz: truncated gzip file data/bad.txt.gz: the compressed data ends early',
        '',
      ].join('\n'),
    );
  });

  it('on a terminal: draws bars (cursor control) and still ends with the summary', () => {
    const out = run(session([loaded('data/a.txt', 10)]), true);
    expect(out).toContain('data/a.txt');
    expect(out).toContain('\x1B[?25l'); // cursor hidden while bars are live
    expect(out).toContain('loaded   data/a.txt (new): 10 rows');
    expect(out.trimEnd().endsWith('Loaded 1 file (10 rows) in 3.0 s; 0 unchanged (skipped); 0 failed.')).toBe(true);
  });

  it('json: every event as one line', () => {
    const events = session([loaded('data/a.txt', 10)]);
    const lines = run(events, false, true).trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as LoadEvent).type)).toEqual(['plan', 'file-start', 'file-progress', 'file-end', 'done']);
  });

  it('dry run: the plan with reasons and what would load', () => {
    const events: LoadEvent[] = [
      {
        type: 'plan', batchId: 'b1', dryRun: true, files: [
          { source: 's', file: file('a.txt'), reason: 'new', action: 'load' },
          { source: 's', file: file('b.txt'), reason: 'changed', action: 'load' },
          { source: 's', file: file('c.txt'), reason: 'unchanged', action: 'skip' },
        ],
      },
      { type: 'done', results: [{ ...unchanged, reason: 'new' }, { ...unchanged, reason: 'changed' }, unchanged], seconds: 0 },
    ];
    expect(run(events, false)).toBe(
      'load     a.txt (new)\nload     b.txt (changed)\nskip     c.txt (unchanged)\nDry run: 2 files would load (1 new, 1 changed, 0 reload); 1 unchanged; 0 failed.\n',
    );
  });

  it('dry run: files the load: block now reads differently are counted as reread', () => {
    const events: LoadEvent[] = [
      { type: 'plan', batchId: 'b1', dryRun: true, files: [{ source: 's', file: file('a.txt'), reason: 'reread', action: 'load' }] },
      { type: 'done', results: [{ ...unchanged, reason: 'reread' }], seconds: 0 },
    ];
    expect(run(events, false)).toBe(
      'load     a.txt (reread)\nDry run: 1 file would load (0 new, 0 changed, 1 reread (the load: block reads them differently), 0 reload); 0 unchanged; 0 failed.\n',
    );
  });

  it('a moved file says which file it was, in a dry run and when loaded', () => {
    const events: LoadEvent[] = [
      { type: 'plan', batchId: 'b1', dryRun: true, files: [{ source: 's', file: file('2020/a.txt'), reason: 'moved', action: 'load', movedFrom: 'a.txt' }] },
      { type: 'done', results: [{ ...unchanged, reason: 'moved', movedFrom: 'a.txt' }], seconds: 0 },
    ];
    expect(run(events, false)).toBe('load     2020/a.txt (moved from a.txt)\nDry run: 1 file would load (0 new, 0 changed, 1 moved, 0 reload); 0 unchanged; 0 failed.\n');
    expect(fileLine({ ...loaded('data/2020/a.txt', 12), reason: 'moved', movedFrom: 'data/a.txt' })).toBe('loaded   data/2020/a.txt (moved from data/a.txt): 12 rows, 2.0 s, 5.0 MB/s');
  });

  it('a failure whose message starts with the file name does not repeat it', () => {
    const layout: FileLoadResult = { ...failed, file: file('data/x.txt'), error: { code: 'LOAD', message: 'data/x.txt: line 3: the database rejected the load: boom' } };
    expect(fileLine(layout)).toBe('FAILED   data/x.txt: line 3: the database rejected the load: boom');
    expect(summaryLines([layout], 1)).toEqual(['Loaded 0 files (0 rows) in 1.0 s; 0 unchanged (skipped); 1 failed.', '  failed: data/x.txt: line 3: the database rejected the load: boom']);
  });

  it('formats single lines', () => {
    expect(fileLine(unchanged)).toBe('skipped  data/old.txt (unchanged)');
    const diffed: FileLoadResult = { ...loaded('data/perf.txt', 312_000), reason: 'changed', delta: { mode: 'delta', inserted: 61_000, deleted: 2 } };
    expect(fileLine(diffed)).toBe('loaded   data/perf.txt (changed): 312,000 rows (61,000 new or changed written, 2 removed), 2.0 s, 5.0 MB/s');
    expect(fileLine({ ...diffed, delta: { mode: 'replaced', inserted: 312_000, deleted: 300_000 } })).toBe(
      'loaded   data/perf.txt (changed): 312,000 rows (replaced whole: its keys repeat), 2.0 s, 5.0 MB/s',
    );
    expect(summaryLines([], 0)).toEqual(['Loaded 0 files (0 rows) in 0.0 s; 0 unchanged (skipped); 0 failed.']);
  });
});
