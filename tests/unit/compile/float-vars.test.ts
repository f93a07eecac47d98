/**
 * A var written as a float stays a float, as in dbt (PyYAML reads `1.0` as a Python float, which
 * prints `1.0`). In SQL the two differ: `amount / {{ var('divisor') }}` with `divisor: 100.0` is
 * numeric division, and printing `100` would make it integer division without an error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile, compileProject } from '../../../src/api/compile.js';
import { PyFloat } from '../../../src/template/python-float.js';
import { cleanupProjects, cli, writeProject } from '../../helpers/temp-project.js';

cleanupProjects();

const compiled = (dir: string, model: string): string => readFileSync(join(dir, `target/compiled/models/${model}.sql`), 'utf8');

describe('vars written as floats', () => {
  it('project vars keep 1.0 a float and 1 an int, also inside lists, mappings and arithmetic', async () => {
    const dir = writeProject({
      'project.yml': 'name: proj\nvars:\n  divisor: 100.0\n  n: 2\n  ratio: 0.5\n  big: 1.0e+3\n  factors: [1.0, 2]\n  proj:\n    scoped: 4.0\n',
      'models/m.sql':
        "select amount / {{ var('divisor') }} as a, {{ var('n') }} as n, {{ var('ratio') }} as r, {{ var('big') }} as b,\n" +
        "  {{ var('factors') }} as f, {{ var('scoped') }} as s, {{ var('divisor') * 3 }} as t, {{ var('n') * 3 }} as u,\n" +
        "  {{ var('divisor') is float }} as is_float, {{ var('factors')[0] | string }} as first from t",
    });
    const res = await cli(['--project-dir', dir, 'compile']);
    expect(res.stderr).toBe('');
    expect(compiled(dir, 'm')).toBe(
      'select amount / 100.0 as a, 2 as n, 0.5 as r, 1000.0 as b,\n  [1.0, 2] as f, 4.0 as s, 300.0 as t, 6 as u,\n  True as is_float, 1.0 as first from t\n',
    );
  });

  it('--vars keeps floats too, and a change from 1 to 1.0 recompiles the models that read it', async () => {
    const dir = writeProject({ 'project.yml': 'name: proj\n', 'models/m.sql': "select 7 / {{ var('d') }} as q", 'models/other.sql': 'select 1 as x' });
    expect((await cli(['--project-dir', dir, 'compile', '--vars', '{d: 2}'])).stdout).toMatch(/^Compiled 2 models/);
    expect(compiled(dir, 'm')).toBe('select 7 / 2 as q\n');
    expect((await cli(['--project-dir', dir, 'compile', '--vars', '{d: 2.0}'])).stdout).toMatch(/^Compiled 2 models/);
    expect(compiled(dir, 'm')).toBe('select 7 / 2.0 as q\n');
    expect((await cli(['--project-dir', dir, 'compile', '--vars', '{"d": 2.0}'])).stdout).toMatch(/^Up to date/);
    const cached = compileProject({ projectDir: dir, env: {}, vars: { d: new PyFloat(2) } });
    expect([cached.ctx.cache?.hits, cached.ctx.cache?.misses]).toEqual([2, 0]);
    const negativeZero = compileProject({ projectDir: dir, env: {}, vars: { d: new PyFloat(-0) } });
    expect(negativeZero.manifest.nodes['model.proj.m']).toMatchObject({ compiledCode: 'select 7 / -0.0 as q' });
    const zero = compileProject({ projectDir: dir, env: {}, vars: { d: new PyFloat(0) } });
    expect(zero.manifest.nodes['model.proj.m']).toMatchObject({ compiledCode: 'select 7 / 0.0 as q' });
    const changed = compileProject({ projectDir: dir, env: {}, vars: { d: 2 } });
    expect([changed.ctx.cache?.hits, changed.ctx.cache?.misses]).toEqual([1, 1]);
    expect(changed.manifest.nodes['model.proj.m']).toMatchObject({ compiledCode: 'select 7 / 2 as q' });
  });

  it('a float from --vars reaches the models rendered on the helper thread, and their cache entries match it again', async () => {
    const { ParseHelper } = await import('../../../src/compile/parse-helper.js');
    const { boxFloats, valueKey } = await import('../../../src/template/python-float.js');
    const models: Record<string, string> = {
      'models/a.sql': "select x / {{ var('d') }} + {{ var('base') }} as y, {{ var('maybe', 2.0) }} as z",
      'models/b.sql': "select {{ var('d') * 2 }} as y",
    };
    const dir = writeProject({ 'project.yml': 'name: proj\nvars:\n  base: 10.0\n', ...models });
    const files = Object.keys(models).map((path) => ({ path, absPath: join(dir, path), folder: 'models', pathInFolder: path.slice('models/'.length) }));
    // What parse-project posts: --vars boxed, since a PyFloat does not survive the thread's message.
    const vars = { d: new PyFloat(3) };
    const helper = new ParseHelper({ files: [] }, { projectDir: dir, options: { vars: boxFloats(vars) as Record<string, unknown>, env: {} }, macros: [], files });
    for (let i = 0; i < 400 && helper.progress < files.length; i++) await new Promise((r) => setTimeout(r, 25));
    helper.documents();
    const renders = helper.renders().sort((x, y) => x.index - y.index);
    expect(renders.map((r) => r.outcome?.output)).toEqual(['select x / 3.0 + 10.0 as y, 2.0 as z', 'select 6.0 as y']);
    // What the parse cache compares: the values read, as the thread saw them, against the values now.
    const read = renders[0]!.outcome!.varsRead;
    expect(valueKey(read['d'])).toBe(valueKey(vars.d));
    expect(valueKey(read['d'])).not.toBe(valueKey(3));
    expect(valueKey(read['base'])).toBe(valueKey(new PyFloat(10)));
    expect(valueKey((read['maybe'] as { default: unknown }).default)).toBe(valueKey(new PyFloat(2)));
  });

  it('a cold compile on two threads leaves cache entries that a warm compile with the same floats hits', () => {
    const files: Record<string, string> = { 'project.yml': 'name: proj\nvars:\n  base: 10.0\n' };
    const count = 240; // past WORKER_MIN_FILES: a second thread may render some of the models
    for (let i = 0; i < count; i++) files[`models/m${i}.sql`] = `select x / {{ var('d') }} + {{ var('base') }} as y from t${i}`;
    const dir = writeProject(files);
    const cold = compileProject({ projectDir: dir, env: {}, vars: { d: new PyFloat(3) } });
    const outputs = new Set(Object.values(cold.manifest.nodes).map((n) => (n as { compiledCode?: string }).compiledCode?.replace(/t\d+$/, 't')));
    expect([...outputs]).toEqual(['select x / 3.0 + 10.0 as y from t']);
    const warm = compileProject({ projectDir: dir, env: {}, vars: { d: new PyFloat(3) } });
    expect([warm.ctx.cache?.hits, warm.ctx.cache?.misses]).toEqual([count, 0]);
    const asInt = compileProject({ projectDir: dir, env: {}, vars: { d: 3 } });
    expect(asInt.ctx.cache?.misses).toBe(count);
    expect(asInt.manifest.nodes['model.proj.m7']).toMatchObject({ compiledCode: 'select x / 3 + 10.0 as y from t7' });
  });

  it('config values leave the templates as plain numbers, and the rest of project.yml reads numbers as before', async () => {
    const dir = writeProject({
      'project.yml': 'name: proj\nvars:\n  limit: 5.0\nmodels:\n  proj:\n    +meta: {weight: 2.0}\n',
      'models/m.sql': "{{ config(meta={'limit': var('limit')}) }}select 1 as x",
      'models/n.sql': 'select 1 as x',
    });
    const res = compile({ projectDir: dir, env: {} });
    if (res.upToDate) throw new Error('expected a parse');
    expect(res.manifest.nodes['model.proj.m']?.config.meta).toEqual({ weight: 2, limit: 5 });
    expect(res.manifest.nodes['model.proj.n']?.config.meta).toEqual({ weight: 2 });
    expect(typeof (res.manifest.nodes['model.proj.n']?.config.meta as { weight: unknown }).weight).toBe('number');
    const notMapping = writeProject({ 'project.yml': 'name: proj\nvars: 1.0\n', 'models/m.sql': 'select 1' });
    expect((await cli(['--project-dir', notMapping, 'compile'])).stderr).toMatch(/vars.*must be object/);
    const json = JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, { varsRead: unknown }> };
    expect(json.nodes['model.proj.m']?.varsRead).toEqual({ limit: 5 });
  });
});

describe('project.yml and --vars read as dbt reads them (PyYAML, YAML 1.1)', () => {
  it("vars' scalars: yes/no/on/off are booleans, 010 is octal, 1e3 is text, dates stay text", async () => {
    const dir = writeProject({
      'project.yml':
        'name: proj\nvars:\n  a: yes\n  b: off\n  c: y\n  d: 010\n  e: 1_000\n  f: 1e3\n  g: 1.5e+3\n  h: 1:30\n  i: 2020-01-01\n  j: ~\n' +
        '  base: &base {k: 1}\n  merged:\n    <<: *base\n    l: 2\n',
      'models/m.sql':
        "select {{ var('a') }}, {{ var('b') }}, '{{ var('c') }}', {{ var('d') }}, {{ var('e') }}, '{{ var('f') }}', {{ var('g') }}, {{ var('h') }},\n" +
        "  '{{ var('i') }}', {{ var('j') }}, {{ var('merged') }}{% if var('b') %} and never{% endif %}",
    });
    const res = await cli(['--project-dir', dir, 'compile']);
    expect(res.stderr).toBe('');
    expect(compiled(dir, 'm')).toBe("select True, False, 'y', 8, 1000, '1e3', 1500.0, 90,\n  '2020-01-01', None, {'k': 1, 'l': 2}\n");
  });

  it('--vars too, and config values in project.yml (+enabled: no disables, as in dbt)', async () => {
    const dir = writeProject({
      'project.yml': 'name: proj\nmodels:\n  proj:\n    off_models:\n      +enabled: no\n',
      'models/m.sql': "select 1{% if var('flag', true) %} as on_{% endif %}",
      'models/off_models/n.sql': 'select 2',
    });
    expect((await cli(['--project-dir', dir, 'compile', '--vars', '{flag: off}'])).stdout).toMatch(/^Compiled 1 models/);
    expect(compiled(dir, 'm')).toBe('select 1\n');
    expect((await cli(['--project-dir', dir, 'compile', '--vars', '{flag: on}'])).stdout).toMatch(/^Compiled 1 models/);
    expect(compiled(dir, 'm')).toBe('select 1 as on_\n');
  });
});
