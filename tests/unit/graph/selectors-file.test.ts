import { describe, expect, it } from 'vitest';
import { StrataError } from '../../../src/errors/strata-error.js';
import { buildGraph } from '../../../src/graph/dag.js';
import { selectNodes, type SelectOptions } from '../../../src/graph/select.js';
import type { SelectorDefinition } from '../../../src/graph/selector-definition.js';
import { parseSelectorsFile } from '../../../src/graph/selectors-file.js';
import { names, shopProject } from './fixtures.js';

const SELECTORS_YML = `
selectors:
  - name: nightly_models
    description: Everything tagged nightly
    definition: 'tag:nightly'
  - name: staging
    definition:
      method: path
      value: models/staging
      children: true
  - name: finance_no_slow
    default: true
    definition:
      union:
        - tag: finance
        - 'config.materialized:incremental'
        - exclude:
            - tag: slow
  - name: nightly_tables
    definition:
      intersection:
        - method: tag
          value: nightly
        - method: config.materialized
          value: table
  - name: reuse
    definition:
      union:
        - method: selector
          value: nightly_tables
        - method: fqn
          value: stg_events
  - name: revenue_up
    definition:
      method: fqn
      value: revenue
      parents_depth: 1
      indirect_selection: empty
      exclude:
        - orders
  - name: several_cli_terms
    definition: 'stg_orders stg_customers,tag:staging'
`;

const manifest = shopProject();
const graph = buildGraph(manifest);
const selectors = parseSelectorsFile(SELECTORS_YML, 'selectors.yml');
const run = (opts: SelectOptions): string[] => names(manifest, selectNodes(manifest, graph, { selectors, ...opts }));

function errorOf(fn: () => unknown): StrataError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StrataError) return e;
    throw e;
  }
  throw new Error('expected a StrataError');
}

describe('parseSelectorsFile', () => {
  it('reads every selector, normalising the key-value shorthand, with locations', () => {
    expect(Object.keys(selectors)).toEqual([
      'nightly_models',
      'staging',
      'finance_no_slow',
      'nightly_tables',
      'reuse',
      'revenue_up',
      'several_cli_terms',
    ]);
    expect(selectors.nightly_models).toMatchObject({
      name: 'nightly_models',
      description: 'Everything tagged nightly',
      definition: 'tag:nightly',
      location: { file: 'selectors.yml', line: 3, column: 5 },
    });
    expect(selectors.finance_no_slow?.default).toBe(true);
    expect(selectors.finance_no_slow?.definition).toEqual({
      union: [{ method: 'tag', value: 'finance' }, 'config.materialized:incremental', { exclude: [{ method: 'tag', value: 'slow' }] }],
    });
  });

  it('returns no selectors for an empty file or an empty list', () => {
    expect(parseSelectorsFile('', 'selectors.yml')).toEqual({});
    expect(parseSelectorsFile('selectors:\n', 'selectors.yml')).toEqual({});
  });

  it.each([
    ['YAML syntax', 'selectors:\n  - name: a\n    definition: [unclosed\n', 'YAML', /^selectors file does not parse: Flow sequence .* end with a \]$/, 4],
    ['not a mapping', '- a\n', 'SELECTOR', /must be a mapping/, 1],
    ['unknown top-level key', 'selector:\n  - name: a\n', 'SELECTOR', /unknown top-level key "selector"/, 1],
    ['unknown selector key', 'selectors:\n  - name: a\n    definiton: tag:x\n', 'SELECTOR', /unknown key "definiton"/, 3],
    ['missing name', 'selectors:\n  - definition: tag:x\n', 'SELECTOR', /needs a "name"/, 2],
    ['missing definition', 'selectors:\n  - name: a\n', 'SELECTOR', /selector "a" has no "definition"/, 2],
    ['bad CLI string', 'selectors:\n  - name: a\n    definition:\n      union:\n        - tag:x\n        - "tga:y"\n', 'SELECTOR', /unknown selection method "tga"/, 6],
    ['unknown method key', 'selectors:\n  - name: a\n    definition:\n      tga: nightly\n', 'SELECTOR', /unknown selection method "tga"/, 4],
    ['bad method entry key', 'selectors:\n  - name: a\n    definition:\n      method: tag\n      value: x\n      parent: true\n', 'SELECTOR', /unknown key "parent"/, 6],
    ['bad depth', 'selectors:\n  - name: a\n    definition:\n      method: tag\n      value: x\n      parents_depth: two\n', 'SELECTOR', /"parents_depth" must be a whole number/, 6],
    ['bad indirect mode', 'selectors:\n  - name: a\n    definition:\n      method: tag\n      value: x\n      indirect_selection: lazy\n', 'SELECTOR', /must be one of eager, cautious, buildable, empty/, 6],
    ['@ with parents', 'selectors:\n  - name: a\n    definition:\n      method: tag\n      value: x\n      parents: true\n      childrens_parents: true\n', 'SELECTOR', /cannot be combined/, 4],
    ['exclude at the root', 'selectors:\n  - name: a\n    definition:\n      exclude:\n        - tag:x\n', 'SELECTOR', /only allowed inside a union or intersection/, 4],
    ['union with another key', 'selectors:\n  - name: a\n    definition:\n      union: [tag:x]\n      tag: y\n', 'SELECTOR', /"union" must be the only key/, 4],
    ['empty union', 'selectors:\n  - name: a\n    definition:\n      union: []\n', 'SELECTOR', /needs a non-empty list/, 4],
    ['two excludes', 'selectors:\n  - name: a\n    definition:\n      union:\n        - tag:x\n        - exclude: [tag:y]\n        - exclude: [tag:z]\n', 'SELECTOR', /only one "exclude" entry/, 5],
    ['duplicate name', 'selectors:\n  - name: a\n    definition: tag:x\n  - name: a\n    definition: tag:y\n', 'SELECTOR', /"a" is defined twice \(first defined at line 2\)/, 4],
    ['two defaults', 'selectors:\n  - name: a\n    default: true\n    definition: tag:x\n  - name: b\n    default: true\n    definition: tag:y\n', 'SELECTOR', /more than one selector has "default: true": a, b/, 5],
    ['non-boolean default', 'selectors:\n  - name: a\n    default: yes please\n    definition: tag:x\n', 'SELECTOR', /"default" must be true or false/, 3],
  ])('%s', (_label, text, code, message, line) => {
    const e = errorOf(() => parseSelectorsFile(text, 'selectors.yml'));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    expect(e.location).toMatchObject({ file: 'selectors.yml', line });
  });

  it('points at the exact column of a bad entry', () => {
    const e = errorOf(() => parseSelectorsFile('selectors:\n  - name: a\n    definition: "tag:"\n', 'conf/selectors.yml'));
    expect(e.location).toEqual({ file: 'conf/selectors.yml', line: 3, column: 17 });
    expect(e.hint).toMatch(/valid methods/);
  });

  it('rejects a reference to an unknown selector, with a suggestion', () => {
    const text = 'selectors:\n  - name: nightly\n    definition: tag:x\n  - name: b\n    definition:\n      method: selector\n      value: nigthly\n';
    const e = errorOf(() => parseSelectorsFile(text, 'selectors.yml'));
    expect(e.message).toBe('selector "b" uses unknown selector "nigthly"');
    expect(e.hint).toBe('did you mean "nightly"?');
    expect(e.location?.line).toBe(4);
  });

  it('rejects selectors that reference each other in a cycle', () => {
    const text = [
      'selectors:',
      '  - name: a',
      '    definition: {method: selector, value: b}',
      '  - name: b',
      '    definition: "tag:x selector:c"',
      '  - name: c',
      '    definition: {union: [{method: selector, value: a}]}',
    ].join('\n');
    const e = errorOf(() => parseSelectorsFile(text, 'selectors.yml'));
    expect(e.message).toBe('selectors reference each other in a cycle: a -> b -> c -> a');
    expect(e.location?.line).toBe(2);
  });
});

describe('--selector', () => {
  it.each([
    ['nightly_models', ['customers', 'not_null_orders_id', 'orders', 'orders_unit', 'relationships_orders_customers', 'unique_customers_id']],
    ['staging', ['assert_revenue_positive', 'customers', 'not_null_orders_id', 'orders', 'orders_unit', 'other_src.events', 'relationships_orders_customers', 'revenue', 'stg_customers', 'stg_events', 'stg_orders', 'unique_customers_id']],
    ['finance_no_slow', ['customers', 'relationships_orders_customers', 'revenue', 'unique_customers_id']],
    ['nightly_tables', ['not_null_orders_id', 'orders', 'orders_unit', 'relationships_orders_customers']],
    ['reuse', ['not_null_orders_id', 'orders', 'orders_unit', 'relationships_orders_customers', 'stg_events']],
    ['revenue_up', ['revenue']],
    ['several_cli_terms', ['stg_customers', 'stg_orders']],
  ])('%s', (selector, expected) => {
    expect(run({ selector })).toEqual(expected);
  });

  it('uses the default selector when nothing is selected or excluded', () => {
    expect(run({})).toEqual(run({ selector: 'finance_no_slow' }));
    expect(run({ select: [] })).toEqual(run({ selector: 'finance_no_slow' }));
  });

  it('ignores the default selector once --select or --exclude is given', () => {
    expect(run({ select: ['stg_orders'] })).toEqual(['stg_orders']);
    expect(run({ exclude: ['tag:finance'] })).toContain('stg_orders');
  });

  it('applies --exclude on top of --selector', () => {
    expect(run({ selector: 'nightly_models', exclude: ['customers'] })).toEqual(['not_null_orders_id', 'orders', 'orders_unit']);
  });

  it('supports selector:NAME inside --select, with operators and intersections', () => {
    expect(run({ select: ['selector:nightly_models,test_type:generic'] })).toEqual([
      'not_null_orders_id',
      'relationships_orders_customers',
      'unique_customers_id',
    ]);
    expect(run({ select: ['1+selector:several_cli_terms'], indirectSelection: 'empty' })).toEqual([
      'raw.customers',
      'raw.orders',
      'stg_customers',
      'stg_orders',
    ]);
  });

  it('refuses --select together with --selector', () => {
    const e = errorOf(() => run({ selector: 'staging', select: ['orders'] }));
    expect(e.code).toBe('SELECTOR');
    expect(e.message).toMatch(/--select cannot be combined with --selector/);
  });

  it('names the closest selector for an unknown name', () => {
    const e = errorOf(() => run({ selector: 'nightly_model' }));
    expect(e).toMatchObject({ code: 'SELECTOR', message: 'unknown selector "nightly_model"', hint: 'did you mean "nightly_models"?' });
    const far = errorOf(() => run({ selector: 'zzz' }));
    expect(far.hint).toMatch(/^defined selectors: finance_no_slow, nightly_models/);
  });

  it('detects cycles in selectors built in code', () => {
    const cyclic: Record<string, SelectorDefinition> = {
      a: { name: 'a', definition: { method: 'selector', value: 'b' } },
      b: { name: 'b', definition: { union: ['tag:nightly', { method: 'selector', value: 'a' }] } },
    };
    const e = errorOf(() => selectNodes(manifest, graph, { selectors: cyclic, selector: 'a' }));
    expect(e.message).toBe('selectors reference each other in a cycle: a -> b -> a');
  });

  it('validates selectors built in code (shorthand accepted)', () => {
    const plain = { s: { name: 's', definition: { tag: 'slow' } } } as unknown as Record<string, SelectorDefinition>;
    expect(names(manifest, selectNodes(manifest, graph, { selectors: plain, selector: 's' }))).toEqual(['assert_revenue_positive']);
    const bad = { s: { name: 's', definition: { union: 'tag:x' } } } as unknown as Record<string, SelectorDefinition>;
    expect(() => selectNodes(manifest, graph, { selectors: bad, selector: 's' })).toThrow(/selector "s": "union" needs a non-empty list/);
  });
});

describe('selectors.yml conveniences', () => {
  it('accepts anchors, merge keys, a version key and rendered Jinja booleans', () => {
    const text = [
      'version: 2',
      'selectors:',
      '  - name: base',
      '    default: "True"',
      '    definition: &nightly',
      '      method: tag',
      '      value: nightly',
      '  - name: more',
      '    default: false',
      '    definition:',
      '      <<: *nightly',
      '      children: true',
    ].join('\n');
    const parsed = parseSelectorsFile(text, 'selectors.yml');
    expect(parsed.base).toMatchObject({ default: true, definition: { method: 'tag', value: 'nightly' } });
    expect(parsed.more?.default).toBeUndefined();
    expect(parsed.more?.definition).toEqual({ method: 'tag', value: 'nightly', children: true });
  });
});
