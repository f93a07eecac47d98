/**
 * The `run()` every database scenario shares: acquire the server (lib/database.ts), measure each
 * selected size on it, release it, and wrap the groups in a ScenarioResult with the machine facts
 * and the server's version.
 */
import { acquireDatabase, type BenchDatabase } from './database.js';
import { machineFacts } from './machine.js';
import { pickSizes } from './progress.js';
import { REPO_ROOT, type ResultGroup, type ScenarioResult } from './results.js';
import type { Scenario, ScenarioContext } from './scenario.js';

export async function runSizesOnDatabase<S extends string>(
  ctx: ScenarioContext,
  scenario: Pick<Scenario, 'name' | 'title' | 'description'>,
  sizes: Record<S, number>,
  measure: (size: S, db: BenchDatabase) => Promise<ResultGroup>,
): Promise<ScenarioResult> {
  const selected = pickSizes(ctx, sizes, ['large' as S], (Object.keys(sizes) as S[])[0]!);
  const db = await acquireDatabase(ctx);
  ctx.log(`database: ${db.description}`);
  try {
    const groups: ResultGroup[] = [];
    for (const size of selected) groups.push(await measure(size, db));
    return {
      scenario: scenario.name,
      title: scenario.title,
      description: scenario.description,
      date: new Date().toISOString(),
      machine: { ...machineFacts({ cwd: REPO_ROOT }), postgres: db.version },
      groups,
    };
  } finally {
    await db.release();
  }
}
