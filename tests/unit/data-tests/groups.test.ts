import { describe, expect, it } from 'vitest';
import { planTestGroups } from '../../../src/data-tests/groups.js';
import { compileFixture } from './compiled-fixture.js';

const manifest = compileFixture();
const allIds = () => Object.keys(manifest.nodes);

describe('planTestGroups', () => {
  it('groups generic tests by attached node; each singular test is its own group', () => {
    const groups = planTestGroups(manifest, allIds());
    expect(groups.map((g) => g.id)).toEqual([
      'test.u.singular_a',
      'test.u.singular_b',
      'tests:model.u.e',
      'tests:model.u.m',
      'tests:source.u.raw.events',
    ]);
    const m = groups.find((g) => g.id === 'tests:model.u.m')!;
    expect(m.attachedNode).toBe('model.u.m');
    expect(m.testIds).toEqual([
      'test.u.av', 'test.u.av_unquoted', 'test.u.combo', 'test.u.custom', 'test.u.expr_col', 'test.u.expr_model', 'test.u.nn',
      'test.u.nn_expr', 'test.u.nonempty', 'test.u.prop', 'test.u.prop_where', 'test.u.rel', 'test.u.rng', 'test.u.rows', 'test.u.uniq', 'test.u.uniq_expr',
      'test.u.uniq_where',
    ]);
    // relationships reads `other` too: the group waits for both.
    expect(m.dependsOn).toEqual(['model.u.m', 'model.u.other']);
  });

  it('gives singular tests no attached node and the union of what they read', () => {
    const groups = planTestGroups(manifest, ['test.u.singular_b', 'test.u.singular_a']);
    expect(groups).toEqual([
      { id: 'test.u.singular_a', testIds: ['test.u.singular_a'], dependsOn: ['source.u.raw.events'] },
      { id: 'test.u.singular_b', testIds: ['test.u.singular_b'], dependsOn: ['model.u.m', 'model.u.other'] },
    ]);
  });

  it('does not depend on the order or duplicates of the selection, and ignores non-tests', () => {
    const ids = allIds();
    const forward = planTestGroups(manifest, ids);
    const backward = planTestGroups(manifest, [...ids].reverse().concat(ids, ['model.u.m', 'test.u.nope']));
    expect(backward).toEqual(forward);
    expect(planTestGroups(manifest, ['model.u.m', 'nothing'])).toEqual([]);
  });

  it('keeps only the selected tests of a node', () => {
    expect(planTestGroups(manifest, ['test.u.uniq', 'test.u.nn'])).toEqual([
      { id: 'tests:model.u.m', attachedNode: 'model.u.m', testIds: ['test.u.nn', 'test.u.uniq'], dependsOn: ['model.u.m'] },
    ]);
  });
});
