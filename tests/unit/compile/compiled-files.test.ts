import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile, compileProject, parse } from '../../../src/api/compile.js';
import { parseProject } from '../../../src/compile/parse-project.js';
import { WORKER_MIN_FILES } from '../../../src/compile/sync-worker.js';
import type { Manifest, ModelNode, TestNode } from '../../../src/manifest/types.js';
import { cleanupProjects, cli, writeProject } from '../../helpers/temp-project.js';

cleanupProjects();

/** Every file under dir, relative to it, with its content. */
function filesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, name);
    if (statSync(p).isFile()) out[relative(dir, p).split('\\').join('/')] = readFileSync(p, 'utf8');
  }
  return out;
}

const small = {
  'project.yml': 'name: proj\n',
  'models/orders.sql': 'select 1 as id',
  'models/report.sql': "select * from {{ ref('orders') }}",
  'models/schema.yml': 'version: 2\nmodels:\n  - name: orders\n    columns:\n      - name: id\n        tests: [unique, not_null]\n',
  'tests/no_rows.sql': "select * from {{ ref('report') }} where id < 0",
};

describe('compiled SQL files', () => {
  it('a full compile writes each model and singular test; generic tests are in manifest.json', async () => {
    const dir = writeProject(small);
    const run = await cli(['--project-dir', dir, 'compile']);
    expect(run.stdout).toMatch(/3 compiled files written to .*target\/compiled\/; generic tests' SQL in target\/manifest\.json\)$/);
    expect(Object.keys(filesUnder(join(dir, 'target/compiled'))).sort()).toEqual(['models/orders.sql', 'models/report.sql', 'tests/no_rows.sql']);
    const manifest = JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8'));
    expect(manifest.nodes['test.proj.unique_orders_id'].compiledCode).toContain('from "public"."orders"');
  });

  it('selecting a generic test, or its model, writes its file where dbt puts it', async () => {
    const dir = writeProject(small);
    await cli(['--project-dir', dir, 'compile', '-s', 'unique_orders_id']);
    expect(Object.keys(filesUnder(join(dir, 'target/compiled')))).toEqual(['models/schema.yml/unique_orders_id.sql']);
    await cli(['--project-dir', dir, 'compile', '-s', 'orders']);
    expect(Object.keys(filesUnder(join(dir, 'target/compiled'))).sort()).toEqual([
      'models/orders.sql', 'models/schema.yml/not_null_orders_id.sql', 'models/schema.yml/unique_orders_id.sql',
    ]);
  });

  it('a full compile keeps an existing generic test file up to date', () => {
    const dir = writeProject(small);
    compile({ projectDir: dir, env: {}, select: ['unique_orders_id'] });
    writeFileSync(join(dir, 'models/orders.sql'), "{{ config(alias='all_orders') }}\nselect 1 as id");
    compile({ projectDir: dir, env: {} });
    expect(readFileSync(join(dir, 'target/compiled/models/schema.yml/unique_orders_id.sql'), 'utf8')).toContain('"public"."all_orders"');
    expect(existsSync(join(dir, 'target/compiled/models/schema.yml/not_null_orders_id.sql'))).toBe(false);
  });
});

describe('manifest.json', () => {
  it('is JSON.stringify of the manifest, byte for byte: non-ASCII text, large and empty maps', async () => {
    const { writeManifest } = await import('../../../src/compile/artifacts.js');
    const nodes: Record<string, unknown> = {};
    for (let i = 0; i < 3000; i++) nodes[`model.p.m${i}`] = { name: `m${i}`, description: i % 7 ? 'plain' : 'çà et là, 数据, 🚀', rawCode: 'x'.repeat(i % 500) };
    // Longer than the write buffer on its own.
    nodes['model.p.huge'] = { rawCode: `-- ${'é'.repeat(600_000)}` };
    const manifest = { metadata: { projectName: 'p' }, nodes, sources: {}, macros: {}, parentMap: { a: ['b'] }, childMap: {} } as unknown as Manifest;
    const dir = writeProject({});
    const { path } = writeManifest(dir, manifest);
    expect(readFileSync(path, 'utf8')).toBe(JSON.stringify(manifest));
  });
});

/** A project with enough files that compile reads property files and writes compiled files on worker threads. */
function manyModels(extra: Record<string, string> = {}): Record<string, string> {
  const files: Record<string, string> = { 'project.yml': 'name: proj\n' };
  const n = WORKER_MIN_FILES + 20;
  for (let i = 0; i < n; i++) {
    const name = `m${String(i).padStart(4, '0')}`;
    const folder = `models/g${Math.floor(i / 50)}`;
    files[`${folder}/${name}.sql`] = i === 0 ? 'select 1 as id' : `select id from {{ ref('m${String(i - 1).padStart(4, '0')}') }}`;
    files[`${folder}/${name}.yml`] = `version: 2\nmodels:\n  - name: ${name}\n    description: "model ${i}"\n    columns:\n      - name: id\n        tests: [not_null]\n`;
  }
  return { ...files, ...extra };
}

describe('a large project (worker threads)', () => {
  it('writes every model file, with its SQL, and nothing empty or extra', () => {
    const dir = writeProject(manyModels({
      // Disabled by its own config() call: its file, reserved before that was known, must not stay.
      'models/off.sql': "{{ config(enabled=false) }}\nselect 1 as id",
    }));
    const res = compile({ projectDir: dir, env: {} });
    if (res.upToDate) throw new Error('cannot be up to date');
    const files = filesUnder(join(dir, 'target/compiled'));
    const models = Object.values(res.manifest.nodes).filter((n): n is ModelNode => n.resourceType === 'model');
    expect(Object.keys(files).sort()).toEqual(models.map((m) => m.originalFilePath).sort());
    for (const m of models) expect(files[m.originalFilePath]).toBe(`${m.compiledCode!.trimEnd()}\n`);
    expect(res.written).toBe(models.length);
    // The fingerprint (inputs' digest taken on the worker thread during the parse) holds.
    expect(compile({ projectDir: dir, env: {} }).upToDate).toBe(true);

    writeFileSync(join(dir, 'models/g0/m0003.sql'), "select id, 2 as two from {{ ref('m0002') }}");
    const again = compile({ projectDir: dir, env: {} });
    expect(again.upToDate ? 0 : again.written).toBe(1);
    expect(readFileSync(join(dir, 'target/compiled/models/g0/m0003.sql'), 'utf8')).toBe('select id, 2 as two from "public"."m0002"\n');
    // The digest taken when that compile found a change is the one it recorded: nothing changed since.
    expect(compile({ projectDir: dir, env: {} }).upToDate).toBe(true);
    writeFileSync(join(dir, 'models/g0/m0003.sql'), "select id, 3 as three from {{ ref('m0002') }}");
    expect(compile({ projectDir: dir, env: {} }).upToDate).toBe(false);
  });

  it('is not up to date after an env var a test read changed, or after `strata parse` rewrote manifest.json', () => {
    const dir = writeProject({
      ...small,
      'tests/no_rows.sql': "select * from {{ ref('report') }} where id < {{ env_var('FLOOR', '0') }}",
      'models/schema.yml': "version: 2\nmodels:\n  - name: orders\n    columns:\n      - name: id\n        tests:\n          - accepted_values:\n              values: [\"{{ env_var('ID', '1') }}\"]\n",
    });
    expect(compile({ projectDir: dir, env: {} }).upToDate).toBe(false);
    expect(compile({ projectDir: dir, env: {} }).upToDate).toBe(true);
    const floor = compile({ projectDir: dir, env: { FLOOR: '5' } });
    if (floor.upToDate) throw new Error('FLOOR changed: cannot be up to date');
    expect((floor.manifest.nodes['test.proj.no_rows'] as TestNode).compiledCode).toContain('where id < 5');
    const id = compile({ projectDir: dir, env: { FLOOR: '5', ID: '2' } });
    if (id.upToDate) throw new Error('ID changed: cannot be up to date');
    expect((Object.values(id.manifest.nodes).find((n) => n.name.startsWith('accepted_values')) as TestNode).compiledCode).toContain("'2'");
    expect(compile({ projectDir: dir, env: { FLOOR: '5', ID: '2' } }).upToDate).toBe(true);
    // parse writes a manifest without compiled SQL: the next compile writes a compiled one again.
    parse({ projectDir: dir, env: { FLOOR: '5', ID: '2' } });
    expect(compile({ projectDir: dir, env: { FLOOR: '5', ID: '2' } }).upToDate).toBe(false);
    const manifest = JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8')) as Manifest;
    expect((manifest.nodes['test.proj.no_rows'] as TestNode).compiledCode).toContain('where id < 5');
  });

  it('a compile that fails leaves no compiled files behind', async () => {
    const dir = writeProject(manyModels({ 'models/broken.sql': "select * from {{ ref('nowhere') }}" }));
    const run = await cli(['--project-dir', dir, 'compile']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("refers to 'nowhere'");
    expect(filesUnder(join(dir, 'target/compiled'))).toEqual({});
  });

  it('parses property files as a small project does: config seen by the template, errors with positions', () => {
    const files = manyModels({
      'models/g0/m0005.yml': 'version: 2\nmodels:\n  - name: m0005\n    config:\n      materialized: table\n      tags: [from_yml]\n',
      'models/g0/m0006.sql': "select '{{ config.get('materialized') }}' as how, id from {{ ref('m0005') }}",
      'models/g0/m0006.yml': 'version: 2\nmodels:\n  - name: m0006\n    config:\n      materialized: incremental\n',
    });
    const manifest = compileProject({ projectDir: writeProject(files), env: {} }).manifest;
    expect(manifest.nodes['model.proj.m0005']).toMatchObject({ config: { materialized: 'table', tags: ['from_yml'] } });
    expect(manifest.nodes['model.proj.m0006']).toMatchObject({ compiledCode: `select 'incremental' as how, id from "public"."m0005"` });
    expect((manifest.nodes['test.proj.not_null_m0100_id'] as TestNode).compiledCode).toContain('"public"."m0100"');

    const broken = { 'models/g1/m0060.yml': 'version: 2\nmodels:\n  - name: m0060\n    colums: []\n' };
    const errorsOf = (project: Record<string, string>) => parseProject(writeProject(project), { env: {} }).errors.map((e) => `${e.location?.file}:${e.location?.line}: ${e.message}`);
    const expected = errorsOf({ 'project.yml': 'name: proj\n', 'models/g1/m0060.sql': 'select 1 as id', ...broken });
    expect(expected).toHaveLength(1);
    expect(errorsOf({ ...manyModels(), ...broken })).toEqual(expected);
  });
});

describe('the worker threads themselves', () => {
  const until = async (done: () => boolean) => {
    for (let i = 0; i < 400 && !done(); i++) await new Promise((r) => setTimeout(r, 25));
  };

  it('ParseHelper: documents as js-yaml reads them; invalid files flagged for the caller', async () => {
    const { ParseHelper } = await import('../../../src/compile/parse-helper.js');
    const dir = writeProject({
      'a.yml': 'version: 2\nmodels:\n  - name: a\n    description: "x: y"\n    config: {materialized: table}\n',
      'empty.yml': '',
      'bad.yml': 'version: 2\nmodels:\n  - name: [',
      'unknown-key.yml': 'version: 2\nmodelz: []\n',
    });
    const files = ['a.yml', 'empty.yml', 'bad.yml', 'unknown-key.yml', 'missing.yml'].map((path) => ({ path, absPath: join(dir, path) }));
    const helper = new ParseHelper({ files });
    // Let the thread read them all (normally the caller renders models meanwhile).
    await until(() => helper.progress === files.length);
    const docs = helper.documents();
    expect(docs.get('a.yml')).toMatchObject({ valid: true, doc: { version: 2, models: [{ name: 'a', description: 'x: y', config: { materialized: 'table' } }] } });
    // Reported by the caller, which parses these again (an empty file is an error too).
    for (const path of ['empty.yml', 'bad.yml', 'unknown-key.yml', 'missing.yml']) expect(docs.get(path)).toMatchObject({ valid: false });
    expect(helper.renders()).toEqual([]);
  });

  it('ParseHelper: models the thread could not take on come back for this thread to render', async () => {
    const { ParseHelper } = await import('../../../src/compile/parse-helper.js');
    const dir = writeProject({ 'models/a.sql': 'select 1', 'models/b.sql': 'select 2' });
    const files = ['models/a.sql', 'models/b.sql'].map((path) => ({ path, absPath: join(dir, path), folder: 'models', pathInFolder: path.slice('models/'.length) }));
    // No project.yml: the thread cannot load the project, so it renders nothing.
    const helper = new ParseHelper({ files: [] }, { projectDir: dir, options: {}, macros: [], files });
    helper.documents();
    expect(helper.renders().sort((x, y) => x.index - y.index)).toEqual([{ index: 0 }, { index: 1 }]);
  });

  it('ParseHelper: joined while the helper is reading, every file is read by one thread or the other', async () => {
    const { ParseHelper } = await import('../../../src/compile/parse-helper.js');
    const project: Record<string, string> = {};
    for (let i = 0; i < 400; i++) project[`p${i}.yml`] = `version: 2\nmodels:\n  - name: m${i}\n`;
    const dir = writeProject(project);
    const files = Object.keys(project).map((path) => ({ path, absPath: join(dir, path) }));
    const helper = new ParseHelper({ files });
    await until(() => helper.progress > 0);
    const docs = helper.documents();
    expect(docs.size).toBe(files.length);
    expect([...docs.values()].every((d) => d.valid)).toBe(true);
  });

  it('ParseHelper: the thread renders models as this thread does; a file it cannot render comes back without an outcome', async () => {
    const { ParseHelper } = await import('../../../src/compile/parse-helper.js');
    const { outcomeOf } = await import('../../../src/compile/parse-cache.js');
    const { ParseContext } = await import('../../../src/compile/parse-context.js');
    const { renderModel } = await import('../../../src/compile/parse-sql-nodes.js');
    const { loadProjectConfig } = await import('../../../src/project/project-config.js');
    const models: Record<string, string> = {
      'models/plain.sql': "select * from {{ ref('a') }} join {{ source('raw', 'b') }} using (id)",
      'models/sub/loop.sql': "{{ config(materialized='table', tags=['x']) }}\nselect {% for i in range(3) %}{{ i }}{% if not loop.last %}, {% endif %}{% endfor %}, {{ cents('v') }}",
      'models/vars.sql': "select '{{ var('who', 'nobody') }}', '{{ env_var('STRATA_T', 'none') }}' from {{ this }}",
      'models/broken.sql': 'select {{ nope( }}',
    };
    const macros = [{ file: 'macros/cents.sql', text: '{% macro cents(c) -%} ({{ c }} / 100) {%- endmacro %}' }];
    const dir = writeProject({ 'project.yml': 'name: proj\nvars:\n  who: everyone\n', ...models, [macros[0]!.file]: macros[0]!.text });
    const files = Object.keys(models).map((path) => ({ path, absPath: join(dir, path), folder: 'models', pathInFolder: path.slice('models/'.length) }));
    const options = { vars: { extra: 1 }, env: { STRATA_T: 'set' } };
    const helper = new ParseHelper({ files: [] }, { projectDir: dir, options, macros, files });
    // Let the thread take them all (normally this thread renders some meanwhile).
    await until(() => helper.progress === files.length);
    expect(helper.claimModel()).toBeUndefined();
    expect(helper.documents().size).toBe(0);
    const renders = helper.renders();
    expect(renders.map((r) => r.index).sort()).toEqual([0, 1, 2, 3]);

    const loaded = loadProjectConfig(dir, options);
    const ctx = new ParseContext(loaded.config!, loaded.engine!, options.vars, options.env);
    ctx.engine.loadMacros(macros);
    for (const r of renders) {
      const file = files[r.index]!;
      expect(r.text).toBe(models[file.path]);
      const here = renderModel(ctx, file, r.text!, undefined);
      if (file.path === 'models/broken.sql') {
        expect(here.errors).toHaveLength(1);
        expect(r.outcome).toBeUndefined();
      } else {
        expect(r.outcome).toEqual(outcomeOf(here.rendered!.state, here.rendered!.output));
      }
    }
  });
});
