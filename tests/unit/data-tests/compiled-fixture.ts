/**
 * A small project compiled by the real compiler (no database): the TestNodes the SQL builders and
 * the grouping see are exactly what a run gets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { compileProject } from '../../../src/api/compile.js';
import type { Manifest, TestNode } from '../../../src/manifest/types.js';
import { writeProject } from '../../helpers/temp-project.js';

export const FILES: Record<string, string> = {
  'project.yml': 'name: u\ntargets:\n  dev: {type: postgres, url: "postgres://x@127.0.0.1:1/x", schema: an, threads: 1}\ntarget: dev\n',
  'models/m.sql': 'select 1 as id',
  'models/other.sql': 'select 1 as id',
  'models/e.sql': "{{ config(materialized='ephemeral') }}\nselect 1 as id",
  'macros/positive.sql': '{% test positive(model, column_name) %}\nselect * from {{ model }} where {{ column_name }} <= 0\n{% endtest %}\n',
  'tests/singular_b.sql': "select * from {{ ref('m') }} join {{ ref('other') }} using (id)\n",
  'tests/singular_a.sql': "select * from {{ source('raw', 'events') }}\n",
  'models/schema.yml': `version: 2
sources:
  - name: raw
    tables:
      - name: events
        columns:
          - name: id
            tests:
              - unique: {name: src_uniq}
models:
  - name: m
    tests:
      - unique_combination_of_columns: {name: combo, combination_of_columns: [a, b]}
      - expression_is_true: {name: expr_model, expression: "a + b > 0"}
      - not_empty: {name: nonempty}
      - row_count: {name: rows, min: 1}
    columns:
      - name: id
        tests:
          - unique: {name: uniq}
          - unique: {name: uniq_where, config: {where: "id > 0"}}
          - not_null: {name: nn, config: {where: "a > 1"}}
          - relationships: {name: rel, to: "ref('other')", field: id}
          - positive: {name: custom}
      - name: status
        tests:
          - accepted_values: {name: av, values: [x, "it's"]}
          - accepted_values: {name: av_unquoted, values: [1, 2], quote: false, config: {where: "id > 0"}}
      - name: amount
        tests:
          - accepted_range: {name: rng, min_value: 0, max_value: 10, inclusive: false}
          - not_null_proportion: {name: prop, at_least: 0.95}
          - not_null_proportion: {name: prop_where, at_least: 0.5, config: {where: "id > 0"}}
          - expression_is_true: {name: expr_col, expression: "> 0"}
      - name: "lower(status)"
        tests:
          - not_null: {name: nn_expr}
          - unique: {name: uniq_expr}
  - name: e
    columns:
      - name: id
        tests:
          - not_null: {name: eph_nn}
          - unique: {name: eph_uniq}
`,
};

export function compileFixture(): Manifest {
  const dir = writeProject(FILES, mkdtempSync(join(tmpdir(), 'strata-dt-unit-')));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return compileProject({ projectDir: dir }).manifest;
}

export function test(manifest: Manifest, name: string): TestNode {
  const node = manifest.nodes[`test.u.${name}`];
  if (node?.resourceType !== 'test') throw new Error(`no test ${name}`);
  return node;
}
