import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkIdentifierLength, createPool, MAX_IDENTIFIER_BYTES, quoteIdent, quoteLiteral, relationSql, truncateIdentifier, type Database,
} from '../../../src/adapters/postgres/index.js';
import { useTestDatabase } from '../../setup/test-database.js';

const testDb = useTestDatabase();
let db: Database;

beforeAll(() => {
  db = createPool(testDb.target());
});
afterAll(async () => {
  await db.close();
});

describe('quoteIdent / relationSql', () => {
  it('always double-quotes and escapes embedded quotes', () => {
    expect(quoteIdent('orders')).toBe('"orders"');
    expect(quoteIdent('Mixed Case')).toBe('"Mixed Case"');
    expect(quoteIdent('a"b')).toBe('"a""b"');
    expect(relationSql({ schema: 'analytics', identifier: 'order' })).toBe('"analytics"."order"');
    expect(() => quoteIdent('')).toThrow(/empty/);
    expect(() => quoteIdent('a\0b')).toThrow(/NUL/);
  });

  it('round-trips awkward names through the server', async () => {
    const names = ['order', 'Mixed Case', 'a"b', 'dotted.name', 'émoji 😀', 'select'];
    await db.query(`CREATE SCHEMA ${quoteIdent('Weird "Schema"')}`);
    for (const name of names) {
      await db.query(`CREATE TABLE ${relationSql({ schema: 'Weird "Schema"', identifier: name })} (${quoteIdent(name)} int)`);
    }
    const res = await db.query<{ relname: string }>(
      "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'Weird \"Schema\"' ORDER BY 1",
    );
    expect(res.rows.map((r) => r.relname).sort()).toEqual([...names].sort());
  });
});

describe('quoteLiteral', () => {
  it('round-trips quotes, backslashes and unicode', async () => {
    const values = ["it's", 'back\\slash', "both \\' mixed", 'ünïcödé 😀', '', 'line\nbreak'];
    for (const v of values) {
      const res = await db.query<{ v: string }>(`SELECT ${quoteLiteral(v)}::text AS v`);
      expect(res.rows[0]?.v).toBe(v);
    }
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(quoteLiteral('a\\b')).toBe("E'a\\\\b'");
  });
});

describe('identifier length (63 bytes)', () => {
  it('accepts exactly 63 bytes and rejects 64', () => {
    expect(checkIdentifierLength('a'.repeat(63))).toBeUndefined();
    expect(checkIdentifierLength('a'.repeat(64))).toMatch(/64 bytes long/);
  });

  it('counts bytes, not characters: 32 two-byte characters are too long', () => {
    const name = 'é'.repeat(32); // 64 bytes, 32 characters
    const problem = checkIdentifierLength(name);
    expect(problem).toMatch(/64 bytes \(32 characters\)/);
    expect(truncateIdentifier(name)).toBe('é'.repeat(31));
    expect(checkIdentifierLength('é'.repeat(31))).toBeUndefined();
  });

  it('truncateIdentifier predicts what the server does with multi-byte names', async () => {
    const names = [`${'x'.repeat(62)}é`, `${'€'.repeat(21)}z`, `${'a'.repeat(61)}😀tail`, 'b'.repeat(70)];
    for (const name of names) {
      expect(Buffer.byteLength(name)).toBeGreaterThan(MAX_IDENTIFIER_BYTES);
      expect(checkIdentifierLength(name)).toBeDefined();
      // The server silently truncates (with a NOTICE) instead of failing.
      await db.query(`CREATE TABLE ${quoteIdent(name)} (id int)`);
      const res = await db.query<{ relname: string }>('SELECT relname FROM pg_class WHERE relname = $1', [truncateIdentifier(name)]);
      expect(res.rows).toHaveLength(1);
      expect(Buffer.byteLength(res.rows[0]!.relname)).toBeLessThanOrEqual(MAX_IDENTIFIER_BYTES);
    }
  });
});
