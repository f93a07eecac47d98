import { describe, expect, it } from 'vitest';
import { didYouMean, levenshtein } from '../../../src/graph/did-you-mean.js';
import { fnmatch, hasWildcard, pathGlobMatch } from '../../../src/graph/glob.js';

describe('fnmatch', () => {
  it.each([
    ['stg_orders', 'stg_*', true],
    ['marts.core.orders', 'marts.*', true],
    ['stg_orders', 'STG_*', false],
    ['orders', 'order?', true],
    ['orders', 'order', false],
    ['stg_orders', 'stg_[oc]*', true],
    ['stg_events', 'stg_[oc]*', false],
    ['stg_events', 'stg_[!oc]*', true],
    ['a.b', 'a.b', true],
    ['axb', 'a.b', false],
    ['a+b(c)', 'a+b(c)*', true],
    ['[x', '[x', true],
    ['x', '[a-z]', true],
    ['^', '[^]', true],
  ])('%s ~ %s = %s', (name, pattern, expected) => {
    expect(fnmatch(name, pattern)).toBe(expected);
  });
});

describe('pathGlobMatch', () => {
  it.each([
    ['models/marts/orders.sql', 'models/*/orders.sql', true],
    ['models/marts/core/orders.sql', 'models/*/orders.sql', false],
    ['models/marts/core/orders.sql', 'models/**/orders.sql', true],
    ['models/orders.sql', 'models/**/orders.sql', true],
    ['models/marts', 'models/*', true],
    ['models/marts/x.sql', 'models/ma?ts/x.sql', true],
    ['models/marts/x.sql', 'models/*', false],
  ])('%s ~ %s = %s', (path, pattern, expected) => {
    expect(pathGlobMatch(path, pattern)).toBe(expected);
  });

  it('knows wildcard characters', () => {
    expect(hasWildcard('a*')).toBe(true);
    expect(hasWildcard('a[b]')).toBe(true);
    expect(hasWildcard('a.b/c')).toBe(false);
  });
});

describe('didYouMean', () => {
  it.each([
    ['ordres', ['orders', 'customers'], 'orders'],
    ['stg_order', ['stg_orders', 'stg_customers'], 'stg_orders'],
    ['customer_revenue_dailly', ['customer_revenue_daily', 'customer_revenue_weekly'], 'customer_revenue_daily'],
    ['xyz', ['orders', 'customers'], undefined],
    ['orders', ['orders'], undefined],
    ['ab', ['ba', 'ab_'], 'ab_'],
    ['cat', ['bat', 'hat'], 'bat'],
  ])('%s -> %s', (name, candidates, expected) => {
    expect(didYouMean(name, candidates)).toBe(expected);
  });

  it('accepts any iterable', () => {
    expect(didYouMean('nighlty', new Set(['nightly'])), 'set').toBe('nightly');
    expect(didYouMean('nighlty', new Map([['nightly', 1]]).keys())).toBe('nightly');
  });

  it('levenshtein', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('abc', 'abc')).toBe(0);
    expect(levenshtein('kitten', 'sitting', 1)).toBe(2);
  });
});
