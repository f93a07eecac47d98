/**
 * `strata retry` runs again what the last run failed or skipped, data tests included: a model's
 * tests skipped because the model failed run once it is fixed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useE2eDatabase } from '../helpers/e2e-database.js';
import { statusesOf, strataOn, testProjectYml } from '../helpers/e2e-project.js';
import { writeProject } from '../helpers/temp-project.js';

const { testDb } = useE2eDatabase();
const strata = strataOn(testDb);

describe('strata retry after a build', () => {
  it('runs the tests that were skipped with their failed model', async () => {
    const dir = writeProject({
      'project.yml': testProjectYml('rty', 'rty'),
      'models/things.sql': 'select 1 as id from rty.missing',
      'models/others.sql': 'select 1 as id',
      'models/props.yml': [
        'version: 2',
        'models:',
        '  - name: things',
        '    columns:',
        '      - name: id',
        '        data_tests:',
        '          - not_null',
        '          - unique',
        // in a group of its own in build (it reads others too): skipped as well
        "          - relationships: {to: ref('others'), field: id}",
        '',
      ].join('\n'),
    });
    const build = await strata(dir, 'build');
    expect(build.code, build.stdout + build.stderr).toBe(1);
    expect(statusesOf(dir)).toMatchObject({ things: 'error', 'tests:model.rty.things': 'skipped', 'tests:model.rty.things+model.rty.others': 'skipped' });

    writeFileSync(join(dir, 'models/things.sql'), 'select 1 as id');
    const retry = await strata(dir, 'retry');
    const out = retry.stdout + retry.stderr;
    expect(retry.code, out).toBe(0);
    const relationships = Object.keys(statusesOf(dir)).find((n) => n.startsWith('relationships_things_id'));
    expect(relationships, out).toBeDefined();
    expect(statusesOf(dir), out).toMatchObject({ things: 'success', not_null_things_id: 'pass', unique_things_id: 'pass', [relationships!]: 'pass' });
  });
});
