import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { StrataError } from '../../../src/errors/strata-error.js';
import { formatError } from '../../../src/errors/format-error.js';
import { createPool, DbError, positionToLineColumn, queryOnce, type Database } from '../../../src/adapters/postgres/index.js';
import { scrubSecrets, withDatabase } from '../../../src/adapters/postgres/target.js';
import { useTestDatabase } from '../../setup/test-database.js';

const testDb = useTestDatabase();
let db: Database;

beforeAll(() => {
  db = createPool(testDb.target());
});
afterAll(async () => {
  await db.close();
});

async function rejection(p: Promise<unknown>): Promise<StrataError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(StrataError);
    return err as StrataError;
  }
  throw new Error('expected a rejection');
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 1));
    });
  });
}

describe('positionToLineColumn', () => {
  it('maps 1-based character positions across lines', () => {
    const sql = 'select 1\nfrom  t\n  where x';
    expect(positionToLineColumn(sql, 1)).toEqual({ line: 1, column: 1 });
    expect(positionToLineColumn(sql, 8)).toEqual({ line: 1, column: 8 });
    expect(positionToLineColumn(sql, 10)).toEqual({ line: 2, column: 1 });
    // line 3 starts at position 18; 'w' is its third character.
    expect(positionToLineColumn(sql, 20)).toEqual({ line: 3, column: 3 });
  });

  it('counts characters, not UTF-16 units or bytes', () => {
    const sql = "select '😀é' as x\nfrom y";
    // s,e,l,e,c,t,space,',😀,é,',space -> 'a' of "as" is character 13 (the emoji counts once).
    expect(positionToLineColumn(sql, 13)).toEqual({ line: 1, column: 13 });
    expect(positionToLineColumn(sql, 18)).toEqual({ line: 2, column: 1 });
  });

  it('clamps positions past the end', () => {
    expect(positionToLineColumn('ab', 99)).toEqual({ line: 1, column: 3 });
  });
});

describe('server errors', () => {
  it('the per-file database is named after the test file', () => {
    expect(testDb.name).toMatch(/^t_errors_[0-9a-f]{8}$/);
  });

  it('maps a syntax error position to line:column of the executed SQL file', async () => {
    const sql = ['select', '  id,', "  '😀' as emoji,", '  name', 'frm users'].join('\n');
    const err = await rejection(db.query(sql, [], { sqlFile: 'target/run/proj/models/m.sql', nodeId: 'model.proj.m' }));
    expect(err).toBeInstanceOf(DbError);
    const dbErr = err as DbError;
    expect(dbErr.code).toBe('DB');
    expect(dbErr.sqlState).toBe('42601');
    expect(dbErr.message).toMatch(/syntax error at or near "users"/);
    expect(dbErr.nodeId).toBe('model.proj.m');
    expect(dbErr.location).toEqual({ file: 'target/run/proj/models/m.sql', line: 5, column: 5 });
    expect(dbErr.details).toContain('SQLSTATE 42601');
    const text = formatError(dbErr, { sources: new Map([['target/run/proj/models/m.sql', sql]]) });
    expect(text).toContain('target/run/proj/models/m.sql:5:5: DB syntax error');
    expect(text).toContain('>');
  });

  it('counts multi-byte characters before the error the way the server does', async () => {
    const err = await rejection(db.query("select '😀é' as x frm", [], { sqlFile: 'e.sql' }));
    expect(err.message).toMatch(/at or near "frm"/);
    expect(err.location).toEqual({ file: 'e.sql', line: 1, column: 18 });
  });

  it('offsets the location when the statement starts inside the file', async () => {
    const err = await rejection(db.query('select\nfrom from', [], { sqlFile: 'f.sql', startLine: 10, startColumn: 3 }));
    expect(err.location).toEqual({ file: 'f.sql', line: 11, column: 6 });
    const first = await rejection(db.query('selec 1', [], { sqlFile: 'f.sql', startLine: 10, startColumn: 3 }));
    expect(first.location).toEqual({ file: 'f.sql', line: 10, column: 3 });
  });

  it('without a file, puts the line and column in the details', async () => {
    const err = await rejection(db.query('select 1,\n  2 +'));
    expect(err.location).toBeUndefined();
    expect(err.details?.join('\n')).toMatch(/at line 2, column \d+ of the executed SQL/);
  });

  it('carries detail, hint and context', async () => {
    const err = await rejection(
      db.query(`DO $$ BEGIN RAISE EXCEPTION 'boom' USING DETAIL = 'the detail', HINT = 'the hint', ERRCODE = 'P0001'; END $$`),
    );
    const dbErr = err as DbError;
    expect(dbErr.sqlState).toBe('P0001');
    expect(dbErr.message).toBe('boom');
    expect(dbErr.fields.detail).toBe('the detail');
    expect(dbErr.hint).toBe('the hint');
    expect(dbErr.details).toContain('DETAIL: the detail');
    expect(dbErr.details?.some((d) => d.startsWith('CONTEXT: PL/pgSQL'))).toBe(true);
    expect(dbErr.toJSON()).toMatchObject({ code: 'DB', sqlState: 'P0001' });
  });

  it('reports constraint violations with table and constraint', async () => {
    await db.query('CREATE TABLE uniq (id int PRIMARY KEY)');
    await db.query('INSERT INTO uniq VALUES (1)');
    const err = (await rejection(db.query('INSERT INTO uniq VALUES (1)'))) as DbError;
    expect(err.sqlState).toBe('23505');
    expect(err.fields.detail).toBe('Key (id)=(1) already exists.');
    expect(err.fields.table).toBe('uniq');
    expect(err.fields.constraint).toBe('uniq_pkey');
  });

  it('reports a missing relation with its position', async () => {
    const err = (await rejection(db.query('select *\nfrom no_such_table', [], { sqlFile: 'x.sql' }))) as DbError;
    expect(err.sqlState).toBe('42P01');
    expect(err.location).toEqual({ file: 'x.sql', line: 2, column: 6 });
  });
});

describe('connection errors', () => {
  it('connection refused -> CONNECTION with a hint and without the password', async () => {
    const port = await closedPort();
    const url = `postgres://alice:s3cret-Pa55@127.0.0.1:${port}/whatever`;
    const err = await rejection(queryOnce({ name: 'dev', type: 'postgres', url, schema: 'public', threads: 1 }, 'SELECT 1'));
    expect(err.code).toBe('CONNECTION');
    expect(err.message).toContain(`127.0.0.1:${port}/whatever as alice (target "dev")`);
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(err.hint).toMatch(/running/);
    const everything = `${formatError(err, { debug: true })}\n${JSON.stringify(err.toJSON())}`;
    expect(everything).not.toContain('s3cret-Pa55');
  });

  it('separate password field is not leaked either', async () => {
    const port = await closedPort();
    const err = await rejection(
      queryOnce({ name: 'dev', type: 'postgres', host: '127.0.0.1', port, user: 'bob', password: 'hunter2-xyz', schema: 'public', threads: 1 }, 'SELECT 1'),
    );
    expect(err.code).toBe('CONNECTION');
    expect(formatError(err)).not.toContain('hunter2-xyz');
  });

  it('unknown database -> CONNECTION with a hint', async () => {
    const url = withDatabase(testDb.adminUrl, 'strata_no_such_db_xyz');
    const err = await rejection(queryOnce({ name: 't', type: 'postgres', url, schema: 'public', threads: 1 }, 'SELECT 1'));
    expect(err.code).toBe('CONNECTION');
    expect(err.details).toContain('SQLSTATE 3D000');
    expect(err.hint).toMatch(/create the database/);
  });

  // The system server in CI uses trust auth, so only the embedded one can reject a password.
  it.runIf(inject('strataServerKind') === 'embedded')('wrong password -> CONNECTION with a password hint', async () => {
    const url = new URL(testDb.url);
    url.password = 'wrong-Pass-77';
    const err = await rejection(queryOnce({ name: 't', type: 'postgres', url: url.toString(), schema: 'public', threads: 1 }, 'SELECT 1'));
    expect(err.code).toBe('CONNECTION');
    expect(err.details).toContain('SQLSTATE 28P01');
    expect(err.hint).toMatch(/password/);
    expect(formatError(err, { debug: true })).not.toContain('wrong-Pass-77');
  });

  it('unknown host -> CONNECTION', async () => {
    const err = await rejection(
      queryOnce({ name: 't', type: 'postgres', url: 'postgres://u:pw12345@no-such-host.invalid:5432/db', schema: 'public', threads: 1 }, 'SELECT 1'),
    );
    expect(err.code).toBe('CONNECTION');
    expect(err.hint).toMatch(/host name/);
    expect(err.message).not.toContain('pw12345');
  });
});

describe('scrubSecrets', () => {
  it('masks URL passwords, password= keywords and literal passwords', () => {
    const text = 'failed postgres://u:p%40ss@h/db and password=abc123 and raw p@ss-word';
    const out = scrubSecrets(text, { password: 'p@ss-word', url: 'postgres://u:p%40ss@h/db' });
    expect(out).toBe('failed postgres://u:****@h/db and password=**** and raw ****');
  });
});
