/**
 * Load events -> terminal output, through a write function the CLI provides:
 *   - on a terminal: a live cli-progress bar per loading file (bytes, rows/s, ETA), a line above
 *     the bars when a file finishes;
 *   - off a terminal: one line per file when it finishes (rows, quarantined, seconds, MB/s);
 *   - json: every event as one JSON line.
 * Then a summary: files loaded / unchanged / failed, rows quarantined and the select that shows
 * them. The CLI calls `onEvent` for each event (loadSources' `onEvent`); 'done' prints the summary.
 */
import cliProgress from 'cli-progress';
import type { LoadEvent, PlannedFile } from './events.js';
import { quarantineQuery } from './quarantine.js';
import type { FileLoadResult } from './types.js';

export interface LoadProgressOptions {
  write: (text: string) => void;
  /** Live bars when true (stderr/stdout is a terminal). */
  isTTY: boolean;
  /** Terminal width (default 100). */
  columns?: number;
  /** Print every event as a JSON line instead. */
  json?: boolean;
}

export interface LoadProgress {
  onEvent(e: LoadEvent): void;
  /** Stops live bars (e.g. on Ctrl-C) without printing the summary. */
  stop(): void;
}

const nf = new Intl.NumberFormat('en-US');
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/** A failed file's error, without the file name it starts with when the line names the file already. */
function failure(r: FileLoadResult): string {
  const message = r.error?.message ?? 'unknown error';
  const prefix = `${r.file.displayName}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

/** One finished file, as a log line. */
export function fileLine(r: FileLoadResult): string {
  const name = r.file.displayName;
  if (r.status === 'failed') return `FAILED   ${name}: ${failure(r)}${r.error?.hint ? `\n         hint: ${r.error.hint}` : ''}`;
  if (r.status === 'unchanged') return `skipped  ${name} (unchanged)`;
  const rate = r.seconds > 0 ? `, ${(r.bytes / 1e6 / r.seconds).toFixed(1)} MB/s` : '';
  const bad = r.quarantined > 0 ? `, ${nf.format(r.quarantined)} quarantined` : '';
  // A keyed reload says what it wrote: the file's rows are mostly the ones already loaded.
  // Prefiltered, it also says how many unchanged lines were recognised by their hash and never sent.
  const skipped = r.delta?.skipped !== undefined ? `; ${nf.format(r.delta.skipped)} unchanged lines not sent` : '';
  const delta = r.delta?.mode === 'delta'
    ? ` (${nf.format(r.delta.inserted)} new or changed written, ${nf.format(r.delta.deleted)} removed${skipped})`
    : r.delta ? ' (replaced whole: its keys repeat)' : '';
  return `loaded   ${name} (${why(r)}): ${nf.format(r.rows)} row${r.rows === 1 ? '' : 's'}${delta}${bad}, ${r.seconds.toFixed(1)} s${rate}`;
}

/** The reason, with the file a moved file was (its rows replaced rather than loaded twice). */
function why(f: { reason: string; movedFrom?: string }): string {
  return f.movedFrom !== undefined ? `${f.reason} from ${f.movedFrom}` : f.reason;
}

/** A dry run: what each file would do and why. */
export function planLine(f: PlannedFile): string {
  const verb = f.action === 'load' ? 'load' : f.action === 'fail' ? 'FAILED' : 'skip';
  return `${verb.padEnd(7)}  ${f.file.displayName} (${why(f)})`;
}

export function summaryLines(results: readonly FileLoadResult[], seconds: number, batchId?: string): string[] {
  const loaded = results.filter((r) => r.status === 'loaded');
  const failed = results.filter((r) => r.status === 'failed');
  const skipped = results.length - loaded.length - failed.length;
  const rows = loaded.reduce((n, r) => n + r.rows, 0);
  const quarantined = loaded.reduce((n, r) => n + r.quarantined, 0);
  const lines = [
    `Loaded ${loaded.length} file${loaded.length === 1 ? '' : 's'} (${nf.format(rows)} row${rows === 1 ? '' : 's'}) in ${seconds.toFixed(1)} s; ${skipped} unchanged (skipped); ${failed.length} failed.`,
  ];
  if (quarantined > 0) {
    lines.push(`${nf.format(quarantined)} row${quarantined === 1 ? '' : 's'} quarantined; to see them:`, `  ${quarantineQuery(batchId === undefined ? {} : { batchId })}`);
  }
  for (const f of failed) lines.push(`  failed: ${f.file.displayName}: ${failure(f)}`);
  return lines;
}

/** Dry run: what would load, and why. */
export function dryRunSummary(results: readonly FileLoadResult[]): string[] {
  const count = (reason: string): number => results.filter((r) => r.status !== 'failed' && r.reason === reason).length;
  const load = count('new') + count('changed') + count('reread') + count('reload') + count('moved');
  const failed = results.filter((r) => r.status === 'failed').length;
  // Files the load: block now reads differently: named only when there are some (a rare event).
  const reread = count('reread') > 0 ? `${count('reread')} reread (the load: block reads them differently), ` : '';
  // Likewise files found under another name (their rows replace the old name's).
  const moved = count('moved') > 0 ? `${count('moved')} moved, ` : '';
  return [
    `Dry run: ${load} file${load === 1 ? '' : 's'} would load (${count('new')} new, ${count('changed')} changed, ${reread}${moved}${count('reload')} reload); ${count('unchanged')} unchanged; ${failed} failed.`,
  ];
}

class LineProgress implements LoadProgress {
  constructor(protected readonly opts: LoadProgressOptions) {}
  private batchId: string | undefined;
  private dryRun = false;

  onEvent(e: LoadEvent): void {
    if (e.type === 'plan') {
      this.batchId = e.batchId;
      this.dryRun = e.dryRun;
      if (e.dryRun) for (const f of e.files) if (f.action !== 'fail') this.print(planLine(f));
    } else if (e.type === 'file-end' && (e.result.status === 'failed' || (e.result.status === 'loaded' && !this.dryRun))) {
      this.print(fileLine(e.result));
    } else if (e.type === 'done') {
      this.stop();
      const lines = this.dryRun ? dryRunSummary(e.results) : summaryLines(e.results, e.seconds, this.batchId);
      for (const l of lines) this.opts.write(`${l}\n`);
    }
  }

  protected print(line: string): void {
    this.opts.write(`${line}\n`);
  }

  stop(): void {}
}

class BarProgress extends LineProgress {
  private readonly multi: cliProgress.MultiBar;
  private readonly bars = new Map<string, cliProgress.SingleBar>();
  /** Names are padded to the longest one loading (at most 40) so the bars line up. */
  private nameWidth = 20;

  constructor(opts: LoadProgressOptions) {
    super(opts);
    const stream = { isTTY: true, columns: opts.columns ?? 100, write: (s: string) => (opts.write(s), true) };
    this.multi = new cliProgress.MultiBar(
      {
        stream: stream as unknown as NodeJS.WritableStream,
        format: '{name} |{bar}| {percentage}% {done}/{size} | {rate} rows/s | ETA {eta_formatted}',
        hideCursor: true,
        clearOnComplete: true,
        gracefulExit: false,
        fps: 5,
        etaBuffer: 30,
        autopadding: true,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  override onEvent(e: LoadEvent): void {
    const key = e.type === 'file-end' ? `${e.result.source}\n${e.result.file.uri}` : 'file' in e ? `${e.source}\n${e.file.uri}` : '';
    if (e.type === 'plan') {
      this.nameWidth = Math.min(40, Math.max(1, ...e.files.filter((f) => f.action === 'load').map((f) => f.file.displayName.length)));
      super.onEvent(e);
    } else if (e.type === 'file-start') {
      const shown = e.file.displayName;
      const name = (shown.length > this.nameWidth ? `...${shown.slice(-(this.nameWidth - 3))}` : shown).padEnd(this.nameWidth);
      this.bars.set(key, this.multi.create(Math.max(1, e.file.size), 0, { name, done: mb(0), size: mb(e.file.size), rate: '0' }));
      this.multi.update(); // draw the new bar now, not at the next tick
    } else if (e.type === 'file-progress') {
      const rate = e.seconds > 0 ? nf.format(Math.round(e.rows / e.seconds)) : '0';
      this.bars.get(key)?.update(Math.min(e.bytes, Math.max(1, e.totalBytes)), { done: mb(e.bytes), rate });
    } else if (e.type === 'file-end') {
      super.onEvent(e); // queues the finished line above the bars ...
      const bar = this.bars.get(key);
      if (bar) this.multi.remove(bar); // ... which this redraw prints
      this.bars.delete(key);
    } else {
      super.onEvent(e);
    }
  }

  protected override print(line: string): void {
    if (this.multi.isActive) this.multi.log(`${line}\n`);
    else this.opts.write(`${line}\n`);
  }

  override stop(): void {
    if (!this.multi.isActive) return;
    this.multi.update(); // flush lines still queued above the bars
    this.multi.stop();
  }
}

class JsonProgress implements LoadProgress {
  constructor(private readonly opts: LoadProgressOptions) {}
  onEvent(e: LoadEvent): void {
    this.opts.write(`${JSON.stringify(e)}\n`);
  }
  stop(): void {}
}

export function createLoadProgress(opts: LoadProgressOptions): LoadProgress {
  if (opts.json) return new JsonProgress(opts);
  return opts.isTTY ? new BarProgress(opts) : new LineProgress(opts);
}
