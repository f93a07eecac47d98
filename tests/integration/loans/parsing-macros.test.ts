/**
 * The loan project's parsing macros (macros/parsing.sql), rendered by strata and executed by
 * PostgreSQL on the values the agencies' files really contain.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Database } from '../../../src/adapters/postgres/index.js';
import { cleanupProjects, cli, writeProject } from '../../helpers/temp-project.js';
import { useTestDatabase } from '../../setup/test-database.js';

cleanupProjects();
const testDb = useTestDatabase();
let db: Database;
const macros = readFileSync(join(import.meta.dirname, '../../../macros/parsing.sql'), 'utf8');

beforeAll(() => {
  db = createPool(testDb.target());
});
afterAll(async () => {
  await db?.close();
});

async function evaluate(select: string): Promise<Array<Record<string, unknown>>> {
  const dir = writeProject({
    'project.yml': "name: m\ntargets:\n  t:\n    url: \"{{ env_var('U') }}\"\n    schema: macro_test\n",
    'macros/parsing.sql': macros,
    'models/probe.sql': `{{ config(materialized='table') }}\n${select}`,
  });
  const run = await cli(['--project-dir', dir, 'run', '--rebuild'], { env: { U: testDb.url } });
  expect(run.code, run.stdout + run.stderr).toBe(0);
  return (await db.query('select * from macro_test.probe order by 1')).rows;
}

describe('parsing macros', () => {
  it('to_int accepts integers written as floats and rejects the rest', async () => {
    const rows = await evaluate(`select i, {{ to_int('v') }} as n from (values (1, '4'), (2, '4.0'), (3, ' 12 '), (4, '4.5'), (5, 'X'), (6, ''), (7, '-2')) t(i, v)`);
    expect(rows.map((r) => r['n'])).toEqual([4, 4, 12, null, null, null, -2]);
  });

  it('null_if_sentinel maps sentinels, blanks and NULL strings to NULL, on text and numbers', async () => {
    const rows = await evaluate([
      "select i, {{ null_if_sentinel(to_int('v'), [9999]) }} as score, {{ null_if_sentinel('f', ['9', 'U']) }} as flag",
      "from (values (1, '751', 'Y'), (2, '9999', '9'), (3, '9999.0', 'U'), (4, 'NULL', 'NULL'), (5, '', 'N')) t(i, v, f)",
    ].join('\n'));
    expect(rows.map((r) => [r['score'], r['flag']])).toEqual([[751, 'Y'], [null, null], [null, null], [null, null], [null, 'N']]);
  });

  it('parses the four date formats, malformed values as NULL', async () => {
    const rows = await evaluate([
      "select 1 as i, {{ parse_yyyymm(\"'202003'\") }}::text as a, {{ parse_mm_yyyy(\"'09/2007'\") }}::text as b,",
      "  {{ parse_mm_dd_yyyy(\"'08/01/2007'\") }}::text as c, {{ parse_mmyyyy(\"'012020'\") }}::text as d",
      "union all select 2, {{ parse_yyyymm(\"'202013'\") }}::text, {{ parse_mm_yyyy(\"'2007-09'\") }}::text,",
      "  {{ parse_mm_dd_yyyy(\"''\") }}::text, {{ parse_mmyyyy(\"'1x2020'\") }}::text",
    ].join('\n'));
    expect(rows).toEqual([
      { i: 1, a: '2020-03-01', b: '2007-09-01', c: '2007-08-01', d: '2020-01-01' },
      { i: 2, a: null, b: null, c: null, d: null },
    ]);
  });

  it('months_delinquent and is_reo read the status codes of both agencies', async () => {
    const rows = await evaluate(`select i, {{ months_delinquent('s') }} as m, {{ is_reo('s') }} as reo from (values (1, '0'), (2, '3'), (3, '2.0'), (4, 'X'), (5, 'XX'), (6, '-2'), (7, 'RA'), (8, 'R')) t(i, s)`);
    expect(rows.map((r) => [r['m'], r['reo']])).toEqual([[0, false], [3, false], [2, false], [null, false], [null, false], [null, false], [null, true], [null, true]]);
  });

  it('standardize_name removes spelling noise and corporate suffixes', async () => {
    const names = [
      'WELLS FARGO BANK, N.A.', 'WELLS FARGO BANK,  NA', 'JPMORGAN CHASE BANK, NATIONAL ASSOCIATION', 'QUICKEN LOANS INC.',
      'PROVIDENT FUNDING ASSOCIATES, L.P.', 'U.S. BANK N.A.', 'FLAGSTAR BANK, FSB', 'Other servicers', 'NEW LENDER CORP',
    ];
    const values = names.map((n, i) => `(${i + 1}, '${n}')`).join(', ');
    const rows = await evaluate(`select i, {{ standardize_name('n') }} as s from (values ${values}) t(i, n)`);
    expect(rows.map((r) => r['s'])).toEqual([
      'WELLS FARGO BANK', 'WELLS FARGO BANK', 'JPMORGAN CHASE BANK', 'QUICKEN LOANS', 'PROVIDENT FUNDING ASSOCIATES', 'US BANK',
      'FLAGSTAR BANK', 'OTHER SERVICERS', 'NEW LENDER',
    ]);
  });
});
