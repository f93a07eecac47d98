/**
 * Runs loadSources for one source in a separate process, for the tests that kill a load with
 * SIGKILL or cap its heap. Input: env STRATA_LOAD_CHILD = JSON {url, projectDir, name, load,
 * threads}. Output on stdout: one JSON line per load event, then {"type":"exit", maxRssMb}.
 */
import { createPool } from '../../../src/adapters/postgres/index.js';
import { loadSources, parseLoadSpec } from '../../../src/load/index.js';
import { sourceNode } from '../../unit/load/spec-fixture.js';

interface ChildInput {
  url: string;
  projectDir: string;
  name: string;
  load: Record<string, unknown>;
  threads?: number;
}

const input = JSON.parse(process.env['STRATA_LOAD_CHILD'] ?? '{}') as ChildInput;
const db = createPool({ name: 'child', type: 'postgres', url: input.url, schema: 'public', threads: input.threads ?? 1 });
const node = sourceNode(input.name, input.load);
const { spec, errors } = parseLoadSpec(node);
if (!spec) throw new Error(errors.map((e) => e.message).join('\n'));
const say = (o: unknown): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
await loadSources(db, [{ node, spec }], { projectDir: input.projectDir, threads: input.threads ?? 1, reload: false, dryRun: false, onEvent: say });
await db.close();
say({ type: 'exit', maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), heapLimitMb: Math.round((await import('node:v8')).getHeapStatistics().heap_size_limit / 1048576) });
