/**
 * `modules.re` and `modules.datetime` where they read a template's arguments as Python does: a
 * pattern or a value Python refuses is Python's error at the template's line (never a hang, a
 * next-day datetime or `NaN:NaN:NaN`), and the patterns' expressions, made once per compiled
 * pattern, give each method the same matches however the pattern was used before. The expected
 * outputs are Jinja2's with Python's `re` and `datetime` as `modules`.
 */
import { describe, expect, it } from 'vitest';
import { PyDatetime } from '../../../src/template/py-datetime.js';
import { TemplateEngine } from '../../../src/template/template-engine.js';
import { modelRenderState, renderInModelAndMacro } from '../../helpers/render-state.js';

const render = renderInModelAndMacro;

describe('modules.re', () => {
  it('an unclosed (?P=name is re.error at its line, not a translation that never ends', () => {
    expect(() => render("select 1\n{{ modules.re.compile('(?P=name') }}")).toThrow(/missing \), unterminated name at position 4 \(line 2\) \|.*unterminated name at position 4/);
    expect(() => render("{{ modules.re.search('a(?P=n', 'a') }}")).toThrow(/missing \), unterminated name at position 5/);
    expect(() => render("{{ modules.re.compile('(?i)(?P=n') }}")).toThrow(/missing \), unterminated name at position 8/);
    expect(render("{{ modules.re.compile('(?P<n>a)(?P=n)').match('aa') }}")).toBe("<re.Match object; span=(0, 2), match='aa'>");
  });

  it("a compiled pattern's methods find the same matches whatever ran on it before", () => {
    expect(
      render(
        "{% set p = modules.re.compile('a') %}{{ p.search('banana', 4).span() }} {{ p.findall('banana') }} {{ p.sub('o', 'banana') }} {{ p.split('banana') }} {{ p.search('banana').span() }} {{ p.match('banana', 1) }} {{ p.fullmatch('banana', 5) }}",
      ),
    ).toBe("(5, 6) ['a', 'a', 'a'] bonono ['b', 'n', 'n', ''] (1, 2) <re.Match object; span=(1, 2), match='a'> <re.Match object; span=(5, 6), match='a'>");
  });

  it("re's functions bind the pattern, the method's arguments and flags, positional or by keyword", () => {
    expect(
      render(
        "{{ modules.re.sub('A', 'o', 'banana', count=1, flags=modules.re.I) }} {{ modules.re.sub('(a)', '<\\\\1>', 'banana', 2) }} {{ modules.re.split(',', 'a,b,c', maxsplit=1) }} {{ modules.re.split('(,)', 'a,b', 0, modules.re.I) }} {{ modules.re.match('B', 'banana', modules.re.I) }} {{ modules.re.findall('(a)(n)', 'banana') }} {{ modules.re.search(modules.re.compile('n+'), 'bannn').span() }}",
      ),
    ).toBe("bonana b<a>n<a>na ['a', 'b,c'] ['a', ',', 'b'] <re.Match object; span=(0, 1), match='b'> [('a', 'n'), ('a', 'n')] (2, 5)");
    // A function given as repl gets match objects with their groups' spans (in a model: a macro
    // defined inside a macro is not passed as a value there).
    const template = "{% macro f(m) %}[{{ m.group('x') }}{{ m.span(1) }}]{% endmacro %}{{ modules.re.sub('(?P<x>a)n', f, 'banana') }}";
    expect(new TemplateEngine('proj').render('models/m.sql', template, modelRenderState())).toBe('b[a(1, 2)][a(3, 4)]a');
  });
});

describe('modules.datetime', () => {
  it("a time out of range is Python's ValueError at its line, not the next day", () => {
    const cases: [string, RegExp][] = [
      ['datetime(2024, 1, 1, 25)', /ValueError: hour must be in 0\.\.23 \(line 2\)/],
      ['datetime(2024, 1, 1, -1)', /ValueError: hour must be in 0\.\.23/],
      ['datetime(2024, 1, 1, 0, 60)', /ValueError: minute must be in 0\.\.59/],
      ['datetime(2024, 1, 1, 0, 0, 60)', /ValueError: second must be in 0\.\.59/],
      ['datetime(2024, 1, 1, microsecond=1000000)', /ValueError: microsecond must be in 0\.\.999999/],
      ['datetime(2024, 13, 1)', /ValueError: month must be in 1\.\.12/],
      ['datetime(2024, 2, 30)', /ValueError: day is out of range for month/],
      ["datetime.fromisoformat('2024-01-01T25:00')", /ValueError: hour must be in 0\.\.23 \(line 2\)/],
      ["datetime.fromisoformat('2024-01-01T23:60')", /ValueError: minute must be in 0\.\.59/],
      ["datetime.fromisoformat('2024-01-01T23:00:60')", /ValueError: second must be in 0\.\.59/],
      ["datetime.strptime('2024-01-01 00:00:60', '%Y-%m-%d %H:%M:%S')", /ValueError: second must be in 0\.\.59/],
      [
        "datetime.fromisoformat('2024-01-01T23:00+24:00')",
        /ValueError: offset must be a timedelta strictly between -timedelta\(hours=24\) and timedelta\(hours=24\), not datetime\.timedelta\(days=1\)\./,
      ],
      ["datetime.strptime('2024-01-01 -2430', '%Y-%m-%d %z')", /not datetime\.timedelta\(days=-2, seconds=84600\)\./],
    ];
    for (const [call, error] of cases) {
      expect(() => render(`select 1\n{{ modules.datetime.${call} }}`), call).toThrow(error);
    }
    // The last time of a day, and month names read as before.
    expect(
      render(
        "{{ modules.datetime.datetime(2024, 1, 1, 23, 59, 59, 999000).strftime('%Y-%m-%d %H:%M:%S.%f') }} {{ modules.datetime.datetime.strptime('MARCH 5 2024', '%B %d %Y').strftime('%Y-%m-%d') }} {{ modules.datetime.datetime.strptime('feb 29 2024 11PM', '%b %d %Y %I%p').strftime('%Y-%m-%d %H:%M') }} {{ modules.datetime.datetime.fromisoformat('2024-01-01T23:59:59').strftime('%H:%M:%S') }}",
      ),
    ).toBe('2024-01-01 23:59:59.999000 2024-03-05 2024-02-29 23:00 23:59:59');
  });

  it("a timedelta of a value that is not a number is Python's TypeError", () => {
    expect(() => render("select 1\n{{ modules.datetime.timedelta(days='x') }}")).toThrow(/unsupported type for timedelta days component: str \(line 2\)/);
    expect(() => render('{{ modules.datetime.timedelta(1, hours=none) }}')).toThrow(/unsupported type for timedelta hours component: NoneType/);
    expect(() => render("{{ modules.datetime.timedelta('1') }}")).toThrow(/unsupported type for timedelta days component: str/);
    expect(render('{{ modules.datetime.timedelta(days=1.5, weeks=true) }} {{ modules.datetime.timedelta(2) }} {{ modules.datetime.timedelta(2.0) }}')).toBe(
      '8 days, 12:00:00 2 days, 0:00:00 2 days, 0:00:00',
    );
  });

  it("a datetime's date() keeps the text it prints, once", () => {
    const when = new PyDatetime(new Date(Date.UTC(2024, 2, 4, 5)));
    expect(String(when.date())).toBe('2024-03-04');
    expect([...when.printed]).toEqual(['2024-03-04']);
  });
});

describe('a datetime in error messages', () => {
  it("is 'datetime.datetime' to every Python error, not 'str' (it prints as its text)", () => {
    expect(() => render('{{ modules.datetime.datetime(2024, 1, 2) < 1 }}')).toThrow(/'<' not supported between instances of 'datetime.datetime' and 'int'/);
    expect(() => render('{{ modules.datetime.datetime(2024, 1, 2) + 1 }}')).toThrow(/unsupported operand type\(s\) for \+: 'datetime.datetime' and 'int'/);
  });
});
