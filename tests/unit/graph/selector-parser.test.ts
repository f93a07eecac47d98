import { describe, expect, it } from 'vitest';
import { StrataError } from '../../../src/errors/strata-error.js';
import { parseCriterion, parseSelectExclude, parseSelectionArgs } from '../../../src/graph/selector-parser.js';

describe('parseCriterion', () => {
  it.each([
    ['orders', { method: 'fqn', value: 'orders', parents: false, children: false, childrensParents: false }],
    ['+orders', { method: 'fqn', value: 'orders', parents: true }],
    ['2+orders', { value: 'orders', parents: true, parentsDepth: 2 }],
    ['orders+', { value: 'orders', children: true }],
    ['orders+3', { value: 'orders', children: true, childrenDepth: 3 }],
    ['2+tag:nightly+3', { method: 'tag', value: 'nightly', parentsDepth: 2, childrenDepth: 3 }],
    ['+x+', { value: 'x', parents: true, children: true }],
    ['@source:raw', { method: 'source', value: 'raw', childrensParents: true, parents: false }],
    ['@x+', { value: 'x', childrensParents: true, children: true }],
    ['config.materialized:table', { method: 'config', methodArgs: ['materialized'], value: 'table' }],
    ['config.meta.owner:a@b.com', { method: 'config', methodArgs: ['meta', 'owner'], value: 'a@b.com' }],
    ['models/staging', { method: 'path', value: 'models/staging' }],
    ['models\\staging', { method: 'path', value: 'models\\staging' }],
    ['orders.sql', { method: 'file', value: 'orders.sql' }],
    ['codes.CSV', { method: 'file', value: 'codes.CSV' }],
    ['marts.orders', { method: 'fqn', value: 'marts.orders' }],
    ['stg_*', { method: 'fqn', value: 'stg_*' }],
    ['state:modified.body', { method: 'state', value: 'modified.body' }],
    ['selector:nightly', { method: 'selector', value: 'nightly' }],
    ['resource_type:unit_test', { method: 'resource_type', value: 'unit_test' }],
    ['test_type:data', { method: 'test_type', value: 'data' }],
  ])('%s', (raw, expected) => {
    const c = parseCriterion(raw);
    expect(c).toMatchObject({ kind: 'criterion', raw, methodArgs: expect.any(Array), ...expected });
    // A depth is only present when written: `+x` means unlimited.
    if (!/^\d/.test(raw)) expect(c).not.toHaveProperty('parentsDepth');
    if (!/\+\d+$/.test(raw)) expect(c).not.toHaveProperty('childrenDepth');
  });
});

describe('parseSelectionArgs', () => {
  it('returns undefined when there is no term', () => {
    expect(parseSelectionArgs(undefined)).toBeUndefined();
    expect(parseSelectionArgs([])).toBeUndefined();
    expect(parseSelectionArgs(['', '   '])).toBeUndefined();
  });

  it('makes a union of spaces and separate args, an intersection of commas', () => {
    const spec = parseSelectionArgs(['a  tag:x,+b', 'c']);
    expect(spec).toMatchObject({
      kind: 'union',
      items: [
        { kind: 'criterion', value: 'a' },
        { kind: 'intersection', items: [{ method: 'tag', value: 'x' }, { value: 'b', parents: true }] },
        { kind: 'criterion', value: 'c' },
      ],
    });
  });

  it('does not wrap a single term', () => {
    expect(parseSelectionArgs('orders')).toMatchObject({ kind: 'criterion', value: 'orders' });
  });

  it('select minus exclude; empty select is everything', () => {
    expect(parseSelectExclude(['a'], undefined)).toMatchObject({ kind: 'criterion' });
    expect(parseSelectExclude(undefined, ['b'])).toMatchObject({ kind: 'difference', include: { kind: 'all' }, exclude: { value: 'b' } });
    expect(parseSelectExclude([], [])).toEqual({ kind: 'all' });
  });
});

describe('parse errors', () => {
  it.each([
    ['foo:bar', /unknown selection method "foo"/, /valid methods: fqn, tag/],
    ['tga:nightly', /unknown selection method "tga"/, /did you mean "tag"\?/],
    ['tag.x:y', /unknown selection method "tag.x"/, /valid methods/],
    ['exposure:weekly', /"exposure" is not supported by strata/, /valid methods/],
    ['config:table', /config method needs a key/, /config\.<key>/],
    ['config.:table', /config method needs a key/, /valid methods/],
    ['tag:', /empty selector value \(nothing after "tag:"\)/, /valid methods/],
    ['+', /empty selector value/, /valid methods/],
    ['@', /empty selector value/, /valid methods/],
    ['@+orders', /"@" cannot be combined with a leading "\+"/, undefined],
    ['+@orders', /misplaced graph operator/, /"@x" for descendants/],
    ['orders++', /misplaced graph operator/, /"x\+" \/ "x\+N"/],
    ['++orders', /misplaced graph operator/, /ancestors/],
    ['or+ders', /misplaced graph operator/, /ancestors/],
    ['a,,b', /empty criterion around ","/, /no spaces/],
    ['a,', /empty criterion around ","/, /no spaces/],
    ['resource_type:modle', /unknown resource type "modle"/, /did you mean "model"\?/],
    ['test_type:unknown', /unknown test type "unknown"/, /valid values: generic, singular, unit, data/],
    ['state:modifed', /unknown state "modifed"/, /did you mean "modified"\?/],
    ['source:a.b.c.d', /source, source\.table or package\.source\.table/, undefined],
  ])('%s', (raw, message, hint) => {
    let error: unknown;
    try {
      parseSelectionArgs([raw]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StrataError);
    const e = error as StrataError;
    expect(e.code).toBe('SELECTOR');
    expect(e.message).toMatch(message);
    expect(e.message).toContain(`"${raw}"`);
    if (hint) expect(e.hint).toMatch(hint);
  });
});
