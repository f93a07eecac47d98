/**
 * finalizeConfig builds its result by assignment rather than `{ ...raw, enabled, ... }` (faster on
 * Node 20): the keys, their order and a `__proto__` key must be what the spread gave.
 */
import { describe, expect, it } from 'vitest';
import { copyOwn, finalizeConfig } from '../../../src/project/node-config.js';

describe('finalizeConfig', () => {
  it("keeps the raw config's keys first, in order, then the filled-in ones", () => {
    const { config, problems } = finalizeConfig({ severity: 'ERROR', tags: 'a', schema: 'x', unique_key: ['id', 2] }, { materialized: 'test' });
    expect(problems).toEqual([]);
    expect(Object.keys(config)).toEqual(['severity', 'tags', 'schema', 'unique_key', 'enabled', 'materialized', 'pre_hook', 'post_hook', 'indexes', 'grants', 'meta']);
    expect(config).toEqual({ severity: 'error', tags: ['a'], schema: 'x', unique_key: ['id', '2'], enabled: true, materialized: 'test', pre_hook: [], post_hook: [], indexes: [], grants: {}, meta: {} });
  });

  it('gives the same JSON as the object spread it replaces', () => {
    const raw = { materialized: 'table', enabled: false, meta: { owner: 'a' }, post_hook: ['select 1'], indexes: [{ columns: 'id', unique: 1 }], grants: { select: 'r' } };
    const { config } = finalizeConfig(raw, { materialized: 'view' });
    expect(JSON.stringify(config)).toBe(
      JSON.stringify({ ...raw, enabled: false, materialized: 'table', tags: [], pre_hook: [], post_hook: ['select 1'], indexes: [{ columns: ['id'], unique: true }], grants: { select: ['r'] }, meta: { owner: 'a' } }),
    );
  });
});

describe('copyOwn', () => {
  it('copies own keys in order, keeping a __proto__ key as data as a spread does', () => {
    const raw = JSON.parse('{"b": 1, "__proto__": {"polluted": true}, "a": 2}') as Record<string, unknown>;
    const copy = copyOwn(raw);
    expect(Object.keys(copy)).toEqual(Object.keys({ ...raw }));
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined();
    expect(JSON.stringify(copy)).toBe(JSON.stringify({ ...raw }));
  });
});
