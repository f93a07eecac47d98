/**
 * Renders StrataErrors for a terminal: `file:line:col: CODE message`, a short code frame read
 * from the file, the hint, and (only with --debug) the stack.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import pc from 'picocolors';
import { StrataError } from './strata-error.js';

export interface FormatOptions {
  projectDir?: string;
  color?: boolean;
  debug?: boolean;
  /** Source text by file, when the caller has it (avoids re-reading; used for unsaved text). */
  sources?: Map<string, string>;
}

export function formatLocation(e: StrataError): string {
  const l = e.location;
  if (!l) return '';
  if (!l.line) return l.file;
  return `${l.file}:${l.line}${l.column ? `:${l.column}` : ''}`;
}

export function codeFrame(source: string, line: number, column: number, context = 2): string {
  const lines = source.split(/\r?\n/);
  if (line < 1 || line > lines.length) return '';
  const start = Math.max(1, line - context);
  const end = Math.min(lines.length, line + context);
  const width = String(end).length;
  const out: string[] = [];
  for (let n = start; n <= end; n++) {
    const marker = n === line ? '>' : ' ';
    out.push(`${marker} ${String(n).padStart(width)} | ${lines[n - 1] ?? ''}`);
    if (n === line && column > 0) {
      out.push(`  ${' '.repeat(width)} | ${' '.repeat(column - 1)}^`);
    }
  }
  return out.join('\n');
}

function readSource(e: StrataError, opts: FormatOptions): string | undefined {
  const file = e.location?.file;
  if (!file) return undefined;
  const cached = opts.sources?.get(file);
  if (cached !== undefined) return cached;
  try {
    const path = isAbsolute(file) || !opts.projectDir ? file : join(opts.projectDir, file);
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function formatError(e: StrataError, opts: FormatOptions = {}): string {
  const c = opts.color ? pc : pc.createColors(false);
  const where = formatLocation(e);
  const head = `${where ? `${c.bold(where)}: ` : ''}${c.red(e.code)} ${e.message}`;
  const parts = [head];
  if (e.details?.length) parts.push(...e.details.map((d) => `  ${d}`));
  if (e.location?.line) {
    const src = readSource(e, opts);
    if (src !== undefined) {
      const frame = codeFrame(src, e.location.line, e.location.column);
      if (frame) parts.push(c.dim(frame));
    }
  }
  if (e.hint) parts.push(`${c.cyan('hint:')} ${e.hint}`);
  if (opts.debug && e.stack) parts.push(c.dim(e.stack));
  if (opts.debug && e.cause instanceof Error && e.cause.stack) parts.push(c.dim(`cause: ${e.cause.stack}`));
  return parts.join('\n');
}

export function formatErrors(errors: StrataError[], opts: FormatOptions = {}): string {
  return errors.map((e) => formatError(e, opts)).join('\n\n');
}
