import { describe, expect, it } from 'vitest';
import { phaseBreakdown, phaseOf, unionLength } from '../../../bench/lib/run-phases.js';

const at = (ms: number): string => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();

describe('unionLength', () => {
  it('counts overlapping intervals once and ignores empty ones', () => {
    expect(unionLength([])).toBe(0);
    expect(unionLength([[0, 10], [5, 15], [20, 30], [25, 26], [40, 40]])).toBe(25);
    expect(unionLength([[20, 30], [0, 10]])).toBe(20);
  });
});

describe('phaseOf', () => {
  it('maps sources to load, seeds, tests, and models to their schema', () => {
    expect(phaseOf({ resourceType: 'source', status: 'success' })).toBe('load');
    expect(phaseOf({ resourceType: 'seed', status: 'success', relation: '"reference"."x"' })).toBe('seeds');
    expect(phaseOf({ resourceType: 'unit_test', status: 'success' })).toBe('tests');
    expect(phaseOf({ resourceType: 'model', status: 'success', relation: '"clean"."loans"' })).toBe('clean');
    expect(phaseOf({ resourceType: 'model', status: 'success', relation: '"we""ird"."x"' })).toBe('we"ird');
  });
});

describe('phaseBreakdown', () => {
  it('phases are unions of node intervals; overhead is wall minus the union of statement intervals', () => {
    const b = phaseBreakdown(
      [
        { resourceType: 'source', status: 'success', startedAt: at(100), completedAt: at(600), timing: [{ name: 'execute', startedAt: at(110), completedAt: at(590) }] },
        { resourceType: 'model', relation: '"clean"."a"', status: 'success', startedAt: at(600), completedAt: at(900), timing: [{ name: 'execute', startedAt: at(650), completedAt: at(850) }] },
        { resourceType: 'model', relation: '"clean"."b"', status: 'success', startedAt: at(700), completedAt: at(1000), timing: [{ name: 'execute', startedAt: at(750), completedAt: at(950) }] },
        { resourceType: 'test', status: 'success', startedAt: at(1000), completedAt: at(1100), timing: [] },
        { resourceType: 'model', relation: '"marts"."m"', status: 'skipped' },
      ],
      1_200,
    );
    expect(b.phases).toEqual({ load: 500, clean: 400, tests: 100 });
    expect(Object.keys(b.phases)).toEqual(['load', 'clean', 'tests']);
    expect(b.workMs).toBe(480 + 300);
    expect(b.overheadMs).toBe(1_200 - 780);
  });
});
