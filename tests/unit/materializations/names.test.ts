import { describe, expect, it } from 'vitest';
import { compiledSql, queryBody, sibling, suffixedIdentifier, truncateBytes } from '../../../src/materializations/index.js';
import { model } from './helpers.js';

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

describe('suffixedIdentifier', () => {
  it('appends the suffix when the result fits in 63 bytes', () => {
    expect(suffixedIdentifier('orders', '__strata_tmp')).toBe('orders__strata_tmp');
    const fits = 'a'.repeat(63 - '__strata_tmp'.length);
    expect(suffixedIdentifier(fits, '__strata_tmp')).toBe(`${fits}__strata_tmp`);
  });

  it('shortens long names with a hash, keeping the suffix, and keeps distinct names distinct', () => {
    const a = suffixedIdentifier(`${'x'.repeat(60)}_a`, '__strata_tmp');
    const b = suffixedIdentifier(`${'x'.repeat(60)}_b`, '__strata_tmp');
    expect(bytes(a)).toBeLessThanOrEqual(63);
    expect(a.endsWith('__strata_tmp')).toBe(true);
    expect(a).toMatch(/^x+_[0-9a-f]{8}__strata_tmp$/);
    expect(a).not.toBe(b);
    // deterministic
    expect(suffixedIdentifier(`${'x'.repeat(60)}_a`, '__strata_tmp')).toBe(a);
  });

  it('counts bytes, not characters, and never splits a multi-byte character', () => {
    const name = 'é'.repeat(30); // 60 bytes
    const out = suffixedIdentifier(name, '__strata_old');
    expect(bytes(out)).toBeLessThanOrEqual(63);
    expect(out).toMatch(/^é+_[0-9a-f]{8}__strata_old$/);
    expect(truncateBytes('aé', 2)).toBe('a');
  });

  it('sibling keeps the schema', () => {
    expect(sibling({ schema: 's', identifier: 't' }, '__strata_tmp')).toEqual({ schema: 's', identifier: 't__strata_tmp' });
  });
});

describe('queryBody / compiledSql', () => {
  it('wraps the SQL in parentheses on their own lines and strips trailing semicolons', () => {
    expect(queryBody('select 1;\n ; ')).toBe('(\nselect 1\n)');
    expect(queryBody('select 1 -- trailing comment')).toBe('(\nselect 1 -- trailing comment\n)');
  });

  it('uses the incremental SQL when asked, falling back to the full SQL', () => {
    expect(compiledSql(model({ sql: 'select 1', incrementalSql: 'select 2' }), true)).toBe('select 2');
    expect(compiledSql(model({ sql: 'select 1' }), true)).toBe('select 1');
  });

  it('fails clearly when the node was not compiled', () => {
    const node = model();
    delete node.compiledCode;
    expect(() => compiledSql(node)).toThrow(/model\.shop\.orders has no compiled SQL/);
  });
});
