/**
 * The synthetic loan-data generator: one release of the agencies' files in their exact layouts
 * and names, and the ground truth of every mart. See README.md next to this file.
 *
 *   const { files, groundTruth } = await generateRelease({ out: 'data/raw', quarters: '2019Q1:2020Q4', loans: 10_000 });
 */
import { mkdir, readdir, unlink, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { parseStatus, type Agency } from './definitions.js';
import {
  FREDDIE_CURRENT_LAYOUT,
  FREDDIE_LAYOUTS,
  fileNames,
  GENERATED_NAME_RE,
  LAYOUT_MIN_FIELDS,
  RowTemplate,
  type LayoutId,
} from './layouts.js';
import { LoanFactory, type Loan } from './loans.js';
import {
  cleanFannieAcquisition,
  cleanFannieCurrent,
  cleanFreddie,
  fannieAcquisitionFields,
  fannieCurrentFixedFields,
  freddieOriginationFields,
  type CleanLoan,
  type FannieStyle,
} from './origination.js';
import { fmt, lastMonthOfQuarter, parseQuarter, parseQuarterRange, quarterName, type Month, type Quarter } from './periods.js';
import {
  FANNIE_CURRENT_DYNAMIC,
  fannieCurrentValues,
  fannieLegacyContext,
  fanniePerformanceRow,
  freddiePerformanceRow,
  Trajectory,
  type RowInfo,
} from './performance.js';
import { DEFAULT_SEEDS_DIR, loadReference, type Reference } from './reference.js';
import { hash } from './rng.js';
import { LineSink, TextFile, ZipArchive, type FileStatus } from './sink.js';
import { applyPartition, LoanMonths, Truth, type FileEntry, type GroundTruth, type MalformedRow } from './truth.js';

export type { GroundTruth, FileEntry, MalformedRow, Row } from './truth.js';
export { standardizeName, percentileCont, percentileDisc, parseStatus } from './definitions.js';

export interface GenerateOptions {
  /** Output folder (files go to <out>/fannie and <out>/freddie, the ground truth to <out>/ground_truth.json). */
  out: string;
  /** Origination quarters, `2019Q1:2020Q4` or one quarter. */
  quarters: string;
  /** Loans in total, over every quarter of `quarters` and every agency (split evenly, rounded down). */
  loans?: number;
  /** Loans per agency and quarter (instead of `loans`). */
  loansPerQuarter?: number;
  agency?: 'both' | Agency;
  /** Fannie's files: `legacy` (Acquisition + Performance) or `current` (the 108-field file). */
  format?: 'legacy' | 'current';
  seed?: number;
  /** Freddie quarters as historical_data_YYYYQn.zip, Fannie current as YYYYQn.zip. */
  zip?: boolean;
  /** The release: its last month bounds the monthly rows; later quarters of `quarters` are left out. Default: the last quarter. */
  release?: string;
  /** How many leading quarters use the older, shorter Freddie layouts (26/23, 27/26, 31/26 fields). Default 3. */
  oldFreddieLayouts?: number;
  /** Insert the few malformed rows (default true). */
  malformed?: boolean;
  /** Write <out>/ground_truth.json (default true). */
  writeGroundTruth?: boolean;
  /** Folder of servicer_name_map.csv, code_map.csv and us_states.csv (default: the project's seeds/). */
  seedsDir?: string;
  /** Deflate level of the zips (default 6). */
  zipLevel?: number;
  log?: (line: string) => void;
}

export interface GenerateResult {
  /** Absolute paths of the release's data files. */
  files: string[];
  groundTruth: GroundTruth;
  stats: { rows: number; seconds: number; rowsPerSecond: number };
}

interface Resolved {
  out: string;
  quarters: Quarter[];
  firstQuarter: Quarter;
  release: Quarter;
  end: Month;
  agencies: Agency[];
  format: 'legacy' | 'current';
  seed: number;
  zip: boolean;
  loansPerQuarter: number;
  oldFreddieLayouts: number;
  malformed: boolean;
  zipLevel: number;
}

function resolveOptions(o: GenerateOptions): Resolved {
  const all = parseQuarterRange(o.quarters);
  const first = all[0] as Quarter;
  const release = o.release ? parseQuarter(o.release) : (all[all.length - 1] as Quarter);
  if (release < first) throw new Error(`release ${o.release} is before the first quarter ${quarterName(first)}`);
  const agency = o.agency ?? 'both';
  if (!['both', 'fannie', 'freddie'].includes(agency)) throw new Error(`--agency must be both, fannie or freddie (got ${agency})`);
  const format = o.format ?? 'legacy';
  if (format !== 'legacy' && format !== 'current') throw new Error(`--format must be legacy or current (got ${String(format)})`);
  const agencies: Agency[] = agency === 'both' ? ['fannie', 'freddie'] : [agency];
  let perQuarter: number;
  if (o.loansPerQuarter !== undefined) perQuarter = o.loansPerQuarter;
  else if (o.loans !== undefined) perQuarter = Math.floor(o.loans / (agencies.length * all.length));
  else perQuarter = 250;
  if (!Number.isInteger(perQuarter) || perQuarter < 1) {
    throw new Error(`too few loans: ${o.loans} over ${all.length} quarter(s) and ${agencies.length} agenc(ies) leaves ${perQuarter} per quarter`);
  }
  if (perQuarter >= 10_000_000) throw new Error('at most 9,999,999 loans per agency and quarter');
  const seed = o.seed ?? 42;
  if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
  return {
    out: resolve(o.out),
    quarters: all.filter((q) => q <= release),
    firstQuarter: first,
    release,
    end: lastMonthOfQuarter(release),
    agencies,
    format,
    seed,
    zip: o.zip ?? false,
    loansPerQuarter: perQuarter,
    oldFreddieLayouts: o.oldFreddieLayouts ?? 3,
    malformed: o.malformed ?? true,
    zipLevel: o.zipLevel ?? 6,
  };
}

const zeroByLayout = (): Record<LayoutId, number> => ({
  freddie_origination: 0,
  freddie_performance: 0,
  fannie_acquisition: 0,
  fannie_performance: 0,
  fannie_current: 0,
});

/** Where a malformed row goes: after the row of this loan index (origination) or its first month. */
function malformedPick(seed: number, what: string, agency: Agency, q: Quarter, n: number): number {
  return hash(seed, 'malformed', what, agency, q) % n;
}

interface Output {
  sink: LineSink;
  entry: FileEntry;
}

class Run {
  readonly ref: Reference;
  readonly factory: LoanFactory;
  readonly truth: Truth;
  readonly files: FileEntry[] = [];
  readonly malformed: MalformedRow[] = [];
  readonly rawRows = zeroByLayout();
  readonly quarantined = zeroByLayout();
  readonly paths = new Set<string>();
  rows = 0;

  constructor(
    readonly o: Resolved,
    seedsDir: string,
  ) {
    this.ref = loadReference(seedsDir);
    this.factory = new LoanFactory(this.ref, o.seed);
    this.truth = new Truth(this.ref);
  }

  private rel(path: string): string {
    return relative(this.o.out, path).split(sep).join('/');
  }

  private output(sink: LineSink, path: string, member: string | null, layout: LayoutId, q: Quarter, fields: number): Output {
    const entry: FileEntry = {
      file: this.rel(path),
      member,
      layout,
      source_quarter: quarterName(q),
      fields,
      lines: 0,
      rows_loaded: 0,
      malformed_lines: [],
      status: 'written',
    };
    this.files.push(entry);
    this.paths.add(path);
    return { sink, entry };
  }

  private push(out: Output, line: string): void {
    out.sink.push(line);
    this.rows++;
  }

  /** Appends a malformed copy of `line` (too few fields) and records it. */
  private pushMalformed(out: Output, line: string, key: number): void {
    const layout = out.entry.layout;
    let text: string;
    let kind: MalformedRow['kind'];
    if (key % 3 === 2) {
      text = line.split('|').join(',');
      kind = 'wrong_delimiter';
    } else {
      const keep = Math.max(2, Math.floor(LAYOUT_MIN_FIELDS[layout] * 0.6) - (key % 5));
      text = line.split('|').slice(0, keep).join('|');
      kind = 'truncated';
    }
    const fields = text.split('|').length;
    this.push(out, text);
    const lineNo = out.sink.lines;
    out.entry.malformed_lines.push(lineNo);
    this.malformed.push({ file: out.entry.file, member: out.entry.member, line: lineNo, fields, layout, kind });
  }

  private finish(out: Output, status: FileStatus | null): void {
    out.entry.lines = out.sink.lines;
    out.entry.rows_loaded = out.sink.lines - out.entry.malformed_lines.length;
    if (status) out.entry.status = status;
    this.rawRows[out.entry.layout] += out.entry.rows_loaded;
    this.quarantined[out.entry.layout] += out.entry.malformed_lines.length;
  }

  private dir(agency: Agency): string {
    return join(this.o.out, agency);
  }

  async freddieQuarter(q: Quarter): Promise<void> {
    const { o, ref, truth } = this;
    const idx = q - o.firstQuarter;
    const layout = idx < o.oldFreddieLayouts ? FREDDIE_LAYOUTS[idx % 3]! : FREDDIE_CURRENT_LAYOUT;
    const qn = quarterName(q);
    const n = o.loansPerQuarter;
    const origName = fileNames.freddieOrigination(qn);
    const perfName = fileNames.freddiePerformance(qn);
    const zipPath = join(this.dir('freddie'), fileNames.freddieZip(qn));
    const zip = o.zip ? new ZipArchive(zipPath, o.zipLevel) : null;
    const origFile = zip ? null : new TextFile(join(this.dir('freddie'), origName));
    const orig = zip
      ? this.output(zip.member(origName), zipPath, origName, 'freddie_origination', q, layout.origination)
      : this.output(origFile!.sink, origFile!.path, null, 'freddie_origination', q, layout.origination);

    const malformedAt = o.malformed ? malformedPick(o.seed, 'orig', 'freddie', q, n) : -1;
    const loans: Loan[] = new Array(n);
    const cleans: CleanLoan[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const loan = this.factory.make('freddie', q, i);
      const fields = freddieOriginationFields(loan, layout.origination);
      const line = fields.join('|');
      this.push(orig, line);
      if (i === malformedAt) this.pushMalformed(orig, line, hash(o.seed, 'kind', 'orig', q));
      loans[i] = loan;
      const c = cleanFreddie(ref, fields, qn);
      cleans[i] = c;
      truth.seeName('seller', c.sellerNameRaw);
      truth.seeName('servicer', c.servicerNameRaw);
      if (orig.sink.needsFlush) await orig.sink.flush();
    }
    let perf: Output;
    let perfFile: TextFile | null = null;
    if (zip) {
      await zip.endMember();
      this.finish(orig, null);
      perf = this.output(zip.member(perfName), zipPath, perfName, 'freddie_performance', q, layout.performance);
    } else {
      this.finish(orig, await origFile!.close());
      perfFile = new TextFile(join(this.dir('freddie'), perfName));
      perf = this.output(perfFile.sink, perfFile.path, null, 'freddie_performance', q, layout.performance);
    }

    const partitioned = applyPartition(cleans);
    const pick = o.malformed ? malformedPick(o.seed, 'perf', 'freddie', q, n) : n;
    let pending = o.malformed;
    const pools = this.factory.lenderPools;
    const info: RowInfo = { status: '' };
    for (let i = 0; i < n; i++) {
      const loan = loans[i]!;
      const t = new Trajectory(loan, pools, o.end);
      const months = new LoanMonths(truth, 'freddie', cleans[i]!.propertyState);
      let first = true;
      while (t.step()) {
        const row = freddiePerformanceRow(loan, t, layout.performance, info);
        this.push(perf, row);
        months.add(t.month, parseStatus(info.status).months, t.zb);
        if (first && pending && i >= pick) {
          this.pushMalformed(perf, row, hash(o.seed, 'kind', 'perf', q));
          pending = false;
        }
        first = false;
      }
      truth.addLoan(partitioned[i]!, months);
      loans[i] = undefined as unknown as Loan;
      if (perf.sink.needsFlush) await perf.sink.flush();
    }
    if (zip) {
      await zip.endMember();
      const status = await zip.close();
      this.finish(perf, status);
      orig.entry.status = status;
    } else {
      this.finish(perf, await perfFile!.close());
    }
  }

  async fannieLegacyQuarter(q: Quarter): Promise<void> {
    const { o, ref, truth } = this;
    const idx = q - o.firstQuarter;
    const style: FannieStyle = (['official', 'nulls', 'floats'] as const)[idx % 3]!;
    const qn = quarterName(q);
    const n = o.loansPerQuarter;
    const acqFile = new TextFile(join(this.dir('fannie'), fileNames.fannieAcquisition(qn)));
    const acq = this.output(acqFile.sink, acqFile.path, null, 'fannie_acquisition', q, style === 'nulls' ? 26 : 25);
    const malformedAt = o.malformed ? malformedPick(o.seed, 'orig', 'fannie', q, n) : -1;
    const loans: Loan[] = new Array(n);
    const cleans: CleanLoan[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const loan = this.factory.make('fannie', q, i);
      const fields = fannieAcquisitionFields(loan, style);
      const line = fields.join('|');
      this.push(acq, line);
      if (i === malformedAt) this.pushMalformed(acq, line, hash(o.seed, 'kind', 'orig', q));
      loans[i] = loan;
      const c = cleanFannieAcquisition(ref, fields, qn);
      cleans[i] = c;
      truth.seeName('seller', c.sellerNameRaw);
      if (acq.sink.needsFlush) await acq.sink.flush();
    }
    this.finish(acq, await acqFile.close());

    const perfFile = new TextFile(join(this.dir('fannie'), fileNames.fanniePerformance(qn)));
    const perf = this.output(perfFile.sink, perfFile.path, null, 'fannie_performance', q, 31);
    const partitioned = applyPartition(cleans);
    const pick = o.malformed ? malformedPick(o.seed, 'perf', 'fannie', q, n) : n;
    let pending = o.malformed;
    const pools = this.factory.lenderPools;
    const info: RowInfo = { status: '' };
    for (let i = 0; i < n; i++) {
      const loan = loans[i]!;
      const ctx = fannieLegacyContext(loan, style);
      const t = new Trajectory(loan, pools, o.end);
      const months = new LoanMonths(truth, 'fannie', cleans[i]!.propertyState);
      let rowIndex = 0;
      let deferred: string | null = null;
      let lastName: string | null = null;
      while (t.step()) {
        let name = t.servicerChange;
        if (ctx.namedLate && rowIndex === 0) {
          deferred = name;
          name = null;
        } else if (ctx.namedLate && rowIndex === 1 && name === null) name = deferred;
        const row = fanniePerformanceRow(loan, t, ctx, name, info);
        this.push(perf, row);
        if (name !== null) {
          lastName = name;
          truth.seeName('servicer', name);
        }
        months.add(t.month, parseStatus(info.status).months, t.zb);
        if (rowIndex === 0 && pending && i >= pick) {
          this.pushMalformed(perf, row, hash(o.seed, 'kind', 'perf', q));
          pending = false;
        }
        rowIndex++;
      }
      const p = partitioned[i]!;
      p.servicerNameRaw = lastName;
      truth.addLoan(p, months);
      loans[i] = undefined as unknown as Loan;
      if (perf.sink.needsFlush) await perf.sink.flush();
    }
    this.finish(perf, await perfFile.close());
  }

  async fannieCurrentQuarter(q: Quarter): Promise<void> {
    const { o, ref, truth } = this;
    const qn = quarterName(q);
    const n = o.loansPerQuarter;
    const csvName = fileNames.fannieCurrent(qn);
    const zipPath = join(this.dir('fannie'), fileNames.fannieCurrentZip(qn));
    const zip = o.zip ? new ZipArchive(zipPath, o.zipLevel) : null;
    const csvFile = zip ? null : new TextFile(join(this.dir('fannie'), csvName));
    const out = zip
      ? this.output(zip.member(csvName), zipPath, csvName, 'fannie_current', q, 108)
      : this.output(csvFile!.sink, csvFile!.path, null, 'fannie_current', q, 108);
    const template = new RowTemplate(108, FANNIE_CURRENT_DYNAMIC);

    // the file only has loans with at least one month in this release
    const loans: Loan[] = [];
    const segments: string[][] = [];
    const cleans: CleanLoan[] = [];
    for (let i = 0; i < n; i++) {
      const loan = this.factory.make('fannie', q, i);
      if (loan.firstPeriod > o.end) continue;
      const fixed = fannieCurrentFixedFields(loan);
      loans.push(loan);
      segments.push(template.compile(fixed));
      const c = cleanFannieCurrent(ref, fixed, qn);
      cleans.push(c);
      truth.seeName('seller', c.sellerNameRaw);
    }
    const partitioned = applyPartition(cleans);
    const pick = o.malformed ? malformedPick(o.seed, 'current', 'fannie', q, n) : n;
    let pending = o.malformed;
    const values = new Array<string>(FANNIE_CURRENT_DYNAMIC.length).fill('');
    const pools = this.factory.lenderPools;
    for (let j = 0; j < loans.length; j++) {
      const loan = loans[j]!;
      const segs = segments[j]!;
      const t = new Trajectory(loan, pools, o.end);
      const months = new LoanMonths(truth, 'fannie', cleans[j]!.propertyState);
      let first = true;
      let lastName: string | null = null;
      while (t.step()) {
        fannieCurrentValues(loan, t, values);
        const row = template.render(segs, values);
        this.push(out, row);
        lastName = values[1]!;
        if (t.servicerChange !== null) truth.seeName('servicer', t.servicerChange);
        months.add(t.month, parseStatus(values[7]).months, t.zb);
        if (first && pending && loan.index >= pick) {
          this.pushMalformed(out, row, hash(o.seed, 'kind', 'current', q));
          pending = false;
        }
        first = false;
      }
      const p = partitioned[j]!;
      p.servicerNameRaw = lastName;
      truth.addLoan(p, months);
      loans[j] = undefined as unknown as Loan;
      if (out.sink.needsFlush) await out.sink.flush();
    }
    this.finish(out, zip ? await zip.close() : await csvFile!.close());
  }

  /** Removes generated-looking files of earlier runs that are not part of this release. */
  async removeStale(): Promise<string[]> {
    const removed: string[] = [];
    for (const agency of ['fannie', 'freddie'] as const) {
      const dir = this.dir(agency);
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        continue;
      }
      for (const name of names) {
        const partial = /^\.(.+)\.\d+\.partial$/.exec(name);
        const generated = GENERATED_NAME_RE.test(name) || (partial !== null && GENERATED_NAME_RE.test(partial[1]!));
        const path = join(dir, name);
        if (generated && !this.paths.has(path)) {
          await unlink(path);
          removed.push(path);
        }
      }
    }
    return removed;
  }
}

export async function generateRelease(options: GenerateOptions): Promise<GenerateResult> {
  const o = resolveOptions(options);
  const log = options.log ?? (() => {});
  const started = process.hrtime.bigint();
  const run = new Run(o, options.seedsDir ?? DEFAULT_SEEDS_DIR);
  for (const agency of o.agencies) await mkdir(join(o.out, agency), { recursive: true });

  for (const agency of o.agencies) {
    for (const q of o.quarters) {
      if (agency === 'freddie') await run.freddieQuarter(q);
      else if (o.format === 'legacy') await run.fannieLegacyQuarter(q);
      else await run.fannieCurrentQuarter(q);
      log(`  ${agency} ${quarterName(q)}: ${run.rows.toLocaleString('en-US')} rows so far`);
    }
  }
  const removed = await run.removeStale();
  for (const path of removed) log(`  removed ${relative(o.out, path)} (not part of this release)`);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;

  const t = run.truth;
  const distinct: Record<Agency, number> = { fannie: t.loans.fannie, freddie: t.loans.freddie };
  const groundTruth: GroundTruth = {
    generator: {
      version: 1,
      seed: o.seed,
      agency: o.agencies.length === 2 ? 'both' : o.agencies[0]!,
      format: o.format,
      zip: o.zip,
      loans_per_quarter: o.loansPerQuarter,
      quarters: o.quarters.map(quarterName),
      release: quarterName(o.release),
      release_last_period: fmt.iso(o.end),
      old_freddie_layouts: o.oldFreddieLayouts,
      malformed: o.malformed,
    },
    tolerance: { relative: 1e-9 },
    files: run.files,
    malformed_rows: run.malformed,
    counts: {
      raw_rows: run.rawRows,
      raw_quarantined: run.quarantined,
      raw_distinct_loans: distinct,
      clean_loans: { ...t.loans },
      clean_loan_months: { ...t.loanMonths },
      clean_loan_outcomes: { ...t.outcomes },
      credit_score_imputed: { ...t.imputed },
      credit_score_outliers: { ...t.outliers },
    },
    unmapped_names: t.unmappedNames(),
    marts: t.marts(),
  };
  if (options.writeGroundTruth ?? true) {
    await writeFile(join(o.out, 'ground_truth.json'), `${JSON.stringify(groundTruth, null, 1)}\n`);
  }
  const files = [...new Set(run.files.map((f) => join(o.out, f.file)))];
  return { files, groundTruth, stats: { rows: run.rows, seconds, rowsPerSecond: run.rows / seconds } };
}
