/**
 * npm run generate -- --loans N --quarters 2019Q1:2020Q4 --agency both --format legacy \
 *                     --out data/raw --seed 42 [--zip] [--release YYYYQn]
 */
import { parseArgs } from 'node:util';
import { join, relative, resolve } from 'node:path';
import { statSync } from 'node:fs';
import { generateRelease, type GenerateOptions } from './index.js';

const USAGE = `usage: npm run generate -- --loans N --quarters 2019Q1:2020Q4 [options]

  --loans N               loans in total, split evenly over the quarters of --quarters and the agencies
  --loans-per-quarter N   or: loans per agency and quarter
  --quarters A:B          origination quarters, e.g. 2019Q1:2020Q4 (or one quarter)
  --release YYYYQn        the release: monthly rows up to its last month; quarters after it are left out
                          (default: the last quarter of --quarters)
  --agency both|fannie|freddie   (default both)
  --format legacy|current Fannie's layout: Acquisition_/Performance_ files, or the 108-field YYYYQn.csv
                          (default legacy); Freddie always writes its origination + monthly pair
  --out DIR               output folder (default data/raw); files go to DIR/fannie and DIR/freddie,
                          the ground truth to DIR/ground_truth.json
  --seed N                (default 42) same seed and options → same bytes
  --zip                   Freddie as historical_data_YYYYQn.zip (both members), Fannie current as YYYYQn.zip
  --zip-level N           deflate level of the zips, 0-9 (default 6)
  --old-freddie-layouts N leading quarters written in Freddie's older, shorter layouts (default 3; 0 = none)
  --no-malformed          leave out the few deliberately malformed rows
  --quiet                 print only the summary
`;

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n)) throw new Error(`--${name} must be an integer (got ${v})`);
  return n;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      loans: { type: 'string' },
      'loans-per-quarter': { type: 'string' },
      quarters: { type: 'string' },
      release: { type: 'string' },
      agency: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      zip: { type: 'boolean' },
      'zip-level': { type: 'string' },
      'old-freddie-layouts': { type: 'string' },
      'no-malformed': { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!values.quarters || (values.loans === undefined && values['loans-per-quarter'] === undefined)) {
    process.stderr.write(USAGE);
    return 2;
  }
  const options: GenerateOptions = {
    out: values.out ?? 'data/raw',
    quarters: values.quarters,
    loans: int('loans', values.loans),
    loansPerQuarter: int('loans-per-quarter', values['loans-per-quarter']),
    agency: (values.agency ?? 'both') as GenerateOptions['agency'],
    format: (values.format ?? 'legacy') as GenerateOptions['format'],
    seed: int('seed', values.seed),
    zip: values.zip ?? false,
    zipLevel: int('zip-level', values['zip-level']),
    release: values.release,
    oldFreddieLayouts: int('old-freddie-layouts', values['old-freddie-layouts']),
    malformed: !values['no-malformed'],
    log: values.quiet ? undefined : (line) => process.stdout.write(`${line}\n`),
  };
  const { files, groundTruth: gt, stats } = await generateRelease(options);
  const out = options.out;
  process.stdout.write(`release ${gt.generator.release} (${gt.generator.quarters.join(', ')}), seed ${gt.generator.seed}, ${gt.generator.loans_per_quarter} loans per agency and quarter\n`);
  for (const f of files) {
    const entries = gt.files.filter((e) => join(resolve(out), e.file) === f);
    const rows = entries.map((e) => `${e.member ? `${e.member}: ` : ''}${e.lines} lines, ${e.fields} fields${e.malformed_lines.length ? `, malformed at ${e.malformed_lines.join(',')}` : ''}`);
    process.stdout.write(`  ${relative(process.cwd(), f).padEnd(52)} ${String(statSync(f).size).padStart(12)} bytes  ${entries[0]?.status ?? ''}  ${rows.join('; ')}\n`);
  }
  const c = gt.counts;
  process.stdout.write(
    `clean.loans: fannie ${c.clean_loans.fannie}, freddie ${c.clean_loans.freddie}; loan_months: fannie ${c.clean_loan_months.fannie}, freddie ${c.clean_loan_months.freddie}; malformed rows: ${gt.malformed_rows.length}\n`,
  );
  process.stdout.write(`${stats.rows.toLocaleString('en-US')} rows in ${stats.seconds.toFixed(2)} s: ${Math.round(stats.rowsPerSecond).toLocaleString('en-US')} rows/s\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`generate: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
