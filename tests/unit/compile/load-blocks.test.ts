/**
 * A source's `load:` block is checked with the rest of the project: `strata parse` and
 * `strata compile` (no database) report a misspelt key or a bad value at the source's line,
 * instead of the first `strata load` or `build` that reaches it.
 */
import { describe, expect, it } from 'vitest';
import { cleanupProjects, cli, writeProject } from '../../helpers/temp-project.js';

cleanupProjects();

const sources = (load: string[]) => [
  'version: 2',
  'sources:',
  '  - name: raw',
  '    tables:',
  '      - name: fine',
  '        load: {files: "data/a_*.txt", columns: [a, b]}',
  '      - name: orders',
  '        load:',
  ...load.map((l) => `          ${l}`),
  '',
].join('\n');

describe('load: blocks at parse time', () => {
  it('strata parse reports a misspelt key and a bad value at the source, exit 2, no database', async () => {
    const dir = writeProject({
      'project.yml': 'name: proj\n',
      'models/sources.yml': sources(['files: "data/*.txt"', 'delimeter: ","', 'columns: [a, b]', 'max_bad_rows: -1']),
    });
    const run = await cli(['--project-dir', dir, 'parse']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('models/sources.yml:7');
    expect(run.stderr).toContain('source raw.orders: load.delimeter is not a known key');
    expect(run.stderr).toContain('source raw.orders: load.max_bad_rows');
    expect(run.stderr).not.toContain('raw.fine');
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('a valid block parses', async () => {
    const dir = writeProject({ 'project.yml': 'name: proj\n', 'models/sources.yml': sources(['files: "data/*.txt"', 'delimiter: ","', 'columns: [a, b]']) });
    const run = await cli(['--project-dir', dir, 'parse']);
    expect(run.code, run.stderr).toBe(0);
  });
});
