/**
 * `persist_docs` (dbt's config): descriptions from property files become PostgreSQL comments on
 * the relation and its columns, so Tableau, psql's \d+ and catalog tools show them. They follow
 * every kind of build (a table swapped in is a new object), a changed description is applied by
 * the next run, and documented columns the relation does not have are skipped, as dbt does.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useE2eDatabase } from '../helpers/e2e-database.js';
import { runResultsOf, strataOn } from '../helpers/e2e-project.js';
import { writeProject } from '../helpers/temp-project.js';

const { testDb, rows } = useE2eDatabase();
const strata = strataOn(testDb);

const props = (loansDescription: string) => [
  'version: 2',
  'models:',
  '  - name: loans',
  `    description: "${loansDescription}"`,
  '    columns:',
  '      - name: loan_id',
  "        description: \"The agency's loan identifier; it's unique\"",
  '      - name: rate',
  '        description: Interest rate, in percent',
  '      - name: gone',
  '        description: documented but not selected',
  '  - name: loans_v',
  '    description: A view of {{ doc("loans_doc") }}',
  '    columns:',
  '      - name: loan_id',
  '        description: Same id',
  '  - name: loans_inc',
  '    description: Incremental loans',
  '    config:',
  '      persist_docs: {relation: true, columns: false}',
  '    columns:',
  '      - name: loan_id',
  '        description: not persisted (columns false)',
  '  - name: undocumented_setting',
  '    description: no persist_docs here',
  '',
].join('\n');

async function comments(schema: string): Promise<Array<{ rel: string; col: string | null; comment: string }>> {
  return (await rows(
    `select c.relname as rel, a.attname as col, d.description as comment
       from pg_description d join pg_class c on c.oid = d.objoid join pg_namespace n on n.oid = c.relnamespace
       left join pg_attribute a on a.attrelid = c.oid and a.attnum = d.objsubid and d.objsubid > 0
      where n.nspname = '${schema}' and d.classoid = 'pg_class'::regclass order by 1, 2 nulls first`,
  )) as never;
}

describe('persist_docs', () => {
  it('comments a seed and its columns, also after the seed changes', async () => {
    const dir = writeProject({
      'project.yml': [
        'name: sd',
        'targets:',
        '  test:',
        "    url: \"{{ env_var('TEST_DATABASE_URL') }}\"",
        '    schema: pds',
        'seeds:',
        '  sd:',
        '    +persist_docs: {relation: true, columns: true}',
        '',
      ].join('\n'),
      'seeds/states.csv': 'code,name\nCA,California\n',
      'seeds/props.yml': 'version: 2\nseeds:\n  - name: states\n    description: US states\n    columns:\n      - name: code\n        description: Two-letter code\n',
    });
    expect((await strata(dir, 'seed')).code).toBe(0);
    const expected = [{ rel: 'states', col: null, comment: 'US states' }, { rel: 'states', col: 'code', comment: 'Two-letter code' }];
    expect(await comments('pds')).toEqual(expected);
    writeFileSync(join(dir, 'seeds/states.csv'), 'code,name\nCA,California\nNY,New York\n');
    expect((await strata(dir, 'seed')).code).toBe(0);
    expect(await comments('pds')).toEqual(expected);
    // A description edit alone does not load the seed again.
    writeFileSync(join(dir, 'seeds/props.yml'), 'version: 2\nseeds:\n  - name: states\n    description: US states and DC\n    columns:\n      - name: code\n        description: Two-letter code\n');
    expect((await strata(dir, 'seed')).code).toBe(0);
    expect(runResultsOf(dir).results.map((r) => [r.name, r.status, r.message])).toEqual([['states', 'success', 'persist_docs']]);
    expect(await comments('pds')).toEqual([{ ...expected[0], comment: 'US states and DC' }, expected[1]]);
  });


  it('comments tables, views and incremental tables and their columns; a changed description follows on the next run', async () => {
    const dir = writeProject({
      'project.yml': [
        'name: docs',
        'targets:',
        '  test:',
        "    url: \"{{ env_var('TEST_DATABASE_URL') }}\"",
        '    schema: pd',
        'models:',
        '  docs:',
        '    +persist_docs: {relation: true, columns: true}',
        '    undocumented_setting:',
        '      +persist_docs: {}',
        '',
      ].join('\n'),
      'models/loans.sql': "{{ config(materialized='table') }}\nselect 1 as loan_id, 4.5 as rate",
      'models/loans_v.sql': "select loan_id from {{ ref('loans') }}",
      'models/loans_inc.sql': "{{ config(materialized='incremental', unique_key='loan_id') }}\nselect loan_id from {{ ref('loans') }}",
      'models/undocumented_setting.sql': 'select 1 as x',
      'models/props.yml': props('One row per loan'),
      'models/docs.md': '{% docs loans_doc %}the loans{% enddocs %}',
    });
    const first = await strata(dir, 'run');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const expected = (loans: string) => [
      { rel: 'loans', col: null, comment: loans },
      { rel: 'loans', col: 'loan_id', comment: "The agency's loan identifier; it's unique" },
      { rel: 'loans', col: 'rate', comment: 'Interest rate, in percent' },
      { rel: 'loans_inc', col: null, comment: 'Incremental loans' },
      { rel: 'loans_v', col: null, comment: 'A view of the loans' },
      { rel: 'loans_v', col: 'loan_id', comment: 'Same id' },
    ];
    expect(await comments('pd')).toEqual(expected('One row per loan'));

    // Only a description changed: its comment is applied alone; nothing is built again, and what
    // reads the model stays up to date (its data version is kept).
    writeFileSync(join(dir, 'models/props.yml'), props('One row per loan, deduplicated'));
    const second = await strata(dir, 'run');
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(await comments('pd')).toEqual(expected('One row per loan, deduplicated'));
    const outcome = Object.fromEntries(runResultsOf(dir).results.map((r) => [r.name, `${r.status} ${r.message}`]));
    expect(outcome).toEqual({ loans: 'success persist_docs', loans_v: 'up_to_date up to date', loans_inc: 'up_to_date up to date', undocumented_setting: 'up_to_date up to date' });
    expect(second.stdout).toMatch(/OK table model pd\.loans .*persist_docs/);

    // A real rebuild (the table swapped in: a new object) comments it again.
    const third = await strata(dir, 'run', '--full-refresh', '-s', 'loans');
    expect(third.code, third.stdout + third.stderr).toBe(0);
    expect(await comments('pd')).toEqual(expected('One row per loan, deduplicated'));

    // An emptied column description removes its comment, also on the view (replaced in place).
    writeFileSync(join(dir, 'models/props.yml'), props('One row per loan, deduplicated').replace('description: Same id', "description: ''"));
    const fourth = await strata(dir, 'run');
    expect(fourth.code, fourth.stdout + fourth.stderr).toBe(0);
    expect(await comments('pd')).toEqual(expected('One row per loan, deduplicated').filter((c) => !(c.rel === 'loans_v' && c.col === 'loan_id')));
  });
});
