/**
 * Unit tests take config as dbt gives it (v1.8+): `config: {tags, meta, enabled}` in the property
 * file, under project.yml's `unit_tests:` tree by resource path (dbt's fqn: project, the property
 * file's folders below the model path, the model, the test), the property file winning.
 */
import { describe, expect, it } from 'vitest';
import { parseProject } from '../../../src/compile/parse-project.js';
import { list } from '../../../src/api/compile.js';
import { cleanupProjects, writeProject } from '../../helpers/temp-project.js';

cleanupProjects();

const unitTest = (name: string, config = '') => [
  `  - name: ${name}`,
  '    model: a',
  ...(config ? [`    config: ${config}`] : []),
  '    given: []',
  '    expect:',
  '      rows: [{id: 1}]',
].join('\n');

function project(treeYaml: string) {
  return writeProject({
    'project.yml': `name: proj\n${treeYaml}`,
    'models/staging/a.sql': 'select 1 as id',
    'models/staging/props.yml': ['version: 2', 'unit_tests:', unitTest('t_plain'), unitTest('t_tagged', '{tags: [fast], meta: {owner: qa}}'), unitTest('t_off', '{enabled: false}'), ''].join('\n'),
  });
}

describe('unit test config', () => {
  it('tags select, meta is kept, enabled: false leaves the test out', () => {
    const dir = project('');
    const result = parseProject(dir, { env: {}, cache: false });
    expect(result.errors).toEqual([]);
    const nodes = result.manifest!.nodes;
    expect(Object.keys(nodes).filter((id) => id.startsWith('unit_test.')).sort()).toEqual(['unit_test.proj.a.t_plain', 'unit_test.proj.a.t_tagged']);
    expect(nodes['unit_test.proj.a.t_tagged']).toMatchObject({ tags: ['fast'], config: { meta: { owner: 'qa' } }, fqn: ['proj', 'staging', 'a', 't_tagged'] });
    expect(list({ projectDir: dir, select: ['tag:fast'] }).nodes.map((n) => n.name)).toEqual(['t_tagged']);
  });

  it("project.yml's unit_tests: tree applies by resource path, the property file wins, and an unused path warns", () => {
    const dir = project('unit_tests:\n  proj:\n    staging:\n      +tags: [staged]\n      a:\n        t_plain:\n          +enabled: false\n    stagng:\n      +tags: [typo]\n');
    const result = parseProject(dir, { env: {}, cache: false });
    expect(result.errors).toEqual([]);
    const nodes = result.manifest!.nodes;
    expect(nodes['unit_test.proj.a.t_plain']).toBeUndefined();
    expect(nodes['unit_test.proj.a.t_tagged']?.tags.sort()).toEqual(['fast', 'staged']);
    expect(result.warnings.map((w) => w.message)).toEqual([expect.stringContaining('unit_tests.proj.stagng')]);
  });
});
