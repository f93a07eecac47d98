/**
 * The loan analytics project (the repository root) end to end, as issue 6 asks: generated releases
 * (scripts/generate) and the real sample files in ../shared through `strata build` on a real
 * PostgreSQL, every mart compared with the generator's ground truth, the data tests' verdicts, the
 * quarantine, and what an incremental quarterly update touches.
 *
 * The root project.yml has no targets (the embedded server is its default), so each case copies the
 * project's files (project.yml, models/, seeds/, macros/, tests/data/) into a temporary folder and
 * appends a target on its own test database.
 */
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Database } from '../../src/adapters/postgres/index.js';
import { generateRelease, type GroundTruth, type Row } from '../../scripts/generate/index.js';
import { cli, type CliRun } from '../helpers/temp-project.js';
import { createTestDatabase, type TestDatabase } from '../setup/test-database.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SHARED_REAL = resolve(ROOT, '../shared/data/real');

const MART_GRAINS: Record<keyof GroundTruth['marts'], string[]> = {
  state_origination_summary: ['property_state', 'agency', 'vintage_year'],
  state_dimension_counts: ['property_state', 'agency', 'dimension', 'value'],
  state_performance_quarterly: ['property_state', 'agency', 'period_quarter'],
  vintage_outcomes: ['agency', 'vintage_year', 'property_state'],
  servicer_scorecard: ['servicer_name', 'agency'],
};

const RAW_TABLE_OF_LAYOUT: Record<string, string> = {
  freddie_origination: 'raw.freddie_orig',
  freddie_performance: 'raw.freddie_perf',
  fannie_acquisition: 'raw.fannie_acq',
  fannie_performance: 'raw.fannie_perf',
  fannie_current: 'raw.fannie_current',
};

/** The deliberate warnings: raw names the seed does not map exactly (the generator writes six such spellings). */
const EXPECTED_WARNINGS = ['unmapped_seller_names', 'unmapped_servicer_names'];

/** A copy of the root project with a target on `db`, and a folder for the raw files. */
class LoanProject {
  readonly dir: string;
  readonly raw: string;
  private pool?: Database;

  constructor(readonly db: TestDatabase) {
    this.dir = mkdtempSync(join(tmpdir(), 'strata-loans-'));
    for (const path of ['project.yml', 'models', 'seeds', 'macros', 'tests/data']) {
      cpSync(join(ROOT, path), join(this.dir, path), { recursive: true });
    }
    appendFileSync(join(this.dir, 'project.yml'), [
      '',
      'targets:',
      '  test:',
      '    type: postgres',
      "    url: \"{{ env_var('TEST_DATABASE_URL') }}\"",
      '    schema: public',
      '    threads: 4',
      '',
    ].join('\n'));
    this.raw = join(this.dir, 'raw');
    mkdirSync(this.raw);
  }

  strata(...args: string[]): Promise<CliRun> {
    return cli(['--project-dir', this.dir, '--target', 'test', '--vars', JSON.stringify({ raw_path: this.raw }), ...args], {
      env: { TEST_DATABASE_URL: this.db.url },
    });
  }

  async rows<T = Row>(sql: string, params?: unknown[]): Promise<T[]> {
    this.pool ??= createPool(this.db.target({ threads: 2 }));
    return (await this.pool.query(sql, params)).rows as T[];
  }

  /** Every test of the last run (data tests and unit tests), from target/run_results.json. */
  testResults(): Array<{ name: string; status: string; failures?: number }> {
    const results = JSON.parse(readFileSync(join(this.dir, 'target/run_results.json'), 'utf8')).results as Array<Record<string, unknown>>;
    const out: Array<{ name: string; status: string; failures?: number }> = [];
    for (const r of results) {
      const tests = r['tests'] as Array<{ name: string; status: string; failures?: number }> | undefined;
      if (tests) out.push(...tests.map((t) => ({ name: t.name, status: t.status, ...(t.failures !== undefined ? { failures: t.failures } : {}) })));
      else if (r['resourceType'] === 'unit_test') out.push({ name: String(r['name']), status: String(r['status']) });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.pool?.close();
    await this.db.drop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const isNumber = (v: unknown): boolean => typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)));

/** Differences between a mart's rows and the ground truth's, as readable lines (rows keyed by grain). */
function martDifferences(mart: string, grain: string[], actualRows: Row[], expectedRows: Row[], tolerance: number): string[] {
  const key = (r: Row) => grain.map((g) => String(r[g])).join(' | ');
  const actual = new Map(actualRows.map((r) => [key(r), r]));
  const diffs: string[] = [];
  for (const e of expectedRows) {
    const a = actual.get(key(e));
    actual.delete(key(e));
    if (!a) {
      diffs.push(`${mart}: missing row ${key(e)}`);
      continue;
    }
    for (const [column, ev] of Object.entries(e)) {
      if (!(column in a)) {
        diffs.push(`${mart}: no column ${column}`);
        continue;
      }
      const av = a[column];
      const same = typeof ev === 'number'
        ? isNumber(av) && Math.abs(Number(av) - ev) <= tolerance * Math.max(Math.abs(Number(av)), Math.abs(ev))
        : av === ev;
      if (!same) diffs.push(`${mart} [${key(e)}] ${column}: expected ${JSON.stringify(ev)}, got ${JSON.stringify(av)}`);
    }
  }
  for (const k of actual.keys()) diffs.push(`${mart}: unexpected row ${k}`);
  return diffs;
}

async function expectMartsEqualGroundTruth(p: LoanProject, truth: GroundTruth): Promise<void> {
  const diffs: string[] = [];
  for (const [mart, grain] of Object.entries(MART_GRAINS)) {
    const rows = await p.rows(`select * from marts.${mart}`);
    const expected = truth.marts[mart as keyof GroundTruth['marts']];
    expect(expected.length, `${mart} has ground-truth rows`).toBeGreaterThan(0);
    diffs.push(...martDifferences(mart, grain, rows, expected, truth.tolerance.relative));
  }
  expect(diffs.slice(0, 20), `${diffs.length} differences`).toEqual([]);
}

async function expectCountsEqualGroundTruth(p: LoanProject, truth: GroundTruth): Promise<void> {
  const byAgency = async (sql: string) => ({
    fannie: 0,
    freddie: 0,
    ...Object.fromEntries((await p.rows<{ agency: string; n: number }>(sql)).map((r) => [r.agency, r.n])),
  });
  const { counts } = truth;
  expect(await byAgency('select agency, count(*)::int as n from clean.loans group by agency')).toEqual(counts.clean_loans);
  expect(await byAgency('select agency, count(*)::int as n from clean.loan_months group by agency')).toEqual(counts.clean_loan_months);
  expect(await byAgency('select agency, count(*)::int as n from clean.loan_outcomes group by agency')).toEqual(counts.clean_loan_outcomes);
  expect(await byAgency('select agency, count(*)::int as n from clean.loans where credit_score_is_imputed group by agency')).toEqual(counts.credit_score_imputed);
  expect(await byAgency('select agency, count(*)::int as n from clean.loans where credit_score_is_outlier group by agency')).toEqual(counts.credit_score_outliers);
  for (const [layout, table] of Object.entries(RAW_TABLE_OF_LAYOUT)) {
    const [row] = await p.rows<{ n: number }>(`select count(*)::int as n from ${table}`);
    expect(row?.n, table).toBe(counts.raw_rows[layout as keyof typeof counts.raw_rows]);
  }
}

/** The malformed rows are quarantined with their file (or zip member) and line, and nothing else is. */
async function expectQuarantineEqualsMalformedRows(p: LoanProject, truth: GroundTruth): Promise<void> {
  const quarantined = await p.rows<{ file_uri: string; line: number }>('select file_uri, line::int as line from strata_meta.quarantine order by 1, 2');
  const expected = truth.malformed_rows
    // Files inside the project are known by their project-relative path.
    .map((m) => ({ file_uri: `raw/${m.file}` + (m.member ? `!${m.member}` : ''), line: m.line }))
    .sort((a, b) => (a.file_uri < b.file_uri ? -1 : a.file_uri > b.file_uri ? 1 : a.line - b.line));
  expect(expected.length).toBeGreaterThan(0);
  expect(quarantined).toEqual(expected);
}

/** Every data test and unit test passed, except the deliberate warnings, which list exactly the unmapped names. */
function expectTestsPassExceptWarnings(p: LoanProject, truth: GroundTruth): void {
  const results = p.testResults();
  expect(results.length).toBeGreaterThan(100);
  const notPassing = results.filter((t) => t.status !== 'pass' && t.status !== 'success');
  expect(notPassing.map((t) => [t.name, t.status]).sort()).toEqual(EXPECTED_WARNINGS.map((n) => [n, 'warn']));
  const failures = Object.fromEntries(notPassing.map((t) => [t.name, t.failures]));
  expect(failures).toEqual({
    unmapped_seller_names: truth.unmapped_names.seller.length,
    unmapped_servicer_names: truth.unmapped_names.servicer.length,
  });
  expect(results.filter((t) => t.name.startsWith('reconcile_')).map((t) => t.status)).toEqual(['pass', 'pass']);
}

function expectBuildOk(run: CliRun): void {
  expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
  expect(run.stdout).toMatch(/ERROR=0 /);
}

const FORMATS = [
  { name: 'Freddie and Fannie legacy text files', options: { format: 'legacy' as const, zip: false } },
  { name: "Freddie zips and Fannie's current layout, zipped", options: { format: 'current' as const, zip: true } },
];

describe.each(FORMATS)('a generated release ($name) → strata build', ({ options }) => {
  let p: LoanProject;
  let truth: GroundTruth;
  let run: CliRun;
  beforeAll(async () => {
    p = new LoanProject(await createTestDatabase(`loans_${options.format}`));
    ({ groundTruth: truth } = await generateRelease({ out: p.raw, quarters: '2019Q1:2019Q4', loans: 2000, seed: 42, ...options }));
    run = await p.strata('build');
  });
  afterAll(async () => {
    await p?.close();
  });

  it('builds every layer; every mart row equals the ground truth', async () => {
    expectBuildOk(run);
    await expectMartsEqualGroundTruth(p, truth);
    await expectCountsEqualGroundTruth(p, truth);
  });

  it('passes every data test and unit test except the deliberate warnings on unmapped names', () => {
    expectTestsPassExceptWarnings(p, truth);
  });

  it('quarantines exactly the malformed rows, with their line numbers', async () => {
    await expectQuarantineEqualsMalformedRows(p, truth);
  });

  it('grants SELECT on the marts to the Tableau role, created when missing', async () => {
    const grants = await p.rows<{ table_name: string }>(
      "select table_name from information_schema.role_table_grants where grantee = 'tableau_reader' and privilege_type = 'SELECT' and table_schema = 'marts' order by 1");
    expect(grants.map((g) => g.table_name)).toEqual(Object.keys(MART_GRAINS).sort());
    const [usage] = await p.rows<{ ok: boolean }>("select has_schema_privilege('tableau_reader', 'marts', 'USAGE') as ok");
    expect(usage?.ok).toBe(true);
  });
});

describe.each(FORMATS)('a quarterly update ($name)', ({ options }) => {
  const release = (p: LoanProject, last: string) =>
    generateRelease({ out: p.raw, quarters: '2019Q1:2020Q1', release: last, loansPerQuarter: 250, seed: 7, ...options });
  let p: LoanProject;
  beforeAll(async () => {
    p = new LoanProject(await createTestDatabase(`loans_update_${options.format}`));
  });
  afterAll(async () => {
    await p?.close();
  });

  it('loads only new and changed files, processes only the new quarter\'s loans, and the marts equal the new ground truth', async () => {
    const first = await release(p, '2019Q4');
    expectBuildOk(await p.strata('build'));
    await expectMartsEqualGroundTruth(p, first.groundTruth);
    await p.rows('create table public.loans_before as select agency, loan_id, source_quarter, servicer_name_raw, _built_at from clean.loans');
    const loadedFirst = await p.rows<{ file_uri: string; batch_id: string }>("select file_uri, batch_id from strata_meta.load_ledger where status = 'loaded'");

    const second = await release(p, '2020Q1');
    const run = await p.strata('build');
    expectBuildOk(run);
    await expectMartsEqualGroundTruth(p, second.groundTruth);
    await expectCountsEqualGroundTruth(p, second.groundTruth);
    expectTestsPassExceptWarnings(p, second.groundTruth);
    await expectQuarantineEqualsMalformedRows(p, second.groundTruth);

    // Loaded again: the new quarter's files and the files (zip members) whose content grew.
    const uri = (f: { file: string; member: string | null }) => `raw/${f.file}` + (f.member ? `!${f.member}` : '');
    const before = new Map(first.groundTruth.files.map((f) => [uri(f), f.lines]));
    const changed = second.groundTruth.files.filter((f) => before.get(uri(f)) !== f.lines).map(uri).sort();
    const loadedBefore = new Set(loadedFirst.map((r) => `${r.file_uri} ${r.batch_id}`));
    const loadedNow = await p.rows<{ file_uri: string; batch_id: string }>("select file_uri, batch_id from strata_meta.load_ledger where status = 'loaded' order by 1");
    expect(loadedNow.filter((r) => !loadedBefore.has(`${r.file_uri} ${r.batch_id}`)).map((r) => r.file_uri)).toEqual(changed);
    expect(changed.some((f) => f.includes('2020Q1'))).toBe(true);
    expect(changed.length).toBeLessThan(second.groundTruth.files.length);

    // clean.loans: earlier quarters' rows were not rewritten, except Fannie loans whose servicer changed
    // (legacy: the acquisition file is unchanged but the performance file grew) and the loans of files
    // that were reloaded (Fannie's current files grow every release, so their partitions are recomputed).
    const rows = await p.rows<{ agency: string; source_quarter: string; is_new: boolean; rewritten: boolean; servicer_changed: boolean; n: number }>(`
      select l.agency, l.source_quarter, b.loan_id is null as is_new,
             b._built_at is distinct from l._built_at as rewritten,
             b.servicer_name_raw is distinct from l.servicer_name_raw as servicer_changed, count(*)::int as n
        from clean.loans as l left join public.loans_before as b using (agency, loan_id)
       group by 1, 2, 3, 4, 5`);
    const count = (f: (r: (typeof rows)[number]) => boolean) => rows.filter(f).reduce((s, r) => s + r.n, 0);
    expect(count((r) => r.source_quarter === '2020Q1' && !r.is_new)).toBe(0);
    // earlier quarters gain loans only in Fannie's current files (loans first reported in the new months)
    expect(count((r) => r.source_quarter !== '2020Q1' && r.is_new && !(r.agency === 'fannie' && options.format === 'current'))).toBe(0);
    expect(count((r) => r.agency === 'freddie' && r.source_quarter !== '2020Q1' && r.rewritten)).toBe(0);
    if (options.format === 'legacy') {
      const servicerChanges = count((r) => r.agency === 'fannie' && r.source_quarter !== '2020Q1' && r.servicer_changed);
      expect(servicerChanges).toBeGreaterThan(0);
      expect(count((r) => r.agency === 'fannie' && r.source_quarter !== '2020Q1' && r.rewritten)).toBe(servicerChanges);
      expect(count((r) => r.rewritten !== r.servicer_changed && !r.is_new && r.source_quarter !== '2020Q1')).toBe(0);
    } else {
      expect(count((r) => r.agency === 'fannie' && !r.is_new && !r.rewritten)).toBe(0);
    }

    // clean.loan_months: the longer Freddie performance files (load.key) wrote only their new months,
    // so only those were processed; the months of the first release keep the batch that loaded them.
    const firstBatches = new Set(loadedFirst.map((r) => r.batch_id));
    const months = await p.rows<{ old_month: boolean; batch_id: string; n: number }>(`
      select period <= date '2019-12-01' as old_month, _batch_id as batch_id, count(*)::int as n
        from clean.loan_months where agency = 'freddie' group by 1, 2`);
    expect(months.filter((m) => m.old_month && !firstBatches.has(m.batch_id))).toEqual([]);
    expect(months.filter((m) => !m.old_month && firstBatches.has(m.batch_id))).toEqual([]);
    expect(months.filter((m) => !m.old_month).reduce((n, m) => n + m.n, 0)).toBeGreaterThan(0);

    // The monthly staging models are incremental tables: they hold exactly the raw monthly rows, the
    // Freddie months of the first release kept the batch that loaded them (only the new months were
    // typed again), and the tests of those with new rows (this format's layouts) read only those rows.
    const monthly = { stg_freddie_performance: 'freddie_perf', stg_fannie_performance: 'fannie_perf', stg_fannie_current: 'fannie_current' };
    for (const [staging, raw] of Object.entries(monthly)) {
      const [counts] = await p.rows<{ staging: number; raw: number }>(
        `select (select count(*)::int from staging.${staging}) as staging, (select count(*)::int from raw.${raw}) as raw`);
      expect(counts?.staging, staging).toBe(counts?.raw);
    }
    for (const staging of ['stg_freddie_performance', options.format === 'legacy' ? 'stg_fannie_performance' : 'stg_fannie_current']) {
      expect(run.stdout).toMatch(new RegExp(`PASS test not_null_${staging}_period \\(new rows\\)`));
    }
    const stagedMonths = await p.rows<{ old_month: boolean; batch_id: string; n: number }>(`
      select period <= date '2019-12-01' as old_month, _batch_id as batch_id, count(*)::int as n
        from staging.stg_freddie_performance group by 1, 2`);
    expect(stagedMonths.filter((m) => m.old_month && !firstBatches.has(m.batch_id))).toEqual([]);
    expect(stagedMonths.filter((m) => !m.old_month && firstBatches.has(m.batch_id))).toEqual([]);

    // Nothing new: nothing is loaded or built again.
    const again = await p.strata('build');
    expect(again.code).toBe(0);
    expect(again.stdout).not.toMatch(/ OK (load|incremental model|table model)/);
  });
});

describe('a corrected month in a re-published monthly file (Freddie legacy text files)', () => {
  let p: LoanProject;
  beforeAll(async () => {
    p = new LoanProject(await createTestDatabase('loans_correction'));
  });
  afterAll(async () => {
    await p?.close();
  });

  it('replaces the old version of the month in staging and clean.loan_months, and processes only that row', async () => {
    const { groundTruth } = await generateRelease({ out: p.raw, quarters: '2019Q1:2019Q2', loansPerQuarter: 100, seed: 11, format: 'legacy' });
    expectBuildOk(await p.strata('build'));

    // The agency corrects one month of an earlier quarter: same file, one line's balance differs.
    const file = groundTruth.files.find((f) => f.file.includes('historical_data_time_2019Q1') && !f.member);
    expect(file).toBeDefined();
    const path = join(p.raw, file!.file);
    const lines = readFileSync(path, 'utf8').split('\n');
    const at = lines.findIndex((l) => /^F19Q1\d+\|\d{6}\|\d+\.\d\d\|/.test(l));
    const [loanId, period, oldUpb] = lines[at]!.split('|') as [string, string, string];
    const corrected = Number(oldUpb) + 12345.67;
    lines[at] = [loanId, period, corrected.toFixed(2), ...lines[at]!.split('|').slice(3)].join('|');
    writeFileSync(path, lines.join('\n'));

    const run = await p.strata('build');
    expectBuildOk(run);
    expect(run.stdout).toMatch(/OK incremental model staging\.stg_freddie_performance .*\b1 rows?\b/);
    const key = [loanId, `${period.slice(0, 4)}-${period.slice(4)}-01`];
    const staged = await p.rows<{ current_upb: string }>('select current_upb::text from staging.stg_freddie_performance where loan_id = $1 and period = $2', key);
    expect(staged.map((r) => Number(r.current_upb))).toEqual([corrected]);
    const cleaned = await p.rows<{ current_upb: string }>("select current_upb::text from clean.loan_months where agency = 'freddie' and loan_id = $1 and period = $2", key);
    expect(cleaned.map((r) => Number(r.current_upb))).toEqual([corrected]);
    const [counts] = await p.rows<{ raw: number; staging: number; clean: number }>(`
      select (select count(*)::int from raw.freddie_perf) as raw, (select count(*)::int from staging.stg_freddie_performance) as staging,
             (select count(*)::int from clean.loan_months where agency = 'freddie') as clean`);
    expect(counts?.staging).toBe(counts?.raw);
    expect(counts?.clean).toBe(counts?.raw);
    expect(p.testResults().filter((t) => t.status !== 'pass' && t.status !== 'success' && t.status !== 'warn')).toEqual([]);
  });
});

describe('the real sample files in ../shared/data/real', () => {
  const present = existsSync(join(SHARED_REAL, 'Acquisition_2007Q3.txt'));
  it.skipIf(!present)(
    `Fannie 2007Q3 acquisition and performance and Freddie 2020Q1 origination build with nothing quarantined${present ? '' : ' (skipped: ../shared/data/real is not there)'}`,
    async () => {
      const p = new LoanProject(await createTestDatabase('loans_real'));
      try {
        mkdirSync(join(p.raw, 'fannie'));
        mkdirSync(join(p.raw, 'freddie'));
        cpSync(join(SHARED_REAL, 'Acquisition_2007Q3.txt'), join(p.raw, 'fannie/Acquisition_2007Q3.txt'));
        cpSync(join(SHARED_REAL, 'Performance_2007Q3.txt_0'), join(p.raw, 'fannie/Performance_2007Q3.txt'));
        cpSync(join(SHARED_REAL, 'derived/historical_data_2020Q1_orig_from_sampler.txt'), join(p.raw, 'freddie/historical_data_2020Q1.txt'));
        const run = await p.strata('build');
        expectBuildOk(run);
        expect(await p.rows('select file_name, line, reason from strata_meta.quarantine')).toEqual([]);
        const failing = p.testResults().filter((t) => t.status !== 'pass' && t.status !== 'success' && t.status !== 'warn');
        expect(failing).toEqual([]);
        expect(await p.rows('select agency, source_quarter, count(*)::int as n from clean.loans group by 1, 2 order by 1, 2')).toEqual([
          { agency: 'fannie', source_quarter: '2007Q3', n: 10000 },
          { agency: 'freddie', source_quarter: '2020Q1', n: 9572 },
        ]);
        expect(await p.rows('select count(*)::int as months, count(distinct loan_id)::int as loans from clean.loan_months')).toEqual([{ months: 10000, loans: 177 }]);
        // Fannie servicers come from the performance rows: every loan with monthly rows has one.
        expect(await p.rows(`select count(*)::int as n from clean.loans l join clean.loan_outcomes o using (agency, loan_id)
                               where l.agency = 'fannie' and l.servicer_name is null`)).toEqual([{ n: 0 }]);
        const [marts] = await p.rows<{ n: number }>('select count(*)::int as n from marts.state_origination_summary');
        expect(marts?.n).toBeGreaterThan(50);
      } finally {
        await p.close();
      }
    },
  );
});
