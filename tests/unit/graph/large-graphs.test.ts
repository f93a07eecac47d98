/**
 * Selection and cycle detection on project-sized graphs: deep chains (no recursion limits) and
 * 40,000 nodes give the right answers. Speed is measured by the benchmark suite (`npm run bench`),
 * never by wall-clock assertions in tests: a shared 2-core machine makes those flaky.
 */
import { describe, expect, it } from 'vitest';
import { buildGraph, findCycles } from '../../../src/graph/dag.js';
import { selectNodes } from '../../../src/graph/select.js';
import type { GraphNode, Manifest } from '../../../src/manifest/types.js';
import { dataTest, makeManifest, model, modelId } from './fixtures.js';

const MODELS = 10_000;

/** Deterministic pseudo-random numbers (no flaky graphs). */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

/**
 * 10,000 models, each reading up to three recent ones (long chains, wide fan-in), in 20
 * folders; optionally three generic tests per model (40,000 nodes in all). Round-tripped
 * through JSON like a manifest read from disk, which also gives V8 its usual object layout.
 */
function bigProject(testsPerModel: number): Manifest {
  const random = lcg(42);
  const nodes: GraphNode[] = [];
  for (let i = 0; i < MODELS; i++) {
    const deps = new Set<string>();
    for (let k = 0; k < 3 && i > 0; k++) deps.add(modelId(`m${Math.max(0, i - 1 - Math.floor(random() * 50))}`));
    nodes.push(model(`m${i}`, { folders: [`area${i % 20}`], deps: [...deps], tags: i % 7 === 0 ? ['weekly'] : [] }));
    for (const t of ['unique', 'not_null', 'accepted_values'].slice(0, testsPerModel)) {
      nodes.push(dataTest(`${t}_m${i}`, { generic: t, attachedNode: modelId(`m${i}`), deps: [modelId(`m${i}`)] }));
    }
  }
  return JSON.parse(JSON.stringify(makeManifest(nodes))) as Manifest;
}

describe('large graphs: 10,000 models', () => {
  const manifest = bigProject(0);
  const graph = buildGraph(manifest);

  it('selects the ancestors of the last model through long chains', () => {
    const selected = selectNodes(manifest, graph, { select: ['+m9999'] });
    expect(selected.size).toBeGreaterThan(9_000);
    expect(selected.has(modelId('m0'))).toBe(true);
  });
});

describe('large graphs: 40,000 nodes (10,000 models with 3 tests each)', () => {
  const manifest = bigProject(3);
  const graph = buildGraph(manifest);

  it('has no cycle', () => {
    expect(graph.nodeCount()).toBe(40_000);
    expect(findCycles(graph)).toEqual([]);
  });

  it.each(['+m9999', '@m5000', 'm0+', 'tag:weekly,area3.*', 'area1 area2', 'stg_* m1*', 'test_name:unique,+m20'])(
    'selects %s',
    (select) => {
      expect(selectNodes(manifest, graph, { select: select.split(' ') }).size).toBeGreaterThan(0);
    },
  );
});
