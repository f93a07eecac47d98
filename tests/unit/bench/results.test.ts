import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { evaluateTargets, readAllResults, renderBenchmarksMarkdown, type ScenarioResult } from '../../../bench/lib/results.js';

const machine = {
  cpuModel: 'CPU', cores: 2, availableParallelism: 2, totalMemoryBytes: 2 ** 31, os: 'linux', nodeVersion: 'v20',
  gitCommit: 'abcdef1234', gitDirty: false, postgres: null,
};

function result(): ScenarioResult {
  const contenders = [
    { name: 'full', samples: [], minMs: 900, medianMs: 1_000, maxMs: 1_100, peakRssBytes: 1e8, ratio: 1, ratioRounds: 1 },
    { name: 'incremental', samples: [], minMs: 400, medianMs: 500, maxMs: 600, peakRssBytes: 1e8, ratio: 0.5, ratioRounds: 1 },
  ];
  return {
    scenario: 'pipeline', title: 't', description: 'd', date: '2026-11-21T00:00:00Z', machine,
    groups: [{
      name: 'small', date: '2026-11-21T00:00:00Z', gitCommit: 'abcdef1234', warmup: 0, runs: 1, contenders,
      tables: [{ title: 'Time per phase', header: ['Phase', 'full'], rows: [['load', '1 s'], ['a|b', '2 s']] }],
      targets: evaluateTargets(
        [
          { label: 'ratio ≤ 1/3', contender: 'incremental', metric: 'ratio', op: '<=', value: 1 / 3 },
          { label: 'overhead < 2%', contender: 'incremental', metric: 'share', op: '<', value: 0.02 },
        ],
        contenders,
        { 'overhead < 2%': 0.0032 },
      ),
    }],
  };
}

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('BENCHMARKS.md rendering', () => {
  it('renders extra tables, share targets as percentages, and a scenario\'s hand-written analysis', () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-bench-'));
    writeFileSync(join(dir, 'pipeline.json'), JSON.stringify(result()));
    writeFileSync(join(dir, 'pipeline.analysis.md'), 'The load phase dominates.\n');
    const md = renderBenchmarksMarkdown(readAllResults(dir));
    expect(md).toContain('Time per phase:\n\n| Phase | full |\n|---|---:|\n| load | 1 s |\n| a\\|b | 2 s |');
    expect(md).toContain('| ratio ≤ 1/3 | 0.50× | ❌ missed |');
    expect(md).toContain('| overhead < 2% | 0.32% | ✅ met |');
    expect(md).toContain('### pipeline: the gaps and what limits them\n\nThe load phase dominates.\n');
  });
});
