/**
 * dbt's naming macros: a project that defines `generate_schema_name`, `generate_alias_name` or
 * `generate_database_name` decides where its models and seeds land, as in dbt; without them, `schema` and `alias` name the
 * relation exactly.
 */
import { describe, expect, it } from 'vitest';
import { compile, compileProject } from '../../../src/api/compile.js';
import { StrataErrors, type StrataError } from '../../../src/errors/strata-error.js';
import type { ModelNode, SeedNode } from '../../../src/manifest/types.js';
import { cleanupProjects, cli, writeProject } from '../../helpers/temp-project.js';

cleanupProjects();

/** dbt's documented default, as dbt projects copy it: custom schemas are prefixed with the target's. */
const DBT_DEFAULT_SCHEMA = `{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set default_schema = target.schema -%}
    {%- if custom_schema_name is none -%}
        {{ default_schema }}
    {%- else -%}
        {{ default_schema }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
`;

const files = {
  'project.yml': 'name: proj\nmodels:\n  proj:\n    marts:\n      +schema: marts\nseeds:\n  proj:\n    +schema: ref\n',
  'models/base.sql': 'select 1 as id',
  'models/marts/report.sql': "select * from {{ ref('base') }}",
  'models/marts/wide.sql': "{{ config(alias='wide_report') }}\nselect * from {{ ref('report') }}",
  'seeds/codes.csv': 'code\na\n',
};

function relations(dir: string): Record<string, string> {
  const { manifest } = compileProject({ projectDir: dir });
  return Object.fromEntries(
    Object.values(manifest.nodes)
      .filter((n): n is ModelNode | SeedNode => n.resourceType === 'model' || n.resourceType === 'seed')
      .map((n) => [n.name, `${n.relation.schema}.${n.relation.identifier}`]),
  );
}

function compileErrors(dir: string): StrataError[] {
  try {
    compileProject({ projectDir: dir });
  } catch (e) {
    if (e instanceof StrataErrors) return e.errors;
    throw e;
  }
  return [];
}

describe('naming macros', () => {
  it('without them, schema and alias name the relation exactly', () => {
    expect(relations(writeProject(files))).toEqual({ base: 'public.base', report: 'marts.report', wide: 'marts.wide_report', codes: 'ref.codes' });
  });

  it("generate_schema_name decides every model's and seed's schema, and ref() follows it", () => {
    const dir = writeProject({ ...files, 'macros/naming.sql': DBT_DEFAULT_SCHEMA });
    expect(relations(dir)).toEqual({ base: 'public.base', report: 'public_marts.report', wide: 'public_marts.wide_report', codes: 'public_ref.codes' });
    const { manifest } = compileProject({ projectDir: dir });
    expect((manifest.nodes['model.proj.wide'] as ModelNode).compiledCode).toContain('from "public_marts"."report"');
  });

  it('a changed naming macro renames on the next compile (the parse cache does not keep the old names)', () => {
    const dir = writeProject({ ...files, 'macros/naming.sql': DBT_DEFAULT_SCHEMA });
    expect(relations(dir).report).toBe('public_marts.report');
    writeProject({ 'macros/naming.sql': DBT_DEFAULT_SCHEMA.replace('{{ default_schema }}_{{', '{{ default_schema }}__{{') }, dir);
    expect(relations(dir).report).toBe('public__marts.report');
    writeProject({ 'macros/naming.sql': '-- no naming macros any more\n' }, dir);
    expect(relations(dir).report).toBe('marts.report');
  });

  it("dbt's built-in naming macros are there to delegate to", () => {
    const delegating = (body: string) => writeProject({ ...files, 'macros/naming.sql': `{% macro generate_schema_name(custom_schema_name, node) -%}${body}{%- endmacro %}` });
    expect(relations(delegating('{{ default__generate_schema_name(custom_schema_name, node) }}')).report).toBe('public_marts.report');
    // generate_schema_name_for_env: the custom schema alone on a target named prod, else the target's schema.
    const forEnv = delegating('{{ generate_schema_name_for_env(custom_schema_name, node) }}');
    expect(relations(forEnv)).toMatchObject({ base: 'public.base', report: 'public.report', codes: 'public.codes' });
    writeProject({ 'project.yml': `${files['project.yml']}target: prod\ntargets:\n  prod:\n    type: postgres\n    url: postgres://x@localhost/db\n    schema: analytics\n` }, forEnv);
    expect(relations(forEnv)).toMatchObject({ base: 'analytics.base', report: 'marts.report', codes: 'ref.codes' });
    const alias = writeProject({ ...files, 'macros/naming.sql': '{% macro generate_alias_name(custom_alias_name, node) -%}{{ default__generate_alias_name(custom_alias_name, node) | upper }}{%- endmacro %}' });
    expect(relations(alias)).toMatchObject({ base: 'public.BASE', wide: 'marts.WIDE_REPORT' });
  });

  it('an env var the macro reads is part of the compile\'s up-to-date check', () => {
    const dir = writeProject({
      ...files,
      'macros/naming.sql': "{% macro generate_schema_name(custom_schema_name, node) -%}{{ env_var('DEPLOY_ENV', 'dev') }}_{{ custom_schema_name or 'base' }}{%- endmacro %}",
    });
    const first = compile({ projectDir: dir, env: { DEPLOY_ENV: 'dev' } });
    expect(first.upToDate).toBe(false);
    expect(compile({ projectDir: dir, env: { DEPLOY_ENV: 'dev' } }).upToDate).toBe(true);
    const prod = compile({ projectDir: dir, env: { DEPLOY_ENV: 'prod' } });
    expect(prod.upToDate).toBe(false);
    expect(!prod.upToDate && (prod.manifest.nodes['model.proj.report'] as ModelNode).relation.schema).toBe('prod_marts');
    expect(!prod.upToDate && prod.manifest.nodes['model.proj.report']!.dependsOn.macros).toContain('macro.proj.generate_schema_name');
  });

  it('two models or seeds naming the same relation are an error naming both', () => {
    const dir = writeProject({ ...files, 'macros/naming.sql': "{% macro generate_alias_name(custom_alias_name, node) -%}{{ 'same' if node.resource_type == 'model' else node.name }}{%- endmacro %}" });
    const errors = compileErrors(dir);
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^model (report|wide) and (report|wide) both build "marts"."same"$/),
    ]);
    expect(errors[0]!.details).toHaveLength(2);
    const aliased = writeProject({ ...files, 'models/marts/other.sql': "{{ config(alias='report') }}\nselect 1 as id" });
    expect(compileErrors(aliased).map((e) => e.message)).toEqual([expect.stringMatching(/both build "marts"."report"/)]);
  });

  it('a loaded source owns its raw table: another loaded source or a model on the same relation is an error naming both', () => {
    const load = (files: string) => `        load:\n          files: ${files}\n          columns: [a, b]\n`;
    const sources = (second: string) => [
      'version: 2',
      'sources:',
      '  - name: raw',
      '    schema: marts',
      '    tables:',
      '      - name: first',
      '        identifier: landing',
      load('data/a_*.txt').trimEnd(),
      `      - name: second`,
      `        identifier: ${second}`,
      load('data/b_*.txt').trimEnd(),
      '      - name: report',   // a plain source may name a model's relation (reading it is not writing it)
      '',
    ].join('\n');
    const twoLoads = writeProject({ ...files, 'models/sources.yml': sources('landing') });
    const errors = compileErrors(twoLoads);
    expect(errors.map((e) => `${e.location?.file}: ${e.message}`)).toEqual([
      'models/sources.yml: source raw.second and source raw.first both build "marts"."landing"',
    ]);
    expect(errors[0]!.hint).toMatch(/identifier/);
    const onModel = writeProject({ ...files, 'models/sources.yml': sources('wide_report') });
    expect(compileErrors(onModel).map((e) => e.message)).toEqual([expect.stringMatching(/^(source raw.second and model wide|model wide and source raw.second) both build "marts"."wide_report"$/)]);
  });

  it('generate_alias_name decides identifiers, and the node is there to decide with', () => {
    const dir = writeProject({
      ...files,
      'macros/naming.sql': `{% macro generate_alias_name(custom_alias_name=none, node=none) -%}
  {%- if custom_alias_name -%}{{ custom_alias_name }}{%- else -%}{{ node.fqn[1:] | join('__') }}{%- endif -%}
{%- endmacro %}`,
    });
    expect(relations(dir)).toEqual({ base: 'public.base', report: 'marts.marts__report', wide: 'marts.wide_report', codes: 'ref.codes' });
  });

  it("generate_database_name decides the database: the target's prints three-part names, another is an error naming the node", () => {
    const macro = (body: string) => `{% macro generate_database_name(custom_database_name=none, node=none) -%}${body}{%- endmacro %}`;
    const dir = writeProject({ ...files, 'macros/naming.sql': macro('{{ custom_database_name or target.database }}') });
    const { manifest } = compileProject({ projectDir: dir });
    expect((manifest.nodes['model.proj.report'] as ModelNode).compiledCode).toContain('from "strata"."public"."base"');
    writeProject({ 'macros/naming.sql': macro("{{ 'analytics' if node.name == 'report' else target.database }}") }, dir);
    expect(compileErrors(dir).map((e) => `${e.location?.file}: ${e.message}`)).toEqual([
      "models/marts/report.sql: model report names database 'analytics', but target default connects to database 'strata'",
    ]);
  });

  it('a macro that names no schema, or fails, is an error naming the node and the macro', () => {
    const dir = writeProject({ ...files, 'macros/naming.sql': '{% macro generate_schema_name(custom_schema_name, node) %}{{ "" if node.name == "report" else target.schema }}{% endmacro %}' });
    const errors = compileErrors(dir);
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/generate_schema_name.*model report.*empty/)]);
    expect(errors[0]!.location?.file).toBe('macros/naming.sql');

    const failing = writeProject({ ...files, 'macros/naming.sql': "{% macro generate_schema_name(custom_schema_name, node) %}{{ exceptions.raise_compiler_error('no schemas here') }}{% endmacro %}" });
    // One error per node it fails for: base, report, wide and codes.
    expect(compileErrors(failing).map((e) => e.message)).toEqual(Array(4).fill(expect.stringMatching(/generate_schema_name.*no schemas here/)));
  });

  it('the CLI reports a bad naming macro as a project error (exit 2), without a stack trace', async () => {
    const dir = writeProject({ ...files, 'macros/naming.sql': '{% macro generate_schema_name(custom_schema_name, node) %}{{ "" }}{% endmacro %}' });
    const run = await cli(['--project-dir', dir, 'compile']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/macros\/naming\.sql/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
