/**
 * Test outcomes as JUnit XML, the one report format every CI understands (pure).
 *
 *   <testsuites name tests failures errors skipped time>
 *     <testsuite name tests failures errors skipped time timestamp>
 *       <properties><property name="warnings" value="N"/></properties>
 *       <testcase classname="<model>" name="<test>" time="0.012">
 *         <failure message="3 rows failed (threshold != 0)" type="fail">the failing rows</failure>
 *
 * pass → an empty testcase; fail → `<failure type="fail">` whose text holds the failing rows (or
 * a unit test's diff); error → `<error type="<CODE>">` with the message, location and hint.
 * warn → a PASSING testcase with a `<system-out>` starting `WARN:` and the failing rows: a
 * warning does not fail the run, so it must not turn the CI test tab red either; GitHub Actions
 * reporters, GitLab's test report and Jenkins all show a testcase's system-out next to it,
 * whereas `<skipped>` would claim the test did not run. The suite's `warnings` property counts
 * them. `skipped` is always 0: a test whose model failed gets no outcome to report.
 *
 * classname: the model (or seed, `source.table`) the test is attached to when `manifest` is
 * given, `singular` for singular tests, the model for unit tests; Jenkins and GitLab group by it.
 * timestamp: UTC `YYYY-MM-DDTHH:mm:ss`, the form of the Ant JUnit schema (no zone suffix).
 */
import type { Manifest } from '../manifest/types.js';
import { formatRowsTable } from './report.js';
import type { TestOutcome } from './types.js';

export interface JunitOptions {
  suiteName: string;
  /** When the run finished (ISO string or Date). */
  timestamp: string | Date;
  /** To name each testcase's classname after the node its test is attached to. */
  manifest?: Pick<Manifest, 'nodes' | 'sources'>;
}

// Characters XML 1.0 cannot carry at all (even escaped): most C0 controls and lone surrogates.
const INVALID_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function escapeText(s: string): string {
  return s.replace(INVALID_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Attribute values also escape quotes and keep line breaks (a raw newline would be normalised to a space). */
export function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

function seconds(n: number): string {
  return (Number.isFinite(n) ? Math.max(0, n) : 0).toFixed(3);
}

function timestampText(t: string | Date): string {
  const d = typeof t === 'string' ? new Date(t) : t;
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString().slice(0, 19);
}

export function classname(o: TestOutcome, manifest?: JunitOptions['manifest']): string {
  if (o.testType === 'singular') return 'singular';
  const node = manifest?.nodes[o.uniqueId];
  if (node?.resourceType === 'unit_test') return manifest?.nodes[node.model]?.name ?? node.model;
  if (node?.resourceType === 'test' && node.attachedNode) {
    const attached = manifest?.nodes[node.attachedNode] ?? manifest?.sources[node.attachedNode];
    if (attached?.resourceType === 'source') return `${attached.sourceName}.${attached.name}`;
    if (attached) return attached.name;
  }
  // unit_test.<project>.<model>.<name>
  if (o.testType === 'unit') return o.uniqueId.split('.')[2] ?? 'unit';
  return o.testType;
}

/** The human part of a failure or warning: message, rows (or diff), where to look. */
function details(o: TestOutcome): string {
  const parts = [o.message];
  if (o.diff) parts.push(o.diff);
  else if (o.failingRows) parts.push(formatRowsTable(o.failingRows, { ...(o.failures !== undefined ? { total: o.failures } : {}) }));
  if (o.sqlPath) parts.push(`SQL: ${o.sqlPath}`);
  if (o.storedFailuresIn) parts.push(`failing rows stored in ${o.storedFailuresIn}`);
  return parts.join('\n\n');
}

function errorDetails(o: TestOutcome): string {
  const e = o.error;
  const lines = [e?.message ?? o.message];
  if (e?.location) lines.push(`at ${e.location.file}:${e.location.line}:${e.location.column}`);
  if (e?.hint) lines.push(`hint: ${e.hint}`);
  if (o.sqlPath) lines.push(`SQL: ${o.sqlPath}`);
  return lines.join('\n');
}

function testcase(o: TestOutcome, manifest: JunitOptions['manifest']): string {
  const open = `    <testcase classname="${escapeAttr(classname(o, manifest))}" name="${escapeAttr(o.name)}" time="${seconds(o.seconds)}"`;
  switch (o.status) {
    case 'pass':
      return `${open}/>`;
    case 'fail':
      return `${open}>\n      <failure message="${escapeAttr(o.message)}" type="fail">${escapeText(details(o))}</failure>\n    </testcase>`;
    case 'warn':
      return `${open}>\n      <system-out>${escapeText(`WARN: ${details(o)}`)}</system-out>\n    </testcase>`;
    case 'error':
      return `${open}>\n      <error message="${escapeAttr(o.message)}" type="${escapeAttr(o.error?.code ?? 'ERROR')}">${escapeText(errorDetails(o))}</error>\n    </testcase>`;
  }
}

export function junitXml(outcomes: TestOutcome[], opts: JunitOptions): string {
  const count = (s: TestOutcome['status']) => outcomes.filter((o) => o.status === s).length;
  const time = seconds(outcomes.reduce((sum, o) => sum + (Number.isFinite(o.seconds) ? o.seconds : 0), 0));
  const counts = `tests="${outcomes.length}" failures="${count('fail')}" errors="${count('error')}" skipped="0" time="${time}"`;
  const name = escapeAttr(opts.suiteName);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${name}" ${counts}>`,
    `  <testsuite name="${name}" ${counts} timestamp="${escapeAttr(timestampText(opts.timestamp))}">`,
    '    <properties>',
    `      <property name="warnings" value="${count('warn')}"/>`,
    '    </properties>',
    ...outcomes.map((o) => testcase(o, opts.manifest)),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
