import { describe, expect, it } from 'vitest';
import { summarizeResults, type NodeResult } from '../../../src/run/run-results.js';

const base = { name: 'x', resourceType: 'test' as const, seconds: 0, message: '' };

describe('the run summary', () => {
  it('counts each test of a test group, whether the group ran or was skipped', () => {
    const ran: NodeResult = {
      ...base, uniqueId: 'tests:model.p.a', status: 'success',
      tests: [
        { uniqueId: 't1', name: 't1', testType: 'generic', status: 'pass', severity: 'error', seconds: 0, message: 'pass' },
        { uniqueId: 't2', name: 't2', testType: 'generic', status: 'fail', severity: 'error', seconds: 0, message: '1 row failed' },
      ],
    };
    const skipped: NodeResult = { ...base, uniqueId: 'tests:model.p.b', status: 'skipped', skippedBecause: 'model.p.b', skippedTests: 3 };
    const model: NodeResult = { ...base, uniqueId: 'model.p.b', resourceType: 'model', status: 'error' };
    expect(summarizeResults([ran, skipped, model])).toEqual({ pass: 1, warn: 0, error: 2, skip: 3, upToDate: 0, total: 6 });
  });
});
