/**
 * project.yml config paths that match no resource (a misspelt folder: `stagng:`) configure nothing;
 * as dbt does, compiling warns about each one.
 */
import { describe, expect, it } from 'vitest';
import { parseProject } from '../../../src/compile/parse-project.js';
import type { ModelNode } from '../../../src/manifest/types.js';
import { cleanupProjects, cli, writeProject } from '../../helpers/temp-project.js';

cleanupProjects();

function parsed(files: Record<string, string>) {
  const result = parseProject(writeProject(files), { env: {}, cache: false });
  expect(result.errors.map((e) => e.message)).toEqual([]);
  const warnings = result.warnings.map((w) => ({ message: w.message, file: w.location?.file, line: w.location?.line, hint: w.hint }));
  return { manifest: result.manifest!, warnings };
}

const tree = (...lines: string[]) => ['name: proj', ...lines, ''].join('\n');

describe('a config path that applies to no resource is a warning at its line', () => {
  it('a misspelt folder, with the folder meant', () => {
    const { warnings } = parsed({
      'project.yml': tree('models:', '  proj:', '    +materialized: view', '    stagng:', '      +schema: stg'),
      'models/staging/a.sql': 'select 1',
      'models/marts/b.sql': 'select 1',
    });
    expect(warnings).toEqual([{
      message: 'configuration path models.proj.stagng applies to no resource: its config is unused',
      file: 'project.yml',
      line: 5,
      hint: "no folder or model 'stagng' under models.proj: did you mean 'staging'?",
    }]);
  });

  it('the project name misspelt; what there is when nothing is close', () => {
    const { warnings } = parsed({
      'project.yml': tree('models:', '  porj:', '    +materialized: table', 'seeds:', '  proj:', '    zzz:', '      +schema: raw'),
      'models/a.sql': 'select 1',
      'seeds/codes.csv': 'a\n1\n',
    });
    expect(warnings).toEqual([
      expect.objectContaining({ message: 'configuration path models.porj applies to no resource: its config is unused', line: 3, hint: "the project is named 'proj', not 'porj'" }),
      expect.objectContaining({ message: 'configuration path seeds.proj.zzz applies to no resource: its config is unused', line: 7, hint: "no folder or seed 'zzz' under seeds.proj (there: codes)" }),
    ]);
  });

  it('each path holding config is reported, as dbt does, and folders holding none are not', () => {
    const { warnings } = parsed({
      'project.yml': tree('models:', '  proj:', '    old:', '      legacy:', '        +enabled: false', '      +tags: [old]', '    empty_folder:'),
      'models/a.sql': 'select 1',
    });
    expect(warnings.map((w) => [w.line, w.message.split(' ')[2]])).toEqual([[4, 'models.proj.old'], [5, 'models.proj.old.legacy']]);
  });

  it('the CLI prints it and compiles', async () => {
    const dir = writeProject({ 'project.yml': tree('models:', '  proj:', '    stagng:', '      +schema: stg'), 'models/staging/a.sql': 'select 1' });
    const run = await cli(['--project-dir', dir, 'compile']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('warning project.yml:4:5: CONFIG configuration path models.proj.stagng applies to no resource');
  });
});

describe('paths that do apply are silent', () => {
  it('folders, a model named by its file, a disabled model, seeds, sources and data tests', () => {
    const { warnings, manifest } = parsed({
      'project.yml': tree(
        'models:',
        '  +tags: [all]',
        '  proj:',
        '    staging:',
        '      +schema: stg',
        '      a:',
        '        +materialized: table',
        '    legacy:',
        '      +enabled: false',
        'seeds:',
        '  proj:',
        '    ref_data:',
        '      +schema: ref',
        'sources:',
        '  proj:',
        '    raw:',
        '      events:',
        '        +enabled: true',
        'data_tests:',
        '  proj:',
        '    staging:',
        '      +severity: warn',
        '    checks:',
        '      +severity: warn',
      ),
      'models/staging/a.sql': 'select 1 as id',
      'models/legacy/old.sql': 'select 1',
      'models/staging/a.yml': 'version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        data_tests: [unique]\n',
      'models/raw.yml': 'version: 2\nsources:\n  - name: raw\n    tables:\n      - name: events\n',
      'seeds/ref_data/codes.csv': 'a\n1\n',
      'tests/checks/no_rows.sql': 'select 1 where false',
    });
    expect(warnings).toEqual([]);
    expect((manifest.nodes['model.proj.a'] as ModelNode).config.materialized).toBe('table');
  });

  it('config at the top of a tree, with no project key, applies to everything', () => {
    const { warnings } = parsed({ 'project.yml': tree('models:', '  +materialized: table'), 'models/a.sql': 'select 1' });
    expect(warnings).toEqual([]);
  });
});
