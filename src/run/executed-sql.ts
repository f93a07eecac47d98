/**
 * What a node executed, written to `target/run/<path>.sql` (dbt's "compiled code at"), and the
 * execution of those statements so that a database error points at a line and column of that file.
 *
 * The file is written before its statements' result is handled: when a statement fails, the file
 * the error names already holds exactly what was sent.
 */
import { join, relative } from 'node:path';
import { writeFiles } from '../compile/file-writer.js';
import type { DbClient } from '../adapters/postgres/index.js';
import type { Statement } from '../materializations/types.js';

export interface PlacedStatement extends Statement {
  /** 1-based line of the statement's first character in the run file. */
  line: number;
}

export interface RunFile {
  /** Relative to the project root. */
  path: string;
  statements: PlacedStatement[];
  /** The file's text: what is sent to the server. */
  text: string;
}

/**
 * Lays statements out as `-- label` + SQL + `;`, recording where each one starts. `preamble` lines
 * (work done other than by SQL text, such as a COPY) go first as comments.
 */
export function layoutStatements(statements: Statement[], preamble: string[] = []): { text: string; placed: PlacedStatement[] } {
  let text = preamble.map((l) => `-- ${l}\n`).join('');
  let line = 1 + preamble.length;
  const placed: PlacedStatement[] = [];
  for (const s of statements) {
    const header = `-- strata: ${s.label}\n`;
    text += header;
    line += 1;
    placed.push({ ...s, line });
    const body = `${s.sql.trimEnd()};\n\n`;
    text += body;
    line += body.split('\n').length - 1;
  }
  return { text, placed };
}

/**
 * A node's run file laid out, not written yet: executeStatements writes it to `writeTo` once its
 * statements are on their way to the server (writeRunFile writes one at once).
 */
export interface UnwrittenRunFile extends RunFile {
  writeTo: string;
}

export function runFileFor(projectDir: string, targetDir: string, nodePath: string, statements: Statement[], preamble: string[] = []): UnwrittenRunFile {
  const writeTo = join(targetDir, 'run', nodePath);
  const { text, placed } = layoutStatements(statements, preamble);
  return { path: relative(projectDir, writeTo).split('\\').join('/'), statements: placed, text, writeTo };
}

/**
 * Writes the file through the compiler's file writer: a file whose content is unchanged (every
 * run file of a rebuild of an unchanged project) is left alone, a changed one is written in place.
 * Replacing a file's content by truncating it (what writeFileSync does) makes ext4 start writing
 * it back at close, which on a busy disk took 1-2.5 ms per file: 0.3-0.5 s for a 200-model run.
 */
export function writeRunFile(projectDir: string, targetDir: string, nodePath: string, statements: Statement[], preamble: string[] = []): RunFile {
  const { writeTo, ...file } = runFileFor(projectDir, targetDir, nodePath, statements, preamble);
  writeFiles([{ path: writeTo, content: file.text }]);
  return file;
}

/**
 * Statements strata sends in the same message as a run file's, without writing them to the file
 * (transaction control, dependent-view locks, the node's state row): the run file stays exactly
 * the node's build, runnable as is.
 */
export interface Envelope {
  /** Sent on one line before the file's text (so the file's line n is the message's line n + 1). */
  before?: string[];
  /** Sent after the file's text. */
  after?: string[];
}

/**
 * Runs the file's statements on `client` in one round trip, wrapped in `envelope` (the text sent
 * is the file's own text, after one line of `before` statements, so a database error's position
 * maps to a position in the file). Returns the row count of the `countsRows` statement, or
 * undefined when it cannot be told apart (a hook holding several statements shifts the results).
 * `rowCounts`, when given, receives every file statement's row count in the same way.
 */
export async function executeStatements(
  client: DbClient, file: (RunFile | UnwrittenRunFile) & { text?: string }, nodeId: string, envelope: Envelope = {}, rowCounts?: (counts: number[] | undefined) => void,
): Promise<number | undefined> {
  const before = envelope.before ?? [];
  const after = envelope.after ?? [];
  if (!file.statements.length && !before.length && !after.length) return undefined;
  if (before.some((s) => s.includes('\n'))) throw new Error('executeStatements: a statement sent before the file must fit on one line');
  const text = file.text ?? layoutStatements(file.statements).text;
  const sent = `${before.length ? `${before.join('; ')};` : ''}\n${text}${after.map((s) => `${s};\n`).join('')}`;
  // The message's line 1 holds `before`: the file's first line is the message's second.
  const pending = client.query(sent, undefined, { sqlFile: file.path, nodeId, startLine: 0, startColumn: 1 });
  if ('writeTo' in file) {
    // A file laid out by runFileFor is written now, while the server runs it (the message left
    // this process when query() returned): ~0.15 ms a node that no longer waits between one
    // node's result and the next node's message. Its result (or error, which names the file) is
    // handled only after this synchronous write: the file holds what was sent by then.
    try {
      writeFiles([{ path: file.writeTo, content: text }]);
    } catch (e) {
      await pending.catch(() => undefined);
      throw e;
    }
  }
  const result = await pending;
  const results = result.statements ?? [{ command: result.command, rowCount: result.rowCount }];
  const aligned = results.length === before.length + file.statements.length + after.length;
  rowCounts?.(aligned ? results.slice(before.length, before.length + file.statements.length).map((r) => r.rowCount) : undefined);
  const index = file.statements.findIndex((s) => s.countsRows);
  return index >= 0 && aligned ? results[before.length + index]!.rowCount : undefined;
}
