import { describe, expect, it } from 'vitest';
import { parseProject } from '../../../src/compile/parse-project.js';
import type { ModelNode } from '../../../src/manifest/types.js';
import { cleanupProjects, writeProject } from '../../helpers/temp-project.js';

cleanupProjects();

const URL_TARGET = 'targets:\n  dev:\n    url: postgres://ana:s3cret-pw@db.example:6543/warehouse\n    schema: analytics\ntarget: dev\n';

function compile(files: Record<string, string>) {
  return parseProject(writeProject(files), { env: {} });
}

function compiledModel(files: Record<string, string>, name: string): string {
  const { manifest, errors } = compile(files);
  expect(errors).toEqual([]);
  return (manifest!.nodes[`model.proj.${name}`] as ModelNode).compiledCode!.trim();
}

describe("the template's target", () => {
  it("has dbt's fields, taken from the URL, and never the password or the URL", () => {
    const sql = compiledModel({
      'project.yml': `name: proj\n${URL_TARGET}`,
      'models/m.sql': "select '{{ target.name }}|{{ target.target_name }}|{{ target.type }}|{{ target.schema }}|{{ target.database }}|{{ target.dbname }}|{{ target.user }}|{{ target.host }}|{{ target.port }}|{{ target.threads }}|{{ target.password }}|{{ target.url }}' as t",
    }, 'm');
    expect(sql).toBe("select 'dev|dev|postgres|analytics|warehouse|warehouse|ana|db.example|6543|4||' as t");
  });

  it('names the fields of a target given by parts, and the embedded database as type postgres', () => {
    const parts = compiledModel({
      'project.yml': 'name: proj\ntargets:\n  dev:\n    type: postgres\n    host: h\n    user: u\n    dbname: d\n    password: pw\n',
      'models/m.sql': "select '{{ target.database }}/{{ target.user }}/{{ target.host }}/{{ target.password }}' as t",
    }, 'm');
    expect(parts).toBe("select 'd/u/h/' as t");
    const embedded = compiledModel({ 'project.yml': 'name: proj\n', 'models/m.sql': "select '{{ target.type }}/{{ target.database }}' as t" }, 'm');
    expect(embedded).toBe("select 'postgres/strata' as t");
  });
});

describe('a database other than the target connects to', () => {
  it('is refused at compile time for a model, a seed and a source, naming each file', () => {
    const { errors } = compile({
      'project.yml': `name: proj\n${URL_TARGET}seeds:\n  proj:\n    +database: seeddb\n`,
      'models/a.sql': "{{ config(materialized='table', database='otherdb') }}\nselect 1 as id",
      'models/b.sql': "select * from {{ ref('a') }}",
      'seeds/codes.csv': 'code\n1\n',
      'models/sources.yml': 'version: 2\nsources:\n  - name: raw\n    database: rawdb\n    tables:\n      - name: events\n',
      'models/c.sql': "select * from {{ source('raw', 'events') }}",
    });
    const found = errors.map((e) => ({ code: e.code, message: e.message, file: e.location?.file }));
    expect(found).toEqual(expect.arrayContaining([
      { code: 'CONFIG', message: "model a names database 'otherdb', but target dev connects to database 'warehouse'", file: 'models/a.sql' },
      { code: 'CONFIG', message: "seed codes names database 'seeddb', but target dev connects to database 'warehouse'", file: 'seeds/codes.csv' },
      { code: 'CONFIG', message: "source events names database 'rawdb', but target dev connects to database 'warehouse'", file: 'models/sources.yml' },
    ]));
    expect(found).toHaveLength(3);
    expect(errors[0]!.hint).toMatch(/leave database out .*or point the target at/);
  });

  it("is allowed when it is the target's own, and another spelling gets the right one", () => {
    const same = compile({
      'project.yml': `name: proj\n${URL_TARGET}`,
      'models/a.sql': "{{ config(database=target.database) }}\nselect 1 as id",
      'models/b.sql': "select * from {{ ref('a') }}",
    });
    expect(same.errors).toEqual([]);
    expect((same.manifest!.nodes['model.proj.b'] as ModelNode).compiledCode).toContain('"warehouse"."analytics"."a"');
    const other = compile({ 'project.yml': `name: proj\n${URL_TARGET}`, 'models/a.sql': "{{ config(database='Warehouse') }}\nselect 1 as id" });
    expect(other.errors.map((e) => e.hint)).toEqual(["PostgreSQL database names are case-sensitive: write database 'warehouse', or leave database out"]);
  });

  it('is left to the run when the target does not name its database', () => {
    const { errors } = compile({
      'project.yml': 'name: proj\ntargets:\n  dev:\n    url: postgres://ana@db.example:6543\n',
      'models/a.sql': "{{ config(database='otherdb') }}\nselect 1 as id",
    });
    expect(errors).toEqual([]);
  });
});
