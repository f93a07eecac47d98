/** The per-run progress line every scenario prints (an `alternate()` onRun callback). */
import type { AlternateOptions } from './alternate.js';
import type { ScenarioContext } from './scenario.js';

export function logRuns(ctx: ScenarioContext): NonNullable<AlternateOptions['onRun']> {
  return (e) => {
    const what = e.error
      ? `FAILED: ${e.error.split('\n')[0]}`
      : `${e.measurement.wallMs.toFixed(0)} ms, ${(e.measurement.peakRssBytes / 1e6).toFixed(0)} MB`;
    ctx.log(`  ${e.phase === 'warmup' ? 'warm-up' : `run ${e.round + 1}`}  ${e.contender}: ${what}`);
  };
}

/** Sizes of a scenario: --quick → the smallest; no --size → `defaults`; `all` → every size. */
export function pickSizes<S extends string>(
  ctx: ScenarioContext,
  sizes: Record<S, number>,
  defaults: readonly S[],
  smallest: S,
): S[] {
  if (ctx.quick) return [smallest];
  if (ctx.sizes.length === 0) return [...defaults];
  if (ctx.sizes.includes('all')) return Object.keys(sizes) as S[];
  for (const s of ctx.sizes) {
    if (!(s in sizes)) throw new Error(`unknown --size ${s} (one of: ${Object.keys(sizes).join(', ')}, all)`);
  }
  return ctx.sizes as S[];
}
