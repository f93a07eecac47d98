import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/api/compile.js';
import { parseProject } from '../../../src/compile/parse-project.js';
import { loadProjectConfig } from '../../../src/project/project-config.js';
import type { ModelNode, TestNode } from '../../../src/manifest/types.js';
import { cleanupProjects, writeProject } from '../../helpers/temp-project.js';

cleanupProjects();

function manifestOf(files: Record<string, string>, options: Parameters<typeof parseProject>[1] = {}) {
  const result = parseProject(writeProject(files), { env: {}, ...options });
  expect(result.errors.map((e) => e.message)).toEqual([]);
  return result.manifest!;
}

describe('config precedence', () => {
  const files = {
    'project.yml': [
      'name: proj',
      'models:',
      '  +tags: [everywhere]',
      '  proj:',
      '    +materialized: table',
      '    marts:',
      '      materialized: view',
      '      schema: marts',
      '      +tags: ["mart"]',
      '      finance:',
      '        +schema: finance',
      '',
    ].join('\n'),
    'models/marts/finance/revenue.sql': "{{ config(tags=['hourly']) }}\nselect 1",
    'models/marts/finance/costs.sql': "{{ config(materialized='incremental', schema='costs') }}\nselect 1",
    'models/marts/finance/props.yml': 'version: 2\nmodels:\n  - name: costs\n    config:\n      materialized: ephemeral\n      alias: cost_items\n  - name: revenue\n    config:\n      materialized: table\n',
    'models/base.sql': 'select 1',
  };

  it('project.yml tree < property file < config() in the model, with additive tags', () => {
    const m = manifestOf(files);
    const base = m.nodes['model.proj.base'] as ModelNode;
    const revenue = m.nodes['model.proj.revenue'] as ModelNode;
    const costs = m.nodes['model.proj.costs'] as ModelNode;
    expect([base.config.materialized, base.relation.schema, base.tags]).toEqual(['table', 'public', ['everywhere']]);
    expect([revenue.config.materialized, revenue.relation.schema, revenue.tags]).toEqual(['table', 'finance', ['everywhere', 'mart', 'hourly']]);
    expect([costs.config.materialized, costs.relation]).toEqual(['incremental', { schema: 'costs', identifier: 'cost_items' }]);
  });

  it('config.get in the template sees config from the tree and the property file', () => {
    const m = manifestOf({ ...files, 'models/marts/finance/revenue.sql': "select '{{ config.get(\"materialized\") }}' as m" });
    expect((m.nodes['model.proj.revenue'] as ModelNode).compiledCode).toBe("select 'table' as m");
  });
});

describe('project files', () => {
  it('reads dbt_project.yml when there is no project.yml, with dbt defaults', () => {
    const m = manifestOf({
      'dbt_project.yml': "name: 'jaffle'\nversion: '1.0.0'\nconfig-version: 2\nprofile: 'jaffle'\nmodels:\n  jaffle:\n    +materialized: table\n",
      'models/a.sql': 'select 1',
      'macros/m.sql': '{% macro m() %}1{% endmacro %}',
      'tests/t.sql': "select * from {{ ref('a') }} where false",
    });
    expect(m.metadata.projectName).toBe('jaffle');
    expect(Object.keys(m.nodes).sort()).toEqual(['model.jaffle.a', 'test.jaffle.t']);
    expect(Object.keys(m.macros)).toEqual(['macro.jaffle.m']);
    expect((m.nodes['model.jaffle.a'] as ModelNode).config.materialized).toBe('table');
  });

  it('renders env_var() in project.yml values and picks the target', () => {
    const files = {
      'project.yml': [
        'name: proj',
        'targets:',
        '  dev:',
        '    url: "{{ env_var(\'DEV_URL\', \'postgres://localhost/dev\') }}"',
        '    schema: "{{ env_var(\'DEV_SCHEMA\', \'dev_schema\') }}"',
        '  prod:',
        '    type: postgres',
        '    host: db',
        '    schema: prod',
        '    threads: 8',
        'target: dev',
        '',
      ].join('\n'),
      'models/a.sql': 'select * from {{ this }}',
    };
    const dev = manifestOf(files, { env: { DEV_SCHEMA: 'alice' } });
    expect((dev.nodes['model.proj.a'] as ModelNode).compiledCode).toBe('select * from "alice"."a"');
    const prod = manifestOf(files, { target: 'prod' });
    expect((prod.nodes['model.proj.a'] as ModelNode).compiledCode).toBe('select * from "prod"."a"');
    const viaEnv = manifestOf(files, { env: { STRATA_TARGET: 'prod' } });
    expect(viaEnv.metadata.targetName).toBe('prod');
    const { errors } = parseProject(writeProject(files), { env: {}, target: 'staging' });
    expect(errors.map((e) => e.hint)).toEqual(['defined targets: dev, prod']);
  });

  it('reads a target\'s async_commit as a boolean, also from env_var() text', () => {
    const yml = (value: string) => `name: proj\ntargets:\n  dev:\n    url: postgres://localhost/dev\n    async_commit: ${value}\n`;
    const target = (value: string, env: Record<string, string> = {}) => loadProjectConfig(writeProject({ 'project.yml': yml(value) }), { env });
    expect(target('false').config?.target.asyncCommit).toBe(false);
    expect(target("\"{{ env_var('ASYNC', 'true') }}\"").config?.target.asyncCommit).toBe(true);
    expect(target("\"{{ env_var('ASYNC', 'true') }}\"", { ASYNC: 'False' }).config?.target.asyncCommit).toBe(false);
    expect(loadProjectConfig(writeProject({ 'project.yml': 'name: proj\ntargets:\n  dev:\n    url: postgres://localhost/dev\n' }), { env: {} }).config?.target.asyncCommit).toBeUndefined();
    expect(target('maybe').errors.map((e) => e.message)).toEqual(['targets.dev.async_commit must be true or false']);
  });

  it('uses the configured paths (the loan project puts data tests under tests/data)', () => {
    const m = manifestOf({
      'project.yml': 'name: proj\nmodel-paths: [transform]\ntest-paths: [tests/data]\nseed-paths: [data/seeds]\n',
      'transform/a.sql': 'select 1 as id',
      'tests/data/check_a.sql': "select * from {{ ref('a') }} where id is null",
      'tests/unit/ignored.sql': 'not a data test',
      'data/seeds/codes.csv': 'code,label\n1,one\n',
    });
    expect(Object.keys(m.nodes).sort()).toEqual(['model.proj.a', 'seed.proj.codes', 'test.proj.check_a']);
  });

  it('vars: --vars beats project-scoped vars, which beat global vars', () => {
    const files = {
      'project.yml': 'name: proj\nvars:\n  a: global\n  b: global\n  c: global\n  proj:\n    b: scoped\n    c: scoped\n',
      'models/m.sql': "select '{{ var('a') }}/{{ var('b') }}/{{ var('c') }}' as v",
    };
    const m = manifestOf(files, { vars: { c: 'cli' } });
    const node = m.nodes['model.proj.m'] as ModelNode;
    expect(node.compiledCode).toBe("select 'global/scoped/cli' as v");
    expect(node.varsRead).toEqual({ a: 'global', b: 'scoped', c: 'cli' });
  });

  it('renders templates inside load: blocks with vars and env vars', () => {
    const files = {
      'project.yml': 'name: proj\nvars:\n  raw_path: data/raw\n',
      'models/p.yml': [
        'version: 2',
        'sources:',
        '  - name: raw',
        '    tables:',
        '      - name: orig',
        '        load:',
        "          files: [\"{{ var('raw_path') }}/**/historical_data_*.txt\", \"{{ env_var('EXTRA', 's3://b/x') }}/*.zip\"]",
        '          delimiter: "|"',
        '          columns: [a]',
        '',
      ].join('\n'),
    };
    const m = manifestOf(files, { vars: { raw_path: 's3://bucket/freddie' } });
    expect(m.sources['source.proj.raw.orig']!.load).toEqual({ files: ['s3://bucket/freddie/**/historical_data_*.txt', 's3://b/x/*.zip'], delimiter: '|', columns: ['a'] });
    const other = manifestOf(files);
    expect(other.sources['source.proj.raw.orig']!.load!['files']).toEqual(['data/raw/**/historical_data_*.txt', 's3://b/x/*.zip']);
    expect(other.sources['source.proj.raw.orig']!.checksum).not.toBe(m.sources['source.proj.raw.orig']!.checksum);
  });

  it('sources, seeds, unit tests and docs land in the manifest', () => {
    const m = manifestOf({
      'project.yml': 'name: proj\n',
      'models/p.yml': [
        'version: 2',
        'sources:',
        '  - name: raw',
        '    schema: landing',
        '    tables:',
        '      - name: events',
        '        identifier: events_v2',
        '        static: true',
        '        load:',
        '          files: data/*.txt',
        '          columns: [a]',
        'models:',
        '  - name: a',
        '    description: "{{ doc(\'a_doc\') }}"',
        'unit_tests:',
        '  - name: t1',
        '    model: a',
        '    given: []',
        '    expect:',
        '      rows: [{id: 1}]',
        '',
      ].join('\n'),
      'models/docs.md': '{% docs a_doc %}\nAll about A.\n{% enddocs %}',
      'models/a.sql': "select * from {{ source('raw', 'events') }}",
    });
    expect(m.sources['source.proj.raw.events']).toMatchObject({ relation: { schema: 'landing', identifier: 'events_v2' }, static: true, load: { files: 'data/*.txt' } });
    expect(m.nodes['model.proj.a']).toMatchObject({ description: 'All about A.', compiledCode: 'select * from "landing"."events_v2"', dependsOn: { nodes: ['source.proj.raw.events'] } });
    expect(m.nodes['unit_test.proj.a.t1']).toMatchObject({ resourceType: 'unit_test', model: 'a', dependsOn: { nodes: ['model.proj.a'] } });
  });
});

describe('generic data tests', () => {
  it('accepts dbt syntax: inline args, arguments:, config:, legacy config keys, custom names', () => {
    const m = manifestOf({
      'project.yml': 'name: proj\ndata_tests:\n  proj:\n    +severity: warn\n',
      'models/orders.sql': 'select 1 as id, 2 as customer_id, 1 as status',
      'models/customers.sql': 'select 2 as id',
      'models/p.yml': [
        'version: 2',
        'models:',
        '  - name: orders',
        '    data_tests:',
        '      - unique_combination_of_columns:',
        '          arguments:',
        '            combination_of_columns: [id, status]',
        '    columns:',
        '      - name: id',
        '        tests:',
        '          - unique:',
        '              config: {severity: error, where: "id > 0"}',
        '      - name: customer_id',
        '        data_tests:',
        '          - relationships:',
        '              to: ref("customers")',
        '              field: id',
        '              severity: error',
        '      - name: status',
        '        tests:',
        '          - accepted_values:',
        '              name: status_is_known',
        '              values: [1, 2]',
        '              quote: false',
        '',
      ].join('\n'),
    });
    const tests = Object.values(m.nodes).filter((n): n is TestNode => n.resourceType === 'test');
    const byName = Object.fromEntries(tests.map((t) => [t.name, t]));
    expect(Object.keys(byName).sort()).toEqual([
      'relationships_orders_customer_id__id__ref_customers_',
      'status_is_known',
      'unique_combination_of_columns_orders_id__status',
      'unique_orders_id',
    ]);
    expect(byName['unique_orders_id']!.config).toMatchObject({ severity: 'error', where: 'id > 0' });
    expect(byName['unique_combination_of_columns_orders_id__status']!.config.severity).toBe('warn');
    expect(byName['relationships_orders_customer_id__id__ref_customers_']).toMatchObject({
      config: { severity: 'error' },
      dependsOn: { nodes: ['model.proj.customers', 'model.proj.orders'] },
      attachedNode: 'model.proj.orders',
      columnName: 'customer_id',
      testMetadata: { name: 'relationships', kwargs: { to: '"public"."customers"', field: 'id', column_name: 'customer_id' } },
    });
    expect(byName['status_is_known']!.compiledCode).toContain('not in (1, 2)');
    expect(byName['unique_orders_id']!.compiledCode).toContain('(select * from "public"."orders" where id > 0) dbt_subquery');
  });
});

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

describe('compiled SQL of the shop fixture', () => {
  it('matches the reviewed snapshots', async () => {
    const fixture = join(import.meta.dirname, '../../fixtures/shop');
    const files: Record<string, string> = {};
    const src = readTree(fixture);
    for (const [path, content] of Object.entries(src)) if (!path.startsWith('target/')) files[path] = content;
    const dir = writeProject(files);
    // Selected, generic tests get a file too (a full compile keeps their SQL in manifest.json only).
    const res = compile({ projectDir: dir, env: {}, select: ['*'] });
    if (res.upToDate) throw new Error('a fresh project cannot be up to date');
    const compiled = readTree(join(dir, 'target/compiled'));
    expect(Object.keys(compiled)).toHaveLength(res.written);
    expect(Object.keys(compiled).filter((p) => p.includes('.yml/')).length).toBeGreaterThan(0);
    for (const [path, sql] of Object.entries(compiled)) {
      await expect(sql).toMatchFileSnapshot(join(import.meta.dirname, '__snapshots__/shop', path));
    }
    const inc = res.manifest.nodes['model.shop.orders_incremental'] as ModelNode;
    await expect(inc.compiledIncrementalCode).toMatchFileSnapshot(join(import.meta.dirname, '__snapshots__/shop/orders_incremental.incremental.sql'));
  });
});

describe('target-path', () => {
  it('may be absolute: the compile writes there, and the next one finds its cache there', () => {
    const elsewhere = writeProject({});
    const out = join(elsewhere, 'build-output');
    const dir = writeProject({
      'project.yml': `name: tp\nversion: '1'\ntarget-path: ${JSON.stringify(out)}\n`,
      'models/a.sql': 'select 1 as id',
    });
    const first = compile({ projectDir: dir, env: {} });
    expect(first.upToDate).toBe(false);
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).nodes['model.tp.a']).toBeDefined();
    expect(readFileSync(join(out, 'compiled/models/a.sql'), 'utf8').trim()).toBe('select 1 as id');
    expect(readdirSync(dir).sort()).toEqual(['models', 'project.yml']);
    expect(compile({ projectDir: dir, env: {} }).upToDate).toBe(true);
  });
});
