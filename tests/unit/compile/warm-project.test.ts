/**
 * When a run may read target/manifest.json back instead of parsing (src/compile/warm-project.ts,
 * projectToRun in src/api/compile.ts), driven through the API as `strata run` drives it: the
 * project config loaded first, the project, then the manifest written and the fingerprint saved.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectToRun } from '../../../src/api/compile.js';
import { writeManifest } from '../../../src/compile/artifacts.js';
import { varsKey } from '../../../src/compile/fingerprint.js';
import { loadProjectConfig } from '../../../src/project/project-config.js';
import { cleanupProjects, writeProject } from '../../helpers/temp-project.js';

cleanupProjects();

const PROJECT = {
  'project.yml': 'name: proj\nvars:\n  n: 1\n',
  'models/a.sql': "select {{ var('n') }} as n",
};

/** One command: config, project, manifest written, fingerprint saved. */
function command(dir: string, between?: () => void): ReturnType<typeof projectToRun> {
  const toRun = projectToRun({ projectDir: dir, env: {} }, loadProjectConfig(dir, { env: {} }));
  between?.();
  if (!toRun.warm) toRun.remember(writeManifest(toRun.project.targetDir, toRun.project.manifest));
  return toRun;
}

const sqlOf = (toRun: ReturnType<typeof projectToRun>): string | undefined => {
  const node = toRun.project.manifest.nodes['model.proj.a'];
  return node?.resourceType === 'model' ? node.compiledCode : undefined;
};

describe('a run reading its manifest back', () => {
  it('does so when nothing changed, with the same compiled SQL', () => {
    const dir = writeProject(PROJECT);
    expect(command(dir).warm).toBe(false);
    const again = command(dir);
    expect(again.warm).toBe(true);
    expect(sqlOf(again)).toBe('select 1 as n');
  });

  it('does not, after the project file was edited while the last command ran', () => {
    const dir = writeProject(PROJECT);
    // The edit lands after that command loaded its config and before it saved its fingerprint.
    command(dir, () => writeFileSync(join(dir, 'project.yml'), 'name: proj\nvars:\n  n: 2\n'));
    const next = command(dir);
    expect(next.warm).toBe(false);
    expect(sqlOf(next)).toBe('select 2 as n');
    expect(command(dir).warm).toBe(true);
  });

  it('does not when the manifest holds a number JSON cannot (YAML .inf), which would read back as null', () => {
    const dir = writeProject({
      ...PROJECT,
      'models/schema.yml': 'version: 2\nmodels:\n  - name: a\n    config:\n      meta:\n        limit: .inf\n',
    });
    const first = command(dir);
    expect(first.project.manifest.nodes['model.proj.a']?.config['meta']).toEqual({ limit: Infinity });
    const second = command(dir);
    expect(second.warm).toBe(false);
    expect(second.project.manifest.nodes['model.proj.a']?.config['meta']).toEqual({ limit: Infinity });
  });

  it('tells --vars with NaN or an infinity apart from null', () => {
    expect(varsKey({ x: Infinity })).not.toBe(varsKey({ x: null }));
    expect(varsKey({ x: -Infinity })).not.toBe(varsKey({ x: Infinity }));
    expect(varsKey({ x: NaN })).not.toBe(varsKey({ x: null }));
    expect(varsKey({ x: 1 })).toBe(JSON.stringify({ x: 1 }));
  });
});
