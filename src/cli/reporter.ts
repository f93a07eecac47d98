/**
 * Everything the CLI prints goes through a Reporter: human text (optionally coloured) or, with
 * `--log-format json`, one JSON object per event on stdout. Errors go to stderr in text mode.
 */
import pc from 'picocolors';
import { formatError } from '../errors/format-error.js';
import { StrataError, StrataErrors } from '../errors/strata-error.js';
import { writeStderr, writeStdout } from './batched-stdout.js';

export interface ReporterOptions {
  format: 'text' | 'json';
  color: boolean;
  debug: boolean;
  projectDir?: string;
  out?: (line: string) => void;
  err?: (line: string) => void;
}

export class Reporter {
  readonly c: ReturnType<typeof pc.createColors>;
  readonly #out: (line: string) => void;
  readonly #err: (line: string) => void;

  constructor(readonly opts: ReporterOptions) {
    this.c = pc.createColors(opts.color);
    this.#out = opts.out ?? ((l) => writeStdout(`${l}\n`));
    this.#err = opts.err ?? ((l) => writeStderr(`${l}\n`));
  }

  get json(): boolean {
    return this.opts.format === 'json';
  }

  /** A line of human output (suppressed in JSON mode unless `event` is given). */
  info(text: string, event?: Record<string, unknown>): void {
    if (this.json) {
      if (event) this.#out(JSON.stringify({ ts: new Date().toISOString(), ...event }));
    } else this.#out(text);
  }

  /** Raw data output (ls results): printed as-is in both modes. */
  data(line: string): void {
    this.#out(line);
  }

  warn(e: StrataError): void {
    if (this.json) this.#out(JSON.stringify({ ts: new Date().toISOString(), event: 'warning', ...e.toJSON() }));
    else this.#err(`${this.c.yellow('warning')} ${formatError(e, this.#formatOpts())}`);
  }

  error(e: unknown): void {
    const errors = e instanceof StrataErrors ? e.errors : e instanceof StrataError ? [e] : undefined;
    if (!errors) {
      // Not a StrataError: a bug in strata. Always show the stack so it can be reported.
      const err = e as Error;
      if (this.json) this.#out(JSON.stringify({ event: 'error', code: 'INTERNAL', message: String(err?.message ?? e), stack: err?.stack }));
      else this.#err(`${this.c.red('internal error')} ${err?.stack ?? String(e)}\nThis is a bug in strata; please report it with the command you ran.`);
      return;
    }
    for (const one of errors) {
      if (this.json) this.#out(JSON.stringify({ ts: new Date().toISOString(), event: 'error', ...one.toJSON() }));
      else this.#err(formatError(one, this.#formatOpts()) + '\n');
    }
    if (!this.json && errors.length > 1) this.#err(this.c.red(`${errors.length} errors`));
  }

  #formatOpts() {
    return { color: this.opts.color, debug: this.opts.debug, ...(this.opts.projectDir ? { projectDir: this.opts.projectDir } : {}) };
  }
}
