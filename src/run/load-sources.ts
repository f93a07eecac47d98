/**
 * `build` loads the selected sources before the models that read them: each source with a `load:`
 * block is one work item. Its result fails when any of its files failed (descendants are skipped,
 * other sources and models go on), and a load advances the source's data version, so state-aware
 * runs rebuild what reads it and incremental models see the new batches.
 */
import { dataVersionOfSource, loadSources, THREAD_MIN_BYTES } from '../load/index.js';
import { fileSources } from '../load/source-loading.js';
import type { LoadSpec } from '../load/types.js';
import type { SourceNode } from '../manifest/types.js';
import { failureResult } from './build-model.js';
import type { RunContext } from './run-context.js';
import type { NodeResult } from './run-results.js';
import { timed, type TimingEntry } from './timing.js';

export async function loadSourceItem(rc: RunContext, source: SourceNode, spec: LoadSpec): Promise<NodeResult> {
  const started = performance.now();
  const base = { uniqueId: source.uniqueId, name: `${source.sourceName}.${source.name}`, resourceType: 'source' as const, relation: `"${source.relation.schema}"."${source.relation.identifier}"` };
  const files = await fileSources(rc.project.projectDir, [spec]);
  // The whole load counts as work: listing, checksums and the ledger are a small part of streaming the files.
  const timing: TimingEntry[] = [];
  try {
    const results = await timed(timing, () => loadSources(rc.db, [{ node: source, spec }], {
      projectDir: rc.project.projectDir, threads: rc.options.threads, reload: false, dryRun: false,
      // --full-refresh rebuilds models and seeds, not raw tables: like dbt, which never touches
      // sources, and because reading every file again costs hours on real releases. The raw
      // tables hold exactly the files' rows already; `strata load --full-refresh` reloads them.
      fullRefresh: false, fileSourceFor: files.fileSourceFor, fileThreadMinBytes: THREAD_MIN_BYTES,
    }));
    const version = await dataVersionOfSource(rc.db, source.uniqueId);
    if (version !== undefined) rc.dataVersions.set(source.uniqueId, `load:${version}`);
    const failed = results.filter((r) => r.status === 'failed');
    const loaded = results.filter((r) => r.status === 'loaded');
    const rows = loaded.reduce((n, r) => n + r.rows, 0);
    const quarantined = results.reduce((n, r) => n + r.quarantined, 0);
    const moved = loaded.filter((r) => r.reason === 'moved').length;
    const message = `${loaded.length} loaded${moved ? ` (${moved} moved)` : ''}, ${results.length - loaded.length - failed.length} unchanged, ${failed.length} failed${quarantined ? `, ${quarantined} row${quarantined === 1 ? '' : 's'} quarantined` : ''}`;
    const seconds = (performance.now() - started) / 1000;
    if (failed.length) {
      return {
        ...base, status: 'error', message, rows, seconds, timing,
        error: { code: 'LOAD', message: failed.map((f) => f.error?.message ?? `${f.file.displayName}: failed`).join('\n'), ...(failed[0]?.error?.hint ? { hint: failed[0].error.hint } : {}) },
      };
    }
    return { ...base, status: loaded.length ? 'success' : 'up_to_date', message, rows, seconds, timing };
  } catch (e) {
    return { ...failureResult(base, e, started), timing };
  } finally {
    files.close();
  }
}
