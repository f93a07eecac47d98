#!/usr/bin/env node
/**
 * `npm start`: the showcase on the embedded PostgreSQL, no server to set up.
 * Builds the root loan project, prints what landed in each schema, and how to connect a BI tool.
 *
 * The loan pipeline grows issue by issue; this script shows whatever the project builds today.
 */
import { existsSync } from 'node:fs';
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

say('== strata showcase: the loan analytics project on an embedded PostgreSQL ==');
say();
let code = await strata('db', 'start');
if (code !== 0) process.exit(code);
try {
  say();
  code = await strata('build');
  say();
  const { data } = await dbUrl(root);
  const db = createPool({ name: 'showcase', type: 'postgres', url: data.url, schema: 'public', threads: 1 });
  try {
    const layers = await db.query(`
      select n.nspname as schema, c.relname as relation,
             case c.relkind when 'v' then 'view' else 'table' end as kind
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind in ('r', 'v') and n.nspname not in ('pg_catalog', 'information_schema', 'strata_meta')
       order by 1, 2`);
    say('What the build produced:');
    for (const r of layers.rows) {
      const count = await db.query(`select count(*)::int as n from "${r.schema}"."${r.relation}"`);
      say(`  ${`${r.schema}.${r.relation}`.padEnd(40)} ${r.kind.padEnd(6)} ${String(count.rows[0].n).padStart(8)} rows`);
    }
    const groups = await db.query('select parent_group, raw_spellings from reference.servicer_groups order by raw_spellings desc, parent_group limit 5');
    say();
    say('Servicer groups with the most name spellings (reference.servicer_groups):');
    for (const r of groups.rows) say(`  ${String(r.parent_group).padEnd(30)} ${r.raw_spellings}`);
  } finally {
    await db.close();
  }
  say();
  say('Connect Tableau, psql or a notebook: run `npx strata db start`, then use the URL it prints');
  say('(`npx strata db url` prints it again; `npx strata db stop` stops the server).');
} finally {
  await strata('db', 'stop');
}
process.exit(code);
