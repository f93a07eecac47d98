import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile, compileProject } from '../../../src/api/compile.js';
import { cleanupProjects, cli, writeProject } from '../../helpers/temp-project.js';

cleanupProjects();

const files = {
  'project.yml': 'name: proj\nvars:\n  region: eu\n',
  'models/uses_region.sql': "select '{{ var('region') }}' as region",
  'models/uses_env.sql': "select '{{ env_var('WAREHOUSE', 'wh') }}' as wh",
  'models/loop.sql': '{% for i in range(2) %}select {{ i }}{% if not loop.last %} union all {% endif %}{% endfor %}',
  'models/plain.sql': "select * from {{ ref('loop') }}",
  'models/props.yml': 'version: 2\nmodels:\n  - name: plain\n    columns:\n      - name: id\n        tests: [not_null]\n',
};

describe('warm compiles', () => {
  it('an unchanged project is up to date without parsing; any input change recompiles', async () => {
    const dir = writeProject(files);
    expect((await cli(['--project-dir', dir, 'compile'])).stdout).toMatch(/^Compiled 4 models/);
    expect((await cli(['--project-dir', dir, 'compile'])).stdout).toMatch(/^Up to date: 4 models, 1 data tests/);
    writeFileSync(join(dir, 'models/plain.sql'), "select 1 as id from {{ ref('loop') }}");
    expect((await cli(['--project-dir', dir, 'compile'])).stdout).toMatch(/^Compiled 4 models/);
    expect(readFileSync(join(dir, 'target/compiled/models/plain.sql'), 'utf8')).toBe('select 1 as id from "public"."loop"\n');
    expect((await cli(['--project-dir', dir, 'compile', '--vars', '{region: us}'])).stdout).toMatch(/^Compiled/);
    expect((await cli(['--project-dir', dir, 'compile'], { env: { WAREHOUSE: 'big' } })).stdout).toMatch(/^Compiled/);
    expect((await cli(['--project-dir', dir, 'compile'], { env: { WAREHOUSE: 'big' } })).stdout).toMatch(/^Up to date/);
  });

  it("a seed's checksum is reused while its size, mtime and ctime are unchanged, and follows any edit", () => {
    const dir = writeProject({ ...files, 'seeds/codes.csv': 'code,label\nA,alpha\n' });
    const seedChecksum = (): string => {
      const res = compile({ projectDir: dir, env: {} });
      if (res.upToDate) throw new Error('expected a parse');
      return res.manifest.nodes['seed.proj.codes']!.checksum;
    };
    const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
    const first = seedChecksum();
    writeFileSync(join(dir, 'models/plain.sql'), "select 2 as id from {{ ref('loop') }}"); // force a parse
    expect(seedChecksum()).toBe(first);
    // Same size, mtime put back: ctime still moves, so the new bytes are hashed.
    const seed = join(dir, 'seeds/codes.csv');
    const { atime, mtime } = statSync(seed);
    writeFileSync(seed, 'code,label\nB,alpha\n');
    utimesSync(seed, atime, mtime);
    const edited = seedChecksum();
    expect(edited).not.toBe(first);
    expect([first, edited]).toEqual([sha('code,label\nA,alpha\n'), sha('code,label\nB,alpha\n')]);
  });

  it('a touched file with identical content is re-checked but not re-rendered', () => {
    const dir = writeProject(files);
    compile({ projectDir: dir, env: {} });
    const later = new Date(Date.now() + 5000);
    utimesSync(join(dir, 'models/loop.sql'), later, later);
    const res = compile({ projectDir: dir, env: {} });
    expect(res.upToDate).toBe(false);
    if (res.upToDate) return;
    expect([res.ctx.cache?.hits, res.ctx.cache?.misses]).toEqual([4, 0]);
  });

  it('a --vars change re-renders only the files that read that var', () => {
    const dir = writeProject(files);
    compileProject({ projectDir: dir, env: {} });
    const again = compileProject({ projectDir: dir, env: {}, vars: { region: 'us', unrelated: 1 } });
    expect([again.ctx.cache?.hits, again.ctx.cache?.misses]).toEqual([3, 1]);
    expect(again.manifest.nodes['model.proj.uses_region']).toMatchObject({ compiledCode: "select 'us' as region" });
    const env = compileProject({ projectDir: dir, env: { WAREHOUSE: 'big' }, vars: { region: 'us' } });
    expect([env.ctx.cache?.hits, env.ctx.cache?.misses]).toEqual([3, 1]);
    expect(env.manifest.nodes['model.proj.uses_env']).toMatchObject({ compiledCode: "select 'big' as wh" });
  });

  it('a var default that later gets a value invalidates the file', () => {
    const dir = writeProject({ 'project.yml': 'name: proj\n', 'models/a.sql': "select {{ var('n', 1) }} as n" });
    compileProject({ projectDir: dir, env: {} });
    const again = compileProject({ projectDir: dir, env: {}, vars: { n: 2 } });
    expect(again.manifest.nodes['model.proj.a']).toMatchObject({ compiledCode: 'select 2 as n' });
  });

  it('a macro change re-renders the files that use templates', () => {
    const dir = writeProject({ ...files, 'macros/m.sql': '{% macro m() %}1{% endmacro %}', 'models/uses_macro.sql': 'select {{ m() }} as x' });
    compileProject({ projectDir: dir, env: {} });
    writeFileSync(join(dir, 'macros/m.sql'), '{% macro m() %}2{% endmacro %}');
    const again = compileProject({ projectDir: dir, env: {} });
    expect(again.manifest.nodes['model.proj.uses_macro']).toMatchObject({ compiledCode: 'select 2 as x' });
  });
});
