/**
 * Everything a unit test does before it touches a database: inputs parsed and bound, the model
 * rendered with them (ephemeral parents given or inlined, overrides applied), definition errors.
 */
import { describe, expect, it } from 'vitest';
import { compileProject } from '../../../../src/api/compile.js';
import { prepareUnitTest } from '../../../../src/data-tests/unit/index.js';
import type { UnitTestNode } from '../../../../src/manifest/types.js';
import { cleanupProjects, writeProject } from '../../../helpers/temp-project.js';

cleanupProjects();

const MODELS: Record<string, string> = {
  'project.yml': 'name: proj\nvars: {rate: 1}\n',
  'models/sources.yml': 'sources:\n  - name: raw\n    tables: [{name: orders}, {name: fx}]\n',
  'models/stg.sql': "{{ config(materialized='ephemeral') }}\nselect * from {{ source('raw', 'orders') }}\n",
  'models/stg2.sql': "{{ config(materialized='ephemeral') }}\nselect * from {{ ref('stg') }} join {{ source('raw', 'fx') }} using (currency)\n",
  'models/orders.sql': [
    "{{ config(materialized='incremental') }}",
    "select *, {{ var('rate') }} as rate from {{ ref('stg2') }}",
    "{% if is_incremental() %} where id > (select max(id) from {{ this }}) {% endif %}",
    "{% if var('with_fx', false) %} -- {{ source('raw', 'fx') }} {% endif %}",
    '',
  ].join('\n'),
};

function prepare(unitTest: string) {
  const dir = writeProject({ ...MODELS, 'models/unit.yml': unitTest });
  const project = compileProject({ projectDir: dir });
  const node = Object.values(project.manifest.nodes).find((n): n is UnitTestNode => n.resourceType === 'unit_test')!;
  return () => prepareUnitTest(project, node, { projectDir: dir });
}

const yaml = (given: string, extra = '') => `unit_tests:\n  - name: t\n    model: orders\n${extra}    given:\n${given}    expect: {rows: []}\n`;

describe('prepareUnitTest', () => {
  it('binds given inputs to temp tables and renders the model on them', () => {
    const p = prepare(yaml("      - input: ref('stg2')\n        rows: [{id: 1}]\n"))();
    expect(p.model.name).toBe('orders');
    expect(p.inputs.map((i) => [i.input, i.key, i.tempName])).toEqual([["ref('stg2')", 'model.proj.stg2', '__strata_given_1_stg2']]);
    expect(p.render.sql).toContain('select *, 1 as rate from "pg_temp"."__strata_given_1_stg2"');
    expect(p.render.sql).not.toContain('__strata_cte__');
    expect(p.render.isIncremental).toBe(false);
  });

  it('inlines ephemeral parents that are not given, parents first, down to the given inputs', () => {
    const p = prepare(yaml("      - input: source('raw', 'orders')\n        rows: []\n      - input: source('raw', 'fx')\n        format: csv\n        rows: 'currency,rate'\n"))();
    expect(p.render.inlined).toEqual(['stg', 'stg2']);
    const sql = p.render.sql;
    expect(sql.indexOf('"__strata_cte__stg" as (')).toBeLessThan(sql.indexOf('"__strata_cte__stg2" as ('));
    expect(sql).toContain('select * from "pg_temp"."__strata_given_1_raw_orders"');
    expect(sql).toContain('join "pg_temp"."__strata_given_2_raw_fx" using (currency)');
  });

  it('applies overrides: vars, is_incremental (YAML string too) with `this` given', () => {
    const p = prepare(yaml(
      "      - input: ref('stg2')\n        rows: []\n      - input: this\n        rows: [{id: 1}]\n",
      "    overrides:\n      vars: {rate: 3, with_fx: true}\n      macros: {is_incremental: 'true'}\n",
    ));
    expect(p).toThrow("model orders reads source('raw', 'fx'), which is not given"); // only when with_fx is on
    const q = prepare(yaml(
      "      - input: ref('stg2')\n        rows: []\n      - input: this\n        rows: [{id: 1}]\n",
      "    overrides:\n      vars: {rate: 3}\n      macros: {is_incremental: 'true'}\n",
    ))();
    expect(q.render.isIncremental).toBe(true);
    expect(q.render.sql).toContain('3 as rate');
    expect(q.render.sql).toContain('(select max(id) from "pg_temp"."__strata_given_2_this")');
  });

  it('reports every input the render reads but the test does not give', () => {
    const run = prepare(yaml("      - input: source('raw', 'fx')\n        rows: []\n", "    overrides:\n      macros: {is_incremental: true}\n"));
    expect(run).toThrow("model orders reads 2 inputs that are not given: source('raw', 'orders'), through its ephemeral parents stg2 -> stg; {{ this }} (is_incremental() is true)");
  });

  it('rejects inputs that are not ref/source/this, unknown ones, and duplicates', () => {
    expect(prepare(yaml('      - input: orders\n        rows: []\n'))).toThrow('given input "orders" is not ref(...), source(...) or this');
    expect(prepare(yaml("      - input: ref('nope')\n        rows: []\n"))).toThrow("given input ref('nope') names no model or seed of this project");
    expect(prepare(yaml("      - input: source('raw', 'nope')\n        rows: []\n"))).toThrow("given input source('raw', 'nope') names no declared source table of this project");
    expect(prepare(yaml("      - input: ref('stg2')\n        rows: []\n      - input: ref(\"proj\", \"stg2\")\n        rows: []\n"))).toThrow("input ref('proj', 'stg2') is given twice (also as ref('stg2'))");
    expect(prepare(yaml("      - input: ref('stg2')\n        format: csv\n        rows: [{id: 1}]\n"))).toThrow("given ref('stg2'): format: csv needs rows as CSV text");
  });
});
