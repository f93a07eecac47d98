#!/usr/bin/env node
/**
 * `npm start`: the loan showcase on the embedded PostgreSQL, no server to set up.
 *
 * 1. Generates a moderate synthetic release into data/raw/ when it holds no files (the real
 *    agencies' files, dropped there instead, are used as they are);
 * 2. `strata build`: loads the raw files, builds staging, clean and the Tableau marts, runs the
 *    data tests;
 * 3. prints rows per layer, the test results, the ten states with the most loans, and how to
 *    connect Tableau.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'dist/cli/program.js'))) {
  console.error('strata is not built yet: run `npm install` (it builds), or `npm run build`.');
  process.exit(2);
}
const { runCli } = await import('../dist/cli/program.js');
const { dbUrl } = await import('../dist/api/db.js');
const { createPool } = await import('../dist/adapters/postgres/index.js');

const say = (line = '') => process.stdout.write(`${line}\n`);
const strata = (...args) => runCli(['--project-dir', root, ...args]);
const raw = join(root, 'data/raw');

function hasFiles(dir) {
  if (!existsSync(dir)) return false;
  return readdirSync(dir, { recursive: true, withFileTypes: true }).some((e) => e.isFile() && !e.name.endsWith('.json'));
}

say('== strata showcase: Fannie Mae and Freddie Mac loan files → clean tables → Tableau marts ==');
say();
if (!hasFiles(raw)) {
  say('data/raw/ is empty: generating a synthetic release (20,000 loans, 2019Q1-2020Q4, both agencies)...');
  const gen = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts/generate/main.ts'),
    '--loans', '20000', '--quarters', '2019Q1:2020Q4', '--agency', 'both', '--format', 'legacy', '--out', raw, '--seed', '42', '--quiet'],
  { stdio: 'inherit', cwd: root });
  if (gen.status !== 0) process.exit(gen.status ?? 1);
  say();
}

let code = await strata('db', 'start');
if (code !== 0) process.exit(code);
try {
  say();
  code = await strata('build');
  say();
  const { data } = await dbUrl(root);
  const db = createPool({ name: 'showcase', type: 'postgres', url: data.url, schema: 'public', threads: 1 });
  try {
    await printLayers(db);
    printTests();
    await printTopStates(db);
  } finally {
    await db.close();
  }
  say();
  say('Connect Tableau (or psql, a notebook):');
  say('  npx strata db start          # keeps the embedded PostgreSQL running and prints its URL');
  say('  npx strata db url --mask     # the URL again (without --mask it includes the password)');
  say('  Tableau: PostgreSQL connector, host 127.0.0.1, the port, database and user from that URL;');
  say('  the marts schema is granted SELECT to the read-only role tableau_reader (var tableau_role).');
  say('  npx strata db stop           # when done');
} finally {
  await strata('db', 'stop');
}
process.exit(code);

async function printLayers(db) {
  const res = await db.query(`
    select n.nspname as schema, c.relname as relation, case c.relkind when 'v' then 'view' else 'table' end as kind,
           case c.relkind when 'r' then c.reltuples::bigint end as estimate
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('r', 'v') and n.nspname in ('raw', 'staging', 'clean', 'marts', 'reference')
     order by array_position(array['raw', 'staging', 'clean', 'marts', 'reference'], n.nspname::text), 2`);
  say('Rows per layer:');
  for (const r of res.rows) {
    const count = await db.query(`select count(*)::bigint as n from "${r.schema}"."${r.relation}"`);
    say(`  ${`${r.schema}.${r.relation}`.padEnd(42)} ${r.kind.padEnd(6)} ${Number(count.rows[0].n).toLocaleString('en-US').padStart(12)}`);
  }
  say();
}

function printTests() {
  const results = JSON.parse(readFileSync(join(root, 'target/run_results.json'), 'utf8'));
  const tests = results.results.flatMap((r) => r.tests ?? []);
  const by = (s) => tests.filter((t) => t.status === s);
  say(`Data tests: ${by('pass').length} passed, ${by('warn').length} warnings, ${by('fail').length + by('error').length} failed`);
  for (const t of [...by('warn'), ...by('fail'), ...by('error')]) say(`  ${t.status.toUpperCase().padEnd(5)} ${t.name}: ${t.message}`);
  say();
}

async function printTopStates(db) {
  const top = await db.query(`
    select o.property_state, s.state_name, sum(o.loan_count)::bigint as loans, round(sum(o.total_orig_upb) / 1e6)::bigint as upb_millions,
           round(avg(o.avg_credit_score))::int as avg_fico
      from marts.state_origination_summary o left join reference.us_states s on s.state_code = o.property_state
     group by 1, 2 order by loans desc limit 10`);
  say('Ten states with the most loans (marts.state_origination_summary):');
  say(`  ${'state'.padEnd(24)} ${'loans'.padStart(8)} ${'UPB $M'.padStart(8)} ${'avg FICO'.padStart(9)}`);
  for (const r of top.rows) {
    say(`  ${`${r.property_state} ${r.state_name ?? ''}`.padEnd(24)} ${Number(r.loans).toLocaleString('en-US').padStart(8)} ${String(r.upb_millions).padStart(8)} ${String(r.avg_fico).padStart(9)}`);
  }
}
