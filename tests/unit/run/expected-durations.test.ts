import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expectedDurations } from '../../../src/run/expected-durations.js';
import { writeRunResults, type NodeResult } from '../../../src/run/run-results.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function targetWith(results: Array<Pick<NodeResult, 'uniqueId' | 'status' | 'seconds'>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'strata-durations-'));
  dirs.push(dir);
  writeRunResults(dir, {
    metadata: { strataVersion: 'x', invocationId: 'i', command: 'build', startedAt: '', finishedAt: '', target: 'dev' },
    args: {},
    results: results.map((r) => ({ name: r.uniqueId, resourceType: 'model', message: '', ...r }) as NodeResult),
    elapsedSeconds: 1,
  });
  return dir;
}

describe('expectedDurations', () => {
  it("weighs nodes by the seconds they took in the last run; others count as the median of those that did work", () => {
    const dir = targetWith([
      { uniqueId: 'model.p.a', status: 'success', seconds: 2 },
      { uniqueId: 'tests:model.p.a', status: 'warn', seconds: 0.5 },
      { uniqueId: 'model.p.b', status: 'error', seconds: 8 },
      { uniqueId: 'model.p.c', status: 'up_to_date', seconds: 0 },
      { uniqueId: 'model.p.d', status: 'skipped', seconds: 0 },
    ]);
    const weight = expectedDurations(dir, 4)!;
    expect(['model.p.a', 'tests:model.p.a', 'model.p.b', 'model.p.c', 'model.p.d', 'model.p.new'].map(weight)).toEqual([2, 0.5, 8, 2, 2, 2]);
  });

  it('none without a previous run, or with one thread (a serial run keeps its order)', () => {
    const empty = mkdtempSync(join(tmpdir(), 'strata-durations-'));
    dirs.push(empty);
    expect(expectedDurations(empty, 4)).toBeUndefined();
    expect(expectedDurations(targetWith([{ uniqueId: 'model.p.a', status: 'success', seconds: 2 }]), 1)).toBeUndefined();
  });
});
