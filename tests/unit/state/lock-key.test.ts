import { describe, expect, it } from 'vitest';
import { fnv1a32, lockSessionName, metaSchemaLockKey, RUN_LOCK_NAMESPACE, runLockKey, toInt4 } from '../../../src/state/lock-key.js';

describe('fnv1a32', () => {
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('%j -> %d (reference FNV-1a vectors)', (text, expected) => {
    expect(fnv1a32(text)).toBe(expected);
  });

  it('hashes UTF-8 bytes, not UTF-16 code units', () => {
    // 'é' is two bytes in UTF-8 (0xc3 0xa9): hash them by hand.
    let h = 0x811c9dc5;
    for (const b of [0xc3, 0xa9]) h = Math.imul(h ^ b, 0x01000193);
    expect(fnv1a32('é')).toBe(h >>> 0);
  });
});

describe('runLockKey', () => {
  it('is stable and fits PostgreSQL int4 arguments', () => {
    const key = runLockKey('shop', 'prod');
    expect(key).toEqual(runLockKey('shop', 'prod'));
    expect(key.classid).toBe(RUN_LOCK_NAMESPACE);
    expect(key.objidOid).toBe(fnv1a32('shop/prod'));
    for (const v of [key.classid, key.objid]) {
      expect(v).toBeGreaterThanOrEqual(-(2 ** 31));
      expect(v).toBeLessThan(2 ** 31);
    }
    // pg_locks shows the int4 keys as unsigned oids.
    expect(key.objidOid >>> 0).toBe(key.objidOid);
    expect(toInt4(key.objidOid)).toBe(key.objid);
  });

  it('differs per target and project, and from the meta-schema lock', () => {
    expect(runLockKey('shop', 'prod').objid).not.toBe(runLockKey('shop', 'dev').objid);
    expect(runLockKey('shop', 'prod').objid).not.toBe(runLockKey('shop2', 'prod').objid);
    expect(metaSchemaLockKey().classid).not.toBe(RUN_LOCK_NAMESPACE);
  });

  it('maps unsigned values above 2^31 to negative int4', () => {
    expect(toInt4(0xffffffff)).toBe(-1);
    expect(toInt4(0x80000000)).toBe(-(2 ** 31));
  });
});

describe('lockSessionName', () => {
  it('names the run when it fits in application_name', () => {
    expect(lockSessionName('20240101-abc')).toBe('strata run 20240101-abc');
  });

  it('uses a stable digest for long or non-ASCII run ids', () => {
    const long = 'x'.repeat(80);
    expect(lockSessionName(long)).toMatch(/^strata run #[0-9a-f]{16}$/);
    expect(lockSessionName(long)).toBe(lockSessionName(long));
    expect(lockSessionName('läuft')).toMatch(/^strata run #[0-9a-f]{16}$/);
    expect(Buffer.byteLength(lockSessionName('y'.repeat(52)))).toBeLessThanOrEqual(63);
  });
});
