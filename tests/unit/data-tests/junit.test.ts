import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { junitXml } from '../../../src/data-tests/junit.js';
import type { TestOutcome } from '../../../src/data-tests/types.js';
import { compileFixture } from './compiled-fixture.js';

const manifest = compileFixture();

const OUTCOMES: TestOutcome[] = [
  { uniqueId: 'test.u.uniq', name: 'uniq', testType: 'generic', status: 'pass', failures: 0, severity: 'error', seconds: 0.25, message: 'pass' },
  {
    uniqueId: 'test.u.av', name: 'av', testType: 'generic', status: 'fail', failures: 2, severity: 'error', seconds: 0.5,
    message: '2 rows failed (threshold != 0)', sqlPath: 'target/run/models/schema.yml/av.sql',
    failingRows: { columns: ['value_field', 'n_records'], rows: [{ value_field: '<lost & "found">', n_records: 3 }, { value_field: 'a\u0001b', n_records: 1 }] },
    storedFailuresIn: '"an_test_failures"."av"',
  },
  {
    uniqueId: 'test.u.src_uniq', name: 'src_uniq', testType: 'generic', status: 'warn', failures: 1, severity: 'warn', seconds: 0.125,
    message: '1 row failed (warn threshold != 0)', failingRows: { columns: ['unique_field'], rows: [{ unique_field: 1 }] },
  },
  {
    uniqueId: 'test.u.singular_a', name: 'singular_a', testType: 'singular', status: 'error', severity: 'error', seconds: 0.125,
    message: 'column "nope" does not exist', sqlPath: 'target/run/tests/singular_a.sql',
    error: { code: 'DB', message: 'column "nope" does not exist', location: { file: 'target/run/tests/singular_a.sql', line: 3, column: 8 }, hint: "check the column's name" },
  },
  {
    uniqueId: 'unit_test.u.m.adds_up', name: 'adds_up', testType: 'unit', status: 'fail', severity: 'error', seconds: 0, failures: 1,
    message: 'actual differs from expected', diff: '- {"a": 1}\n+ {"a": 2}',
  },
];

type Obj = Record<string, unknown>;

function parse(xml: string): { suites: Obj; suite: Obj; cases: Obj[] } {
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = new XMLParser({ ignoreAttributes: false, htmlEntities: true, attributeNamePrefix: '@', parseAttributeValue: false, isArray: (name) => name === 'testcase' }).parse(xml) as Obj;
  const suites = doc['testsuites'] as Obj;
  const suite = suites['testsuite'] as Obj;
  return { suites, suite, cases: suite['testcase'] as Obj[] };
}

describe('junitXml', () => {
  const xml = junitXml(OUTCOMES, { suiteName: 'strata', timestamp: '2024-05-01T10:11:12.345Z', manifest });
  const { suites, suite, cases } = parse(xml);

  it('counts tests, failures, errors and time on testsuites and testsuite', () => {
    for (const el of [suites, suite]) {
      expect(el).toMatchObject({ '@name': 'strata', '@tests': '5', '@failures': '2', '@errors': '1', '@skipped': '0', '@time': '1.000' });
    }
    expect(suite['@timestamp']).toBe('2024-05-01T10:11:12');
    expect((suite['properties'] as Obj)['property']).toEqual({ '@name': 'warnings', '@value': '1' });
  });

  it('names each case after its test and the model it is attached to', () => {
    expect(cases.map((c) => [c['@classname'], c['@name'], c['@time']])).toEqual([
      ['m', 'uniq', '0.250'],
      ['m', 'av', '0.500'],
      ['raw.events', 'src_uniq', '0.125'],
      ['singular', 'singular_a', '0.125'],
      ['m', 'adds_up', '0.000'],
    ]);
  });

  it('writes a failure with the failing rows, escaped', () => {
    const failure = cases[1]!['failure'] as Obj;
    expect(failure['@type']).toBe('fail');
    expect(failure['@message']).toBe('2 rows failed (threshold != 0)');
    const text = String(failure['#text']);
    // The parser decodes entities back: the text is exactly what was escaped.
    expect(text).toContain('<lost & "found">');
    expect(text).toContain('a\\u0001b');
    expect(text).toContain('SQL: target/run/models/schema.yml/av.sql');
    expect(text).toContain('failing rows stored in "an_test_failures"."av"');
    expect(xml).toContain('&lt;lost &amp; "found"&gt;');
  });

  it('reports a warning as a passing case with a WARN system-out', () => {
    const warn = cases[2]!;
    expect(warn['failure']).toBeUndefined();
    expect(warn['error']).toBeUndefined();
    expect(warn['skipped']).toBeUndefined();
    expect(String(warn['system-out'])).toMatch(/^WARN: 1 row failed \(warn threshold != 0\)\n\n unique_field\n/);
  });

  it('writes an error with code, location and hint', () => {
    const error = cases[3]!['error'] as Obj;
    expect(error['@type']).toBe('DB');
    expect(error['@message']).toBe('column "nope" does not exist');
    expect(String(error['#text'])).toContain('at target/run/tests/singular_a.sql:3:8\nhint: check the column\'s name');
  });

  it('puts a unit test diff in its failure', () => {
    expect(String((cases[4]!['failure'] as Obj)['#text'])).toContain('- {"a": 1}\n+ {"a": 2}');
  });

  it('stays well-formed whatever the names and messages hold', () => {
    const nasty: TestOutcome = {
      uniqueId: 'test.u.x', name: `a"b'c<d>&e\u0000f\uD800`, testType: 'generic', status: 'fail', severity: 'error', seconds: Number.NaN,
      failures: 1, message: 'line1\nline2 "quoted" \u0007 ]]>',
    };
    const out = junitXml([nasty], { suiteName: 'a & b', timestamp: new Date('2024-01-02T03:04:05Z') });
    const parsed = parse(out);
    expect(parsed.suite['@name']).toBe('a & b');
    expect(parsed.cases[0]!['@name']).toBe(`a"b'c<d>&e\uFFFDf\uFFFD`);
    expect((parsed.cases[0]!['failure'] as Obj)['@message']).toBe('line1\nline2 "quoted" \uFFFD ]]>');
    expect(parsed.cases[0]!['@classname']).toBe('generic');
    expect(parsed.suite['@time']).toBe('0.000');
  });

  it('handles an empty run', () => {
    const { suite: empty } = parse(junitXml([], { suiteName: 'strata', timestamp: '2024-05-01T10:11:12Z' }));
    expect(empty).toMatchObject({ '@tests': '0', '@failures': '0', '@errors': '0' });
  });
});
