import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupProjects, cli, writeProject } from '../../helpers/temp-project.js';

cleanupProjects();

describe('state: selection', () => {
  it('compares with the manifest of the last successful run; --state names another', async () => {
    const dir = writeProject({ 'project.yml': 'name: proj\n', 'models/a.sql': 'select 1 as id', 'models/b.sql': "select * from {{ ref('a') }}" });
    expect((await cli(['--project-dir', dir, 'compile'])).code).toBe(0);
    // What a successful run leaves behind.
    mkdirSync(join(dir, 'target/last_success'), { recursive: true });
    cpSync(join(dir, 'target/manifest.json'), join(dir, 'target/last_success/manifest.json'));
    writeFileSync(join(dir, 'models/b.sql'), "select id, 2 as two from {{ ref('a') }}");

    expect((await cli(['--project-dir', dir, 'ls', '-s', 'state:modified', '-o', 'name'])).stdout).toBe('b');
    expect((await cli(['--project-dir', dir, 'compile'])).code).toBe(0);
    const missing = await cli(['--project-dir', dir, 'compile', '--state', 'nowhere']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--state nowhere: no manifest.json there');
  });
});
