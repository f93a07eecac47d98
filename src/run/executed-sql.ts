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
  return { path: relative(projectDir, abs).split('\\').join('/'), statements: placed };
}

/** Runs the statements in order on `client`; returns the row count of the `countsRows` one. */
export async function executeStatements(client: DbClient, file: RunFile, nodeId: string): Promise<number | undefined> {
  let rows: number | undefined;
  for (const s of file.statements) {
    const result = await client.query(s.sql, undefined, { sqlFile: file.path, nodeId, startLine: s.line, startColumn: 1 });
    if (s.countsRows) rows = result.rowCount;
  }
  return rows;
}
