import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileProject } from '../../../src/api/compile.js';
import { newRowsScope, type ScopeContext } from '../../../src/data-tests/new-rows-scope.js';
import { hookEffect, isDeleteFromThis } from '../../../src/materializations/hooks.js';
import type { Manifest, TestNode } from '../../../src/manifest/types.js';
import type { Increment } from '../../../src/state/node-state.js';
import { testFingerprint } from '../../../src/state/test-state.js';
import { writeProject } from '../../helpers/temp-project.js';

const FILES: Record<string, string> = {
  'project.yml': 'name: u\ntargets:\n  dev: {type: postgres, url: "postgres://x@127.0.0.1:1/x", schema: an, threads: 1}\ntarget: dev\n',
  'models/m.sql': "{{ config(materialized='incremental', unique_key=['id', 'day']) }}\nselect 1 as id, current_date as day, 1 as p",
  'models/p.sql': "{{ config(materialized='incremental', unique_key='pid') }}\nselect 1 as pid, 1 as other",
  'models/hooked.sql': "{{ config(materialized='incremental', unique_key='id', post_hook=['analyze {{ this }}', 'delete from {{ this }} where id < 0']) }}\nselect 1 as id",
  'models/v.sql': 'select 1 as id',
  'models/schema.yml': `version: 2
models:
  - name: m
    tests:
      - unique_combination_of_columns: {name: key, combination_of_columns: [id, day]}
      - unique_combination_of_columns: {name: not_key, combination_of_columns: [id, p]}
      - not_empty: {name: nonempty}
    columns:
      - name: id
        tests:
          - not_null: {name: nn}
          - unique: {name: uniq_id}
          - accepted_values: {name: av_sub, values: [1], config: {where: "id in (select 1)"}}
          - relationships: {name: rel_pid, to: "ref('p')", field: pid}
          - relationships: {name: rel_other, to: "ref('p')", field: other}
          - relationships: {name: rel_hooked, to: "ref('hooked')", field: id}
          - relationships: {name: rel_view, to: "ref('v')", field: id}
          - not_null: {name: nn_plain_where, config: {where: "id in (1, 2) and p > 0"}}
          - not_null: {name: nn_clock, config: {where: "day < current_date - 5"}}
          - not_null: {name: nn_call, config: {where: "lower(p::text) = 'x'"}}
          - accepted_range: {name: rng_clock, min_value: "now() - interval '1 day'"}
  - name: hooked
    columns:
      - name: id
        tests: [{not_null: {name: hooked_nn}}]
  - name: v
    columns:
      - name: id
        tests: [{not_null: {name: view_nn}}]
`,
};

const dir = writeProject(FILES, mkdtempSync(join(tmpdir(), 'strata-scope-unit-')));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const manifest: Manifest = compileProject({ projectDir: dir }).manifest;
const t = (name: string): TestNode => manifest.nodes[`test.u.${name}`] as TestNode;

const ROWS = '"strata_meta"."m_0123abcd__strata_new"';
const inc = (over: Partial<Increment> = {}): Increment => ({
  from: 'v1', rows: ROWS, strategy: 'delete+insert', uniqueKey: ['id', 'day'], schemaChanged: false, hookEffect: 'none', newRows: 1, ...over,
});

/** The test passed when m was at v1 and p at p1; m is now v2 (an increment from v1), p still p1. */
function ctx(test: TestNode, over: Partial<ScopeContext> = {}, increments: Record<string, Increment> = {}): ScopeContext {
  return {
    allRows: false,
    state: { uniqueId: test.uniqueId, fingerprint: testFingerprint(test.compiledCode ?? ''), inputVersions: { 'model.u.m': 'v1', 'model.u.p': 'p1', 'model.u.hooked': 'v1' } },
    version: (id) => ({ 'model.u.m': 'v2', 'model.u.p': 'p1', 'model.u.hooked': 'v2' })[id],
    increment: (id) => ({ 'model.u.m': inc(), 'model.u.hooked': inc({ uniqueKey: ['id'], hookEffect: 'deletes' }), ...increments })[id],
    ...over,
  };
}

const scope = (name: string, over: Partial<ScopeContext> = {}, increments: Record<string, Increment> = {}) => newRowsScope(manifest, t(name), ctx(t(name), over, increments));

describe('newRowsScope', () => {
  it('a row test on the new rows: the same SQL on the kept table', () => {
    const s = scope('nn');
    expect(s).toEqual({ rows: ROWS, sql: `select "id"\nfrom ${ROWS}\nwhere "id" is null` });
    // it also passed on the current version (a `strata test` after the build): the same rows
    expect('rows' in newRowsScope(manifest, t('nn'), { ...ctx(t('nn')), state: { ...ctx(t('nn')).state!, inputVersions: { 'model.u.m': 'v2' } } })).toBe(true);
  });

  it.each([
    ['view_nn', {}, {}, 'not a test of an incremental model'],
    ['nn', { allRows: true }, {}, 'every row asked for'],
    ['nn', { increment: () => undefined }, {}, 'latest build was not an increment'],
    ['nn', {}, { 'model.u.m': inc({ schemaChanged: true }) }, 'changed its columns'],
    ['nonempty', {}, {}, 'not_empty is about the whole table'],
    ['av_sub', {}, {}, 'read relations'],
    ['uniq_id', {}, {}, 'unique_key is not among the tested columns'],
    ['not_key', {}, {}, 'unique_key is not among the tested columns'],
    ['key', {}, { 'model.u.m': inc({ strategy: 'append', uniqueKey: [] }) }, 'a new row may repeat an old key'],
    ['nn', { state: undefined }, {}, 'no pass recorded'],
    ['nn', {}, { 'model.u.m': inc({ strategy: 'merge' }) }, 'merge: a new row may have updated several rows'],
    ['nn', {}, { 'model.u.m': inc({ hookEffect: 'unknown' }) }, 'a hook of the model may have changed rows'],
    ['nn', {}, { 'model.u.m': inc({ newRows: undefined }) }, 'new rows was not recorded'],
    ['nn_clock', {}, {}, 'call functions, read relations or the clock'],
    ['nn_call', {}, {}, 'call functions, read relations or the clock'],
    ['rng_clock', {}, {}, 'call functions, read relations or the clock'],
    ['rel_view', {}, {}, 'model.u.v is a view'],
    ['nn', { version: (id: string) => (id === 'model.u.m' ? 'v3' : 'p1') }, { 'model.u.m': inc({ from: 'v2' }) }, 'last passed before'],
    ['rel_other', { version: (id: string) => (id === 'model.u.m' ? 'v2' : 'p2') }, { 'model.u.p': inc({ from: 'p1', uniqueKey: ['pid'] }) }, 'model.u.p changed'],
  ] as const)('%s reads every row when %j / %j: %s', (name, over, increments, reason) => {
    const s = scope(name, over as Partial<ScopeContext>, increments as Record<string, Increment>);
    expect(s).toHaveProperty('reason');
    expect((s as { reason: string }).reason).toContain(reason);
  });

  it('a test whose SQL changed since its pass reads every row', () => {
    const test = t('nn');
    expect(newRowsScope(manifest, test, { ...ctx(test), state: { ...ctx(test).state!, fingerprint: 'other' } })).toEqual({ reason: 'no pass recorded for this SQL' });
  });

  it('unique on the unique_key; relationships whose parent only gained values', () => {
    expect(scope('key')).toHaveProperty('rows');
    const parentGrew = { version: (id: string) => (id === 'model.u.m' ? 'v2' : 'p2') };
    expect(scope('rel_pid', parentGrew, { 'model.u.p': inc({ from: 'p1', uniqueKey: ['pid'] }) })).toHaveProperty('rows');
    expect(scope('rel_pid', parentGrew, { 'model.u.p': inc({ from: 'p1', strategy: 'append', uniqueKey: [] }) })).toHaveProperty('rows');
    // rebuilt (no increment), or an increment from another version: it may have lost values
    expect(scope('rel_pid', parentGrew)).toEqual({ reason: 'model.u.p changed since it last passed' });
    expect(scope('rel_pid', parentGrew, { 'model.u.p': inc({ from: 'p0', uniqueKey: ['pid'] }) })).toEqual({ reason: 'model.u.p changed since it last passed' });
  });

  it('hooks: analyze and delete from this keep the tests of the model on new rows', () => {
    expect(scope('hooked_nn')).toHaveProperty('rows');
  });

  it('a where of plain comparisons keeps the test on new rows', () => {
    expect(scope('nn_plain_where')).toHaveProperty('rows');
  });

  it('a parent with a delete from this hook keeps its values only when the hook deleted nothing', () => {
    const grew = { version: (id: string) => (id === 'model.u.m' ? 'v2' : 'h2'), state: { ...ctx(t('rel_hooked')).state!, inputVersions: { 'model.u.m': 'v1', 'model.u.hooked': 'h1' } } };
    const hooked = (hooksDeleted?: number) => ({ 'model.u.hooked': inc({ from: 'h1', uniqueKey: ['id'], hookEffect: 'deletes', ...(hooksDeleted === undefined ? {} : { hooksDeleted }) }) });
    expect(scope('rel_hooked', grew, hooked(0))).toHaveProperty('rows');
    expect(scope('rel_hooked', grew, hooked(2))).toEqual({ reason: 'model.u.hooked changed since it last passed' });
    expect(scope('rel_hooked', grew, hooked())).toEqual({ reason: 'model.u.hooked changed since it last passed' });
  });
});

describe('hookEffect', () => {
  const node = (pre: string[], post: string[] = []) => ({ config: { pre_hook: pre, post_hook: post } }) as never;
  it.each([
    [[], 'none'],
    [['set local jit = off', 'analyze {{ this }}', 'grant select on {{ this }} to bi; comment on table {{ this }} is \'x\''], 'none'],
    [["delete from {{ this }} as t using x where t.id = x.id"], 'deletes'],
    [['analyze {{ this }}; update {{ this }} set a = 1'], 'unknown'],
    [['delete from other_table'], 'unknown'],
    [["set x = 'a;update t set y = 1'"], 'unknown'],
    [['insert into {{ this }} values (1)'], 'unknown'],
    [["select set_config('a', 'b', false), purge_rows()"], 'unknown'],
    [["select set_config('statement_timeout', '0', true)"], 'none'],
    [["setval('s', 1)"], 'unknown'],
  ] as const)('%j → %s', (hooks, effect) => {
    expect(hookEffect(node([...hooks]))).toBe(effect);
    expect(hookEffect(node([], [...hooks]))).toBe(effect);
  });

  it('isDeleteFromThis: one delete from this statement (its row count is what it deleted)', () => {
    expect(isDeleteFromThis('delete from {{ this }} as t using x where t.id = x.id')).toBe(true);
    expect(isDeleteFromThis('delete from {{this}} where id < 0;')).toBe(true);
    expect(isDeleteFromThis('delete from {{ this }} where id < 0; analyze {{ this }}')).toBe(false);
    expect(isDeleteFromThis('analyze {{ this }}')).toBe(false);
    // rendered: a delete from the model's own relation
    expect(isDeleteFromThis('delete from "an"."m" as t where t.id < 0', '"an"."m"')).toBe(true);
    expect(isDeleteFromThis('delete from "an"."other" where id < 0', '"an"."m"')).toBe(false);
  });
});
