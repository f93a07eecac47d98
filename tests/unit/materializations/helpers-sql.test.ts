import { describe, expect, it } from 'vitest';
import {
  grantStatements, indexName, indexStatements, materializationFor, materializeEphemeral, materializeIncremental, materializeTable,
  materializeView, postHooks, preHooks,
} from '../../../src/materializations/index.js';
import { model } from './helpers.js';

describe('hooks', () => {
  it('keeps order, skips empty hooks, labels them', () => {
    const node = model({ config: { pre_hook: ['a', '', 'b'], post_hook: ['c'] } });
    expect(preHooks(node)).toEqual([{ sql: 'a', label: 'pre-hook 1' }, { sql: 'b', label: 'pre-hook 3' }]);
    expect(postHooks(node)).toEqual([{ sql: 'c', label: 'post-hook 1' }]);
  });
});

describe('indexes', () => {
  const rel = { schema: 'analytics', identifier: 'orders' };

  it('names are deterministic, differ by definition and stay within 63 bytes', () => {
    const a = indexName('orders', { columns: ['id'] });
    expect(a).toBe(indexName('orders', { columns: ['id'] }));
    expect(a).toMatch(/^orders__id_[0-9a-f]{8}$/);
    expect(indexName('orders', { columns: ['id'], unique: true })).not.toBe(a);
    expect(indexName('orders', { columns: ['id'], type: 'hash' })).not.toBe(a);
    const long = indexName('t'.repeat(63), { columns: ['c'.repeat(40), 'd'.repeat(40)] });
    expect(Buffer.byteLength(long)).toBe(63);
  });

  it('quotes plain names, passes expressions through, validates the access method', () => {
    const node = model({ config: { indexes: [{ columns: ['order', 'lower(email)', 'created_at desc'], type: 'BTREE' }] } });
    expect(indexStatements(node, rel)[0]?.sql).toMatch(/on "analytics"."orders" using btree \("order", lower\(email\), created_at desc\)$/);
    const bad = model({ config: { indexes: [{ columns: ['id'], type: 'btree; drop table x' }] } });
    expect(() => indexStatements(bad, rel)).toThrow(/not a valid access method/);
    const empty = model({ config: { indexes: [{ columns: [] }] } });
    expect(() => indexStatements(empty, rel)).toThrow(/at least one column/);
  });
});

describe('grants', () => {
  const rel = { schema: 'analytics', identifier: 'orders' };
  it('one statement per privilege; PUBLIC; empty lists skipped', () => {
    const node = model({ config: { grants: { select: ['reporter', 'Public', 'Mixed Case'], insert: [], 'ALL PRIVILEGES': ['admin'] } } });
    expect(grantStatements(node, rel).map((s) => s.sql)).toEqual([
      'grant select on "analytics"."orders" to "reporter", PUBLIC, "Mixed Case"',
      'grant all privileges on "analytics"."orders" to "admin"',
    ]);
  });
  it('rejects unknown privileges', () => {
    expect(() => grantStatements(model({ config: { grants: { 'select; drop': ['x'] } } }), rel)).toThrow(/unknown privilege/);
  });
});

describe('materializationFor', () => {
  it('dispatches on config.materialized', () => {
    expect(materializationFor(model({ config: { materialized: 'view' } }))).toBe(materializeView);
    expect(materializationFor(model({ config: { materialized: 'table' } }))).toBe(materializeTable);
    expect(materializationFor(model({ config: { materialized: 'incremental' } }))).toBe(materializeIncremental);
    expect(materializationFor(model({ config: { materialized: 'ephemeral' } }))).toBe(materializeEphemeral);
    expect(() => materializationFor(model({ config: { materialized: 'seed' } }))).toThrow(/materialized: "seed" is not a model materialization/);
  });
  it('ephemeral builds nothing', () => {
    expect(materializeEphemeral()).toEqual({ action: 'ephemeral', statements: [] });
  });
});
