/**
 * A syntax error in an on-run-start / on-run-end hook is a parse error at its line in project.yml,
 * not a failure after a whole build has run.
 */
import { describe, expect, it } from 'vitest';
import { cleanupProjects, cli, writeProject } from '../../helpers/temp-project.js';

cleanupProjects();

describe('project hook syntax', () => {
  it('strata parse reports a broken hook at its line, exit 2; a valid hook reading results parses', async () => {
    const dir = writeProject({
      'project.yml': [
        'name: proj',
        'on-run-start:',
        '  - "create schema if not exists audit"',
        'on-run-end:',
        '  - "{% for r in results %}select 1;{% endfor %}"',
        '  - "{% if %}broken"',
        '',
      ].join('\n'),
      'models/a.sql': 'select 1 as id',
    });
    const run = await cli(['--project-dir', dir, 'parse']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/project\.yml:6:\d+/);
    expect(run.stderr).toContain('on-run-end[1]');
    expect(run.stderr).not.toContain('on-run-end[0]');
    writeProject({ 'project.yml': 'name: proj\non-run-end: "{% for r in results %}select 1;{% endfor %}"\n' }, dir);
    const fine = await cli(['--project-dir', dir, 'parse']);
    expect(fine.code, fine.stderr).toBe(0);
  });
});
