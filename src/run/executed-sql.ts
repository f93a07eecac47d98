/**
 * What a node executed, written to `target/run/<path>.sql` (dbt's "compiled code at"), and the
 * execution of those statements so that a database error points at a line and column of that file.
 *
 * The file is written before anything runs: when a statement fails, the file the error names
 * already holds exactly what was sent.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
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

export function writeRunFile(projectDir: string, targetDir: string, nodePath: string, statements: Statement[], preamble: string[] = []): RunFile {
  const abs = join(targetDir, 'run', nodePath);
  const { text, placed } = layoutStatements(statements, preamble);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, text);
  return { path: relative(projectDir, abs).split('\\').join('/'), statements: placed, text };
}

/**
 * Runs the file's statements on `client` in one round trip (the text sent is the file's own text,
 * so a database error's position is a position in the file). Returns the row count of the
 * `countsRows` statement, or undefined when it cannot be told apart (a hook holding several
 * statements shifts the results).
 */
export async function executeStatements(client: DbClient, file: RunFile & { text?: string }, nodeId: string): Promise<number | undefined> {
  if (!file.statements.length) return undefined;
  const text = file.text ?? layoutStatements(file.statements).text;
  const result = await client.query(text, undefined, { sqlFile: file.path, nodeId, startLine: 1, startColumn: 1 });
  const index = file.statements.findIndex((s) => s.countsRows);
  if (index < 0) return undefined;
  const results = result.statements ?? [{ command: result.command, rowCount: result.rowCount }];
  return results.length === file.statements.length ? results[index]!.rowCount : undefined;
}
