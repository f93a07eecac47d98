/**
 * `scan_work_mem`: the work_mem a fused scan that sorts keys (unique tests) runs with.
 *
 * PostgreSQL's default work_mem (4MB) makes the sort of a few million keys spill to disk; in
 * memory it takes about 24 bytes per key (5,000,000 integer keys: about 120MB, half the time of
 * the spilling sort, README.md). The default, 256MB, keeps about ten million keys in memory. It
 * is a ceiling, not an allocation: a sort takes only what it needs, and a larger setting of the
 * session is kept. It applies to the scan's statement only, never to the tests' own queries (so
 * `--no-fuse` runs exactly dbt's queries with the session's settings). `false` keeps the
 * session's work_mem. A scan shared by tests with different values uses the largest.
 */
import { StrataError } from '../errors/strata-error.js';
import type { TestNode } from '../manifest/types.js';

export const DEFAULT_SCAN_WORK_MEM = '256MB';

/** A size work_mem accepts, with a unit (PostgreSQL spells them this way, case included). */
const MEMORY_SIZE = /^([1-9]\d*)\s*(kB|MB|GB|TB)$/;
const KB: Record<string, number> = { kB: 1, MB: 1024, GB: 1024 ** 2, TB: 1024 ** 3 };

/** The test's `scan_work_mem` (undefined: keep the session's), or a CONFIG error. */
export function scanWorkMem(node: Pick<TestNode, 'uniqueId' | 'location'> & { config: Record<string, unknown> }): string | undefined {
  const value = node.config['scan_work_mem'];
  if (value === undefined || value === null) return DEFAULT_SCAN_WORK_MEM;
  if (value === false) return undefined;
  if (typeof value === 'string' && MEMORY_SIZE.test(value.trim())) return value.trim();
  throw new StrataError('CONFIG', `invalid scan_work_mem ${JSON.stringify(value)} on ${node.uniqueId}: expected a size such as '256MB' or '1GB', or false`, {
    nodeId: node.uniqueId,
    location: node.location,
  });
}

function kilobytes(size: string): number {
  const [, amount, unit] = MEMORY_SIZE.exec(size)!;
  return Number(amount) * KB[unit!]!;
}

/** The largest of some sizes (undefined ones ignored); undefined when there is none. */
export function largestMemorySize(sizes: ReadonlyArray<string | undefined>): string | undefined {
  let largest: string | undefined;
  for (const size of sizes) if (size !== undefined && (largest === undefined || kilobytes(size) > kilobytes(largest))) largest = size;
  return largest;
}
