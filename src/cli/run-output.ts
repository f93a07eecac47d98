/**
 * dbt-style run output: one line when a node starts and one when it finishes (index, kind,
 * relation, status, rows, seconds), the details of each failure, then the summary line
 * `Done. PASS=.. WARN=.. ERROR=.. SKIP=.. TOTAL=..`. In JSON mode, one event per line.
 */
import { formatError } from '../errors/format-error.js';
import { StrataError } from '../errors/strata-error.js';
import type { RunEvents } from '../run/runner.js';
import { summarizeResults, type NodeResult, type RunResults } from '../run/run-results.js';
import type { Reporter } from './reporter.js';
import type { TestOutcome } from '../data-tests/types.js';
import { formatRowsTable } from '../data-tests/report.js';

const WIDTH = 72;

function time(): string {
  return new Date().toISOString().slice(11, 19);
}

function dotted(left: string, right: string): string {
  const dots = Math.max(3, WIDTH - left.length);
  return `${left} ${'.'.repeat(dots)} ${right}`;
}

function finishLabel(r: NodeResult): string {
  const secs = `${r.seconds.toFixed(2)}s`;
  // A warning (an increment whose SQL changed) built as a success did: its action and rows.
  if (r.status === 'success' || r.status === 'warn') return `[${r.message}${r.rows !== undefined ? `, ${r.rows} row${r.rows === 1 ? '' : 's'}` : ''} in ${secs}]`;
  if (r.status === 'up_to_date') return '[UP TO DATE]';
  if (r.status === 'skipped') return '[SKIP]';
  return `[ERROR in ${secs}]`;
}

const STATUS_WORD: Record<NodeResult['status'], string> = { success: 'OK', warn: 'WARN', error: 'ERROR', skipped: 'SKIP', up_to_date: 'SKIP (up to date)' };
const TEST_WORD: Record<TestOutcome['status'], string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', error: 'ERROR' };

function testLine(t: TestOutcome): string {
  if (t.status === 'error') return `[ERROR in ${t.seconds.toFixed(2)}s]`;
  if (t.status === 'pass') return `[PASS in ${t.seconds.toFixed(2)}s]`;
  return `[${TEST_WORD[t.status]} ${t.failures ?? '?'} in ${t.seconds.toFixed(2)}s]`;
}

export function runEvents(r: Reporter): RunEvents {
  const labels = new Map<string, string>();
  return {
    onRunStart: (info) => r.info(`${time()}  Running on target ${info.target} (PostgreSQL ${info.serverVersion}): ${info.nodes} nodes`, { event: 'run_started', ...info }),
    onWaitForLock: (holder) => r.info(`${time()}  Waiting for another run of this project to finish: ${holder}`, { event: 'waiting_for_lock', holder }),
    onLog: (message) => r.info(`${time()}  ${message}`, { event: 'log', message }),
    onNodeStart: (node, index, total) => {
      labels.set(node.uniqueId, node.label);
      r.info(dotted(`${time()}  ${index} of ${total} START ${node.label}`, '[RUN]'), {
        event: 'node_started', unique_id: node.uniqueId, index, total,
      });
    },
    onNodeFinish: (res, index, total) => {
      if (res.tests && res.status !== 'skipped') {
        for (const t of res.tests) {
          const word = TEST_WORD[t.status];
          const colored = t.status === 'pass' ? r.c.green(word) : t.status === 'warn' ? r.c.yellow(word) : r.c.red(word);
          // "(new rows)": the test read only the new rows of its incremental model's latest build
          const scope = t.newRowsOf ? ' (new rows)' : '';
          r.info(dotted(`${time()}  ${index} of ${total} ${colored} ${t.testType === 'unit' ? 'unit test' : 'test'} ${t.name}${scope}`, testLine(t)), {
            event: 'test_finished', unique_id: t.uniqueId, status: t.status, failures: t.failures, severity: t.severity, seconds: t.seconds, message: t.message,
            ...(t.sqlPath ? { sql_path: t.sqlPath } : {}), ...(t.storedFailuresIn ? { stored_failures_in: t.storedFailuresIn } : {}),
            ...(t.newRowsOf ? { new_rows_of: t.newRowsOf } : {}),
          });
        }
        return;
      }
      const what = labels.get(res.uniqueId) ?? res.label ?? `${res.resourceType} ${res.name}`;
      const word = STATUS_WORD[res.status];
      const colored = res.status === 'error' ? r.c.red(word) : res.status === 'success' ? r.c.green(word) : r.c.yellow(word);
      r.info(dotted(`${time()}  ${index} of ${total} ${colored} ${what}`, finishLabel(res)), {
        event: 'node_finished', unique_id: res.uniqueId, status: res.status, message: res.message, rows: res.rows, seconds: res.seconds,
        ...(res.executedSqlPath ? { executed_sql_path: res.executedSqlPath } : {}), ...(res.error ? { error: res.error } : {}),
        ...(res.warning ? { warning: res.warning } : {}),
      });
    },
  };
}

function printTestProblems(r: Reporter, results: RunResults): void {
  for (const t of results.results.flatMap((x) => x.tests ?? [])) {
    if (t.status === 'pass' || r.json) continue;
    r.info('');
    const head = t.status === 'warn' ? r.c.yellow(`Warning in test ${t.name}`) : r.c.red(`${t.status === 'fail' ? 'Failure' : 'Error'} in test ${t.name}`);
    r.info(`${head}${t.sqlPath ? ` (compiled SQL: ${t.sqlPath})` : ''}`);
    r.info(`  ${t.message}${t.newRowsOf ? ` among the new rows of its model's latest build (${t.newRowsOf}); the other rows passed before` : ''}`);
    if (t.diff) r.info(t.diff.split('\n').map((l) => `  ${l}`).join('\n'));
    else if (t.failingRows) r.info(formatRowsTable(t.failingRows).split('\n').map((l) => `  ${l}`).join('\n'));
    if (t.storedFailuresIn) r.info(`  failing rows stored in ${t.storedFailuresIn}`);
    if (t.error?.hint) r.info(`  hint: ${t.error.hint}`);
  }
}

export function printRunSummary(r: Reporter, results: RunResults): void {
  printTestProblems(r, results);
  // JSON output carries each warning in its node_finished event.
  for (const w of r.json ? [] : results.results.filter((x) => x.warning)) {
    r.info('');
    r.info(r.c.yellow(`Warning in ${w.resourceType} ${w.name}`));
    r.info(`  ${w.warning!.message}`);
    if (w.warning!.hint) r.info(`  hint: ${w.warning!.hint}`);
  }
  const failures = results.results.filter((x) => x.status === 'error' && !x.tests);
  for (const f of failures) {
    const e = new StrataError(f.error?.code ?? 'DB', f.error?.message ?? f.message, {
      ...(f.error?.location ? { location: f.error.location } : {}),
      ...(f.error?.hint ? { hint: f.error.hint } : {}),
      ...(f.error?.details ? { details: f.error.details } : {}),
    });
    if (!r.json) {
      r.info('');
      r.info(r.c.red(`Failure in ${f.resourceType === 'operation' ? 'hook' : f.resourceType} ${f.name}`) + (f.executedSqlPath ? ` (executed SQL: ${f.executedSqlPath})` : ''));
      r.info(formatError(e, { color: r.opts.color, ...(r.opts.projectDir ? { projectDir: r.opts.projectDir } : {}) }));
    }
  }
  const s = summarizeResults(results.results);
  const skip = s.skip + s.upToDate;
  r.info('', undefined);
  r.info(
    `Done in ${results.elapsedSeconds.toFixed(2)}s. PASS=${s.pass} WARN=${s.warn} ERROR=${s.error} SKIP=${skip} TOTAL=${s.total}${s.upToDate ? ` (${s.upToDate} up to date)` : ''}`,
    { event: 'run_finished', pass: s.pass, warn: s.warn, error: s.error, skip, up_to_date: s.upToDate, total: s.total, elapsed_seconds: results.elapsedSeconds },
  );
}
