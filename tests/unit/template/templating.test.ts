import { describe, expect, it } from 'vitest';
import { StrataError } from '../../../src/errors/strata-error.js';
import { createRenderState, type RenderState } from '../../../src/template/render-state.js';
import { TemplateEngine } from '../../../src/template/template-engine.js';
import { scanStatic } from '../../../src/template/static-render.js';

function setup(macros: Record<string, string> = {}, vars: Record<string, unknown> = {}) {
  const engine = new TemplateEngine('proj');
  const errors = engine.loadMacros(Object.entries(macros).map(([file, text]) => ({ file, text })));
  expect(errors).toEqual([]);
  const state = (over: Partial<Parameters<typeof createRenderState>[0]> = {}): RenderState =>
    createRenderState({
      nodeName: 'm',
      uniqueId: 'model.proj.m',
      file: 'models/m.sql',
      vars: (n) => (n in vars ? { found: true, value: vars[n] } : { found: false }),
      env: { HOME_TOWN: 'Paris' },
      target: { name: 'dev', schema: 'analytics', type: 'postgres', threads: 4 },
      resolve: (t) => (t.kind === 'ref' ? { schema: 'analytics', identifier: t.name } : t.kind === 'source' ? { schema: t.source, identifier: t.table } : { schema: 'analytics', identifier: 'm' }),
      ...over,
    });
  const render = (text: string, s = state()) => engine.render('models/m.sql', text, s);
  return { engine, state, render };
}

function renderError(fn: () => unknown): StrataError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StrataError);
    return e as StrataError;
  }
  throw new Error('expected an error');
}

describe('Jinja compatibility', () => {
  it('loops with whitespace control and loop variables', () => {
    const { render } = setup();
    const sql = render(
      'select\n{%- for c in ["a", "b", "c"] %}\n  {{ c }}{% if not loop.last %},{% endif %} -- {{ loop.index }}{{ " first" if loop.first }}\n{%- endfor %}\nfrom t',
    );
    expect(sql).toBe('select\n  a, -- 1 first\n  b, -- 2\n  c -- 3\nfrom t');
  });

  it('unpacks loop targets written in parentheses, as Jinja allows (dbt documents `for (a, b) in ...`)', () => {
    const { render } = setup();
    expect(render("{% for (k, v) in [('a', 1), ('b', 2)] %}{{ k }}={{ v }};{% endfor %}")).toBe('a=1;b=2;');
    expect(render("{% for ( k , v ) in {'x': 3}.items() %}{{ k }}{{ v }}{% endfor %}|{% for (c) in ['y'] %}{{ c }}{% endfor %}")).toBe('x3|y');
    // Also inside a macro (compiled by nunjucks rather than interpreted).
    const { render: withMacro } = setup({ 'macros/m.sql': "{% macro pairs(xs) %}{% for (a, b) in xs %}{{ a }}{{ b }}{% endfor %}{% endmacro %}" });
    expect(withMacro("{{ pairs([(1, 2), (3, 4)]) }}")).toBe('1234');
    expect(renderError(() => render('{% for (a, b in [] %}{% endfor %}')).message).toMatch(/\)/);
  });

  describe('Jinja semantics nunjucks alone gets silently wrong', () => {
    // Each case renders in a model (interpreted when it can be) and inside a macro (compiled).
    const cases: Array<[string, string, string]> = [
      ['negative indexes', "{% set l = [1, 2, 3] %}{{ l[-1] }}|{{ 'a.b.c'.split('.')[-1] }}|{{ l[-3] }}|{{ 'xyz'[-1] }}", '3|c|1|z'],
      ['a loop filter', "{% for c in ['id', 'name', 'secret'] if c != 'secret' %}{{ c }}{{ ', ' if not loop.last }}{% endfor %}|{% for x in [1, 2, 3] if x > 1 %}{{ loop.index }}{{ x }}{% endfor %}", 'id, name|1223'],
      ['a loop filter over pairs and dict keys', "{% for k, v in [('a', 1), ('b', 2)] if v > 1 %}{{ k }}{% endfor %}|{% for k in {'x': 1, 'y': 2} if k != 'x' %}{{ k }}{% endfor %}", 'b|y'],
      ['a loop over a mapping: its keys, as Jinja', "{% for k in {'x': 1, 'y': 2} %}{{ k }}{{ loop.index }}{% endfor %}|{% for k, v in {'x': 1} %}{{ k }}={{ v }}{% endfor %}|{% for c in 'ab' %}{{ c }}{% endfor %}", 'x1y2|x=1|ab'],
      ['tuple assignment', "{% set a, b = (1, 2) %}{{ a }}-{{ b }}", '1-2'],
      ['selectattr and rejectattr with a test', "{% set rows = [{'k': 1}, {'k': 2}, {'k': 2}] %}{{ rows | selectattr('k', 'equalto', 2) | list | length }}{{ rows | rejectattr('k', 'eq', 1) | list | length }}{{ rows | selectattr('k', '==', 1) | list | length }}{{ rows | selectattr('k') | list | length }}", '2213'],
      ['truthiness: empty lists and dicts are false', "{% set cols = [] %}{% if cols %}T{% else %}F{% endif %}|{{ 'T' if {} else 'F' }}|{{ 'T' if not cols else 'F' }}|{{ cols or 'default' }}|{{ 'x' and 'y' }}|{% if cols and cols[0] %}never{% endif %}|{% if caller is not defined and ['a'] %}L{% endif %}", 'F|F|T|default|y||L'],
      ['list + list, string * n, == by value, chained comparisons, in by value', "{% set cols = ['id', 'name'] %}{% for c in cols + ['z'] %}{{ c }};{% endfor %}|{{ (cols + ['z']) | length }}|{{ '-' * 3 }}|{{ 'Y' if '1' == 1 else 'N' }}|{{ 'Y' if cols == ['id', 'name'] else 'N' }}|{{ 'Y' if 0 == '' else 'N' }}|{{ 'Y' if 1 < 3 > 2 else 'N' }}|{{ 'Y' if ['a'] in [['a']] else 'N' }}", 'id;name;z;|3|---|N|Y|N|Y|Y'],
      ['~ prints undefined as nothing and None / True as Python; int and float read what they can, else 0', "{{ 'd' ~ nothing ~ 'e' }}|{{ 'x' ~ none ~ true }}|{{ 'x' | int + 1 }}|{{ '1e3' | int }}|{{ ' 12 ' | int }}|{{ none | int }}|{{ 'ff' | int(0, 16) }}|{{ '2.5' | float * 2 }}|{{ 'x' | float }}", 'de|xNoneTrue|1|1000|12|0|255|5.0|0.0'],
      ['a mapping key named like a dict method, string filters on any value, format, min, max, count, items', "{% set m = {'values': [1, 2], 'items': 'i'} %}{% for v in m['values'] %}{{ v }}{% endfor %}{{ m['items'] }}|{{ true | lower }}|{{ '%02d' | format(7) }}|{{ [3, 1, 2] | min }}{{ [3, 1, 2] | max }}|{{ [1, 2] | count }}|{% for k, v in {'a': 1} | items %}{{ k }}{{ v }}{% endfor %}|{{ 'Y' if 3 is integer and 2.5 is float and true is true else 'N' }}", '12i|true|07|13|2|a1|Y'],
      ['filters with Jinja\'s arguments: tojson, unique, join / sum attribute, default boolean, trim chars, list of a mapping, map arguments, in a mapping', "{{ {'b': 1, 'a': [1, 'x<']} | tojson }}|{{ ['A', 'a', 'b'] | unique | join(',') }}|{{ [{'n': 'x'}, {'n': 'y'}] | join(', ', attribute='n') }}|{{ [{'v': 2}, {'v': 3}] | sum(attribute='v') }}|{{ [] | default('e', true) }}|{{ 'xxhixx' | trim('x') }}|{{ {'a': 1} | list | join }}|{{ 'Y' if 'toString' in {} else 'N' }}|{{ ['id'] | map('replace', 'i', 'I') | join }}", '{"a": [1, "x\\u003c"], "b": 1}|A,b|x, y|5|e|hi|a|N|Id'],
      ['% string formatting', "{{ '%s-%s' % ('x', 1) }}|{{ '%d rows' % 5 }}|{{ '%05.1f' % 3.14159 }}|{{ '%(n)s!' % {'n': 'hi'} }}|{{ '100%%' % () }}|{{ 7 % 3 }}|{{ -7 % 3 }}|{{ '%g %g %g %g' % (1234567, 0.00001, 0.5, 100) }}|{{ '[%s]' % nothing }}", 'x-1|5 rows|003.1|hi!|100%|1|2|1.23457e+06 1e-05 0.5 100|[]'],
      ['% formatting as str.format does it: half-even floats, reprs, lists, hex', "{{ '%.0f|%.1f|%e|%.3g|%10.2f|%-8.1e|%+.1f' % (2.5, 0.25, 12345.678, 1234.5, 3.14159, 0.5, 2.0) }}|{{ '%r|%s|%s' % (\"it's\", [1, 'a'], none) }}|{{ '%x|%X|%o|%d' % (255, 255, 8, 2.7) }}", "2|0.2|1.234568e+04|1.23e+03|      3.14|5.0e-01 |+2.0|\"it's\"|[1, 'a']|None|ff|FF|10|2"],
      ['number literals: exponents, underscores, hex / octal / binary (1e3 printed nothing, 1e-7 NaN)', "{{ 1e3 }}|{{ 1E3 }}|{{ 1_000 + 1 }}|{{ 0x1F }}|{{ 0o17 }}|{{ 0b101 }}|{{ 1e-7 * 1e7 }}|{{ 2.5e1 }}|{{ 1.5 }}|{{ [10, 20][1] }}", '1000.0|1000.0|1001|31|15|5|1.0|25.0|1.5|20'],
      ['nested dicts, trailing commas and the one-item tuple', "{% set d = {'a': {'b': 1}, 'c': [1, 2,],} %}{{ d.a.b }}|{{ {'x': {'y': 2}}.x.y }}|{{ d.c | length }}|{% set t = (1,) %}{{ t | length }}|{{ t }}|{{ (1, 2,) }}|{{ (3) }}", "1|2|2|1|(1,)|(1, 2)|3"],
      ['printing as Python: None, True, lists, dicts, tuples, dict items', "{{ none }}|{{ true }}|{{ [1, 'a', none, false] }}|{{ {'a': [1, 2], 'b': \"it's\"} }}|{{ (1, 'b') }}|{{ {'k': 1}.items() | list }}|{{ {'k': 2} | items | list }}|{{ 'x' ~ [1] ~ none }}|where id in {{ (1, 2) }}|{{ nothing }}", "None|True|[1, 'a', None, False]|{'a': [1, 2], 'b': \"it's\"}|(1, 'b')|[('k', 1)]|[('k', 2)]|x[1]None|where id in (1, 2)|"],
      ['set inside a loop: one scope per iteration, nothing leaks out (a namespace carries values out)', "{% set total = 0 %}{% for x in [1, 2, 3] %}{% set total = total + x %}{{ total }},{% endfor %}|{{ total }}|{% for i in range(3) %}{% if i == 0 %}{% set y = 'a' %}{% endif %}[{{ y }}]{% endfor %}|{% set ns = namespace(t=0) %}{% for x in [1, 2, 3] %}{% set ns.t = ns.t + x %}{% endfor %}{{ ns.t }}|{% for i in [] %}{% else %}{% set k = 5 %}{% endfor %}[{{ k }}]", '1,2,3,|0|[a][][]|6|[]'],
      ['set blocks and filter blocks are scopes of their own', "{% set y = 0 %}{% set x %}{% set y = 1 %}{{ y }}{% endset %}[{{ y }}]{{ x }}|{% filter upper %}{% set z = 'a' %}{{ z }}{% endfilter %}[{{ z }}]", '[0]1|A[]'],
      ['loop.previtem, nextitem, cycle, changed, depth', "{% for a in [1, 1, 2] %}{{ loop.previtem }}-{{ loop.nextitem }}-{{ loop.cycle('x', 'y') }}-{{ loop.changed(a) }}-{{ loop.depth }}{{ loop.depth0 }};{% endfor %}|{% for i in [1, 2, 3] %}{% for j in [1, 1] %}{{ loop.changed(j) }}{% endfor %}{% endfor %}|{% for c in 'abc' %}{{ loop.previtem }}{{ loop.nextitem }};{% endfor %}", '-1-x-True-10;1-2-y-False-10;1--x-True-10;|TrueFalseTrueFalseTrueFalse|b;ac;b;'],
      ['an integer after a dot indexes, and set takes a tuple without parentheses', "{% set rows = [[1, [2, 3]]] %}{{ rows.0.1.1 }}{{ rows.0.0 }}{{ (4, 5).1 }}|{% set a, b = 1, 2 %}{{ a }}{{ b }}|{% set t = 'x', %}{{ t }}|{% set u = 1, 2 %}{{ u }}", '315|12|(\'x\',)|(1, 2)'],
      ['break and continue (dbt enables loopcontrols)', "{% for i in range(5) %}{% if i == 3 %}{% break %}{% endif %}{% if i == 1 %}{% continue %}{% endif %}{{ i }}{% endfor %}|{% for i in range(3) %}{% for j in range(3) %}{% if j == 1 %}{% break %}{% endif %}{{ i }}{{ j }}{% endfor %};{% endfor %}|{% for k, v in {'a': 1, 'b': 2, 'c': 3}.items() %}{% if v == 2 %}{% continue %}{% endif %}{{ k }}{% endfor %}", '02|00;10;20;|ac'],
      ['groupby: sorted (grouper, list) tuples, case-insensitive', "{% for g in [{'s': 'b', 'v': 1}, {'s': 'a', 'v': 2}, {'s': 'B', 'v': 3}] | groupby('s') %}{{ g.grouper }}:{{ g.list | map(attribute='v') | list }};{% endfor %}|{% for s, rows in [{'s': 2}, {'s': 1}, {'s': 2}] | groupby('s') %}{{ s }}{{ rows | length }}{% endfor %}|{{ [{'s': 1}] | groupby('s') }}", "a:[2];b:[1, 3];|1122|[(1, [{'s': 1}])]"],
      ['dictsort with by and reverse, truncate with Jinja\'s length, killwords and leeway', "{{ {'b': 1, 'A': 2, 'c': 0} | dictsort }}|{{ {'b': 1, 'A': 2, 'c': 0} | dictsort(by='value') }}|{{ {'b': 1, 'a': 2} | dictsort(reverse=true) }}|{{ 'hello world foo bar' | truncate(12) }}|{{ 'hello world foo bar' | truncate(12, true) }}|{{ 'hello world' | truncate(9, leeway=0) }}|{{ 'short' | truncate(3) }}", "[('A', 2), ('b', 1), ('c', 0)]|[('c', 0), ('b', 1), ('A', 2)]|[('b', 1), ('a', 2)]|hello...|hello wor...|hello...|short"],
      ['more str methods, dict(), dict.get of a missing key is None', "{{ 'a-b-c'.rsplit('-', 1) }}{{ 'a b c'.split(maxsplit=1) }}{{ 'a=b=c'.rpartition('=') }}{{ 'stg_orders'.removeprefix('stg_') }}{{ 'AbC'.swapcase() }}{{ 'ab'.center(7, '*') }}|{{ dict(a=1) }}{{ dict({'x': 1}, y=2) }}|{{ {'a': 1}.get('b') }}|{{ {'a': 1}.get('b', 0) }}|{{ 'a\nb\n'.splitlines() }}", "['a-b', 'c']['a', 'b c']('a=b', '=', 'c')ordersaBc***ab**|{'a': 1}{'x': 1, 'y': 2}|None|0|['a', 'b']"],
      ['split and rsplit with maxsplit keep the rest as Python does; find, rfind, count, index with start and end', "{{ '  a b  c  '.rsplit(None, 1) }}{{ ' a b  '.split(None, 1) }}|{{ 'abcabc'.rfind('b', 0, 3) }}{{ 'abcabc'.find('c', 3) }}{{ 'abcabc'.find('c', -2) }}{{ 'abcabc'.count('a', 1) }}{{ 'ab'.index('b', 1, 2) }}", "['  a b', 'c']['a', 'b  ']|15511"],
      ['a test\'s one argument without parentheses', "{{ 6 is divisibleby 3 }}{{ 7 is not divisibleby 3 }}{{ false is sameas false }}{{ 2 is eq 2 }}{{ 'a' is in 'abc' }}{{ 'ab' is in ['ab'] }}{{ 'x' if 3 is odd else 'y' }}{{ 3 is odd and 4 is even }}{{ 2 is eq(2) }}{{ none is none }}", 'TrueTrueTrueTrueTrueTruexTrueTrueTrue'],
      ['floats as Python: / gives a float, 1.0 prints 1.0 (in SQL 5 / 2 is integer division, 5.0 / 2 is not), exponents past Python\'s thresholds', "{{ 10 / 2 }} {{ 10 // 2 }} {{ 7 / 2 }} {{ 1.0 }} {{ 2 * 1.5 }} {{ 1e16 }} {{ 0.00001 }} {{ -1.0 }} {{ 7.0 // 2 }} {{ 1 + 1.0 }} {{ 2 ** -1 }}|{% set x = 10 / 4 %}{{ x * 2 }} {{ (x * 2) | int }} {{ 5.0 == 5 }} {{ [1.0, 2] }} {{ 3 | float }} {{ -3.0 | abs }} {{ [1, 2.0] | sum }} {{ 1.0 is float }} {{ 1.0 is integer }}|{{ '%s %d' % (1.0, 1.0) }} {{ '{}'.format(2.0) }} {{ 1.0 ~ '' }} {{ {'a': 1.0} | tojson }}", '5.0 5 3.5 1.0 3.0 1e+16 1e-05 -1.0 3.0 2.0 0.5|5.0 5 True [1.0, 2] 3.0 3.0 3.0 True False|1.0 1 2.0 1.0 {"a": 1.0}'],
      ['round as Python: a half to the even neighbour, on the stored value', "{{ 2.5 | round }}|{{ 3.5 | round }}|{{ -2.5 | round }}|{{ 0.125 | round(2) }}|{{ 2.675 | round(2) }}|{{ 2.45 | round(1) }}|{{ 1250 | round(-2) }}|{{ 2.4 | round(0, 'ceil') }}|{{ 2.6 | round(0, 'floor') }}", '2.0|4.0|-2.0|0.12|2.67|2.5|1200|3.0|2.0'],
    ];
    for (const [what, template, expected] of cases) {
      it(what, () => {
        const { render } = setup({ 'macros/m.sql': `{% macro m() %}${template}{% endmacro %}` });
        expect(render(template)).toBe(expected);
        expect(render('{{ m() }}')).toBe(expected);
      });
    }
  });

  it('run_started_at is a datetime as in dbt (strftime, isoformat, parts), printed as ISO 8601', () => {
    const { render } = setup({ 'macros/d.sql': "{% macro stamp() %}{{ run_started_at.strftime('%Y%m%d') }}{% endmacro %}" });
    const printed = render('{{ run_started_at }}');
    expect(printed).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const day = printed.slice(0, 10);
    expect(render("{{ run_started_at.strftime('%Y-%m-%d') }}|{{ run_started_at.year }}|{{ run_started_at.date() }}|{{ run_started_at ~ '' }}")).toBe(`${day}|${day.slice(0, 4)}|${day}|${printed}`);
    expect(render('{{ run_started_at.isoformat() }}')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
    expect(render('{{ stamp() }}')).toBe(day.replace(/-/g, ''));
    // Still its ISO text for what templates did with the text: slices, string filters and methods.
    expect(render("{{ run_started_at[:10] }}|{{ run_started_at | replace('T', ' ') | length }}|{{ run_started_at.split('T')[0] }}|{{ run_started_at.date() | tojson }}")).toBe(`${day}|24|${day}|"${day}"`);
  });

  it('log(info=True) reaches the run once per render, also when a failed render is tried again; log() alone renders nothing', () => {
    const { engine, render, state } = setup({ 'macros/l.sql': "{% macro shout(x) %}{{ log('shout ' ~ x, info=True) }}{% endmacro %}" });
    const printed: string[] = [];
    engine.setLogSink((m) => printed.push(m));
    expect(render("{{ shout(1) }}{{ log('quiet') }}select 1")).toBe('select 1');
    expect(() => render("{{ log('before the error', info=True) }}{{ no_such_macro() }}")).toThrow();
    expect(printed).toEqual(['shout 1', 'before the error']);
    const quiet = state();
    render("{{ log('debug only') }}select 1", quiet);
    expect(quiet.readExecute).toBe(false); // a message that does not print does not make it render at run time
  });

  it('drops comments, including whitespace-controlled ones', () => {
    const { render } = setup();
    expect(render('a {#- note -#} b {# other #}c')).toBe('ab c');
  });

  it('supports set, if/elif/else, do, Python string/list/dict methods and slices', () => {
    const { render } = setup();
    const out = render(
      [
        '{% set cols = [] %}{% do cols.append("x") %}{% do cols.append("y") %}',
        '{{ cols | join(", ") }}|{{ "Hello World".upper() }}|{{ "a,b".split(",") | length }}',
        '|{{ "  pad ".strip() }}|{{ "abc"[1:] }}|{{ {"k": 1}.get("k") }}|{{ {"k": 1}.get("z", 9) }}',
        '|{% if cols | length > 2 %}big{% elif cols | length == 2 %}two{% else %}small{% endif %}',
        '|{{ "x_y".replace("_", "-") }}|{{ "abc".startswith("ab") }}|{{ "{}-{}".format(1, 2) }}',
        '|{{ none is none }}|{{ "s" is string }}',
      ].join(''),
    );
    expect(out).toBe('x, y|HELLO WORLD|2|pad|bc|1|9|two|x-y|True|1-2|True|True');
  });

  it('calls macros with positional and keyword arguments, and macros see other macros', () => {
    const { render } = setup({
      'macros/money.sql': '{% macro cents(col, scale=2) %}round({{ col }} / 100.0, {{ scale }}){% endmacro %}\n{% macro both(c) %}{{ cents(c) }}/{{ cents(c, scale=4) }}{% endmacro %}',
    });
    expect(render('{{ cents("amt") }} {{ cents(col="amt", scale=0) }} {{ both("x") }}')).toBe(
      'round(amt / 100.0, 2) round(amt / 100.0, 0) round(x / 100.0, 2)/round(x / 100.0, 4)',
    );
  });

  it('return() gives a macro a value, across files and within one file', () => {
    const { render } = setup({
      'macros/a.sql': '{% macro statuses() %}{{ return(["a", "b"]) }}{% endmacro %}{% macro count_statuses() %}{{ return(statuses() | length) }}{% endmacro %}',
      'macros/b.sql': '{% macro first_status() %}{{ return(statuses()[0]) }}{% endmacro %}',
    });
    expect(render('{{ statuses() | join("|") }} {{ count_statuses() }} {{ first_status() }}')).toBe('a|b 2 a');
  });

  it('a macro that ends with return() gives its caller its own variables back (same file)', () => {
    // The caller's `{% set %}` variables printed as nothing after the call, and a loop over the
    // call's value lost its frame.
    const { render } = setup({
      'macros/a.sql': [
        '{% macro one() %}{{ return(1) }}{% endmacro %}',
        '{% macro after_call() %}{% set z = 5 %}{% set y = one() %}[{{ z }}{{ y }}]{% endmacro %}',
        '{% macro statuses() %}{{ return(["a", "b"]) }}{% endmacro %}',
        "{% macro quoted() %}{% for s in statuses() %}'{{ s }}'{{ ', ' if not loop.last }}{% endfor %}{% endmacro %}",
        '{% macro wrap() %}({{ caller() }}){% endmacro %}',
        '{% macro with_call() %}{% set k = "v" %}{% call wrap() %}{{ one() }}{% endcall %}{{ k }}{% endmacro %}',
      ].join('\n'),
    });
    expect(render('{{ after_call() }} {{ quoted() }} {{ with_call() }}')).toBe("[51] 'a', 'b' (1)v");
  });

  it("scopes a set of a macro's argument or an outer loop variable to the loop or block, as Jinja2", () => {
    // nunjucks keeps those names in JavaScript variables, which a set assigned past the loop.
    const { render } = setup({
      'macros/a.sql': [
        '{% macro total(t) %}{% for x in [1, 2, 3] %}{% set t = t + x %}{% endfor %}{{ t }}{% endmacro %}',
        '{% macro each(a) %}{% for x in [1, 2] %}{{ a }}{% set a = a + 10 %}{{ a }};{% endfor %}{{ a }}{% endmacro %}',
        '{% macro late(a) %}{% for x in [1, 2] %}{% if x == 2 %}{% set a = 5 %}{% endif %}{{ a }}{% endfor %}{% for x in [] %}{% else %}{{ a }}{% set a = 6 %}{% endfor %}{{ a }}{% endmacro %}',
        '{% macro block(a) %}{% set y %}{% set a = 9 %}{{ a }}{% endset %}{{ a }}{{ y }}{% endmacro %}',
      ].join('\n'),
    });
    // Each expected text is Jinja2 3.1's.
    expect(render('{{ total(0) }}|{{ each(1) }}|{{ late(1) }}|{{ block(1) }}')).toBe('0|111;111;1|1511|19');
    expect(render('{% for a in [1] %}{% for x in [1, 2] %}{% set a = a + x %}{{ a }},{% endfor %}{{ a }}{% endfor %}|{% for x in [1, 2] %}{% set y %}{% set x = 9 %}{% endset %}{{ x }}{% endfor %}')).toBe('2,3,1|12');
  });

  it('a {% call %} body sees the variables where it is written, also calling a macro of the same file', () => {
    const { render } = setup({
      'macros/a.sql': '{% macro m() %}[{{ caller() }}]{% endmacro %}\n{% macro outer() %}{% for i in [1, 2] %}{% set t = i * 10 %}{% call m() %}{{ t }}{{ loop.index }}{% endcall %}{% endfor %}{% endmacro %}',
    });
    expect(render('{{ outer() }}')).toBe('[101][202]');
  });

  it('a break out of a nested loop\'s else leaves the frames as they were', () => {
    const { render } = setup({ 'macros/a.sql': '{% macro m() %}{% for x in [1] %}{% for y in [] %}{% else %}{% break %}{% endfor %}{% endfor %}{% set a = 2 %}{{ a }}{% endmacro %}' });
    expect(render('{{ m() }}|{% for x in [1] %}{% for y in [] %}{% else %}{% continue %}{% endfor %}{% endfor %}{% set a = 3 %}{{ a }}')).toBe('2|3');
  });

  it('supports {% call %} with caller()', () => {
    const { render } = setup({ 'macros/wrap.sql': '{% macro wrap() %}({{ caller() }}){% endmacro %}' });
    expect(render('{% call wrap() %}inner{% endcall %}')).toBe('(inner)');
  });

  it('generic test definitions become test_<name> macros', () => {
    const { engine } = setup({ 'macros/t.sql': '{% test positive(model, column_name) %}select 1{% endtest %}' });
    expect(engine.macros.get('test_positive')).toMatchObject({ isTest: true, argNames: ['model', 'column_name'] });
  });

  it('adapter.dispatch finds postgres__ and default__ implementations', () => {
    const { render } = setup({ 'macros/d.sql': '{% macro default__now() %}now(){% endmacro %}{% macro now_fn() %}{{ return(adapter.dispatch("now")()) }}{% endmacro %}' });
    expect(render('{{ now_fn() }}')).toBe('now()');
  });
});

describe('dbt context functions', () => {
  // Each expected text is what Jinja2 3.1 renders with dbt's definitions (Python's re, json, yaml, hashlib).
  it.each([
    ["{{ modules.re.sub('[aeiou]', '_', 'hello') }}|{{ modules.re.sub('(\\\\w+)@(\\\\w+)', '\\\\2 at \\\\1', 'me@host you@there') }}|{{ modules.re.sub('a', 'b', 'aaa', count=1) }}", 'h_ll_|host at me there at you|baa'],
    ["{% set m = modules.re.match('(\\\\d+)-(\\\\d+)', '12-34 rest') %}{{ m.group(0) }}|{{ m.group(1) }}|{{ m.groups() }}|{{ m.span() }}|{{ modules.re.match('b', 'ab') }}|{{ modules.re.search('b', 'ab').group() }}", "12-34|12|('12', '34')|(0, 5)|None|b"],
    ["{{ modules.re.findall('\\\\d+', 'a1b22') }}|{{ modules.re.findall('(\\\\w)(\\\\d)', 'a1 b2') }}|{{ modules.re.split(',\\\\s*', 'a, b,c') }}|{{ modules.re.split('x*', 'axbc') }}", "['1', '22']|[('a', '1'), ('b', '2')]|['a', 'b', 'c']|['', 'a', '', 'b', 'c', '']"],
    ["{% set p = modules.re.compile('^stg_(?P<name>\\\\w+)$', modules.re.I) %}{{ p.match('STG_orders').group('name') }}|{{ modules.re.escape('a.b*c') }}|{% if modules.re.fullmatch('\\\\d{4}', '2024') %}year{% endif %}", 'orders|a\\.b\\*c|year'],
    ["{{ tojson({'b': 1, 'a': [1, none, true, 'é']}) }}|{{ fromjson('{\"x\": [1, 2]}').x[1] }}|{{ fromjson('nope', 'd') }}|{{ local_md5('hello') }}|{{ zip_strict([1, 2], ['a', 'b']) | list }}|{{ fromyaml('a: 1\nb: [x, y]') }}", '{"b": 1, "a": [1, null, true, "\\u00e9"]}|2|d|5d41402abc4b2a76b9719d911017c592|[(1, \'a\'), (2, \'b\')]|{\'a\': 1, \'b\': [\'x\', \'y\']}'],
  ])('%s', (template, expected) => {
    const { render } = setup({ 'macros/m.sql': `{% macro m() %}${template}{% endmacro %}` });
    expect(render(template)).toBe(expected);
    expect(render('{{ m() }}')).toBe(expected);
  });

  it('a template asking modules.datetime for the time is rendered again at run time; one using modules.re is not', () => {
    const { render, state } = setup();
    const timed = state();
    expect(render("{{ modules.datetime.datetime.now().strftime('%Y') }}|{{ modules.datetime.date.today().year }}", timed)).toMatch(/^(\d{4})\|\1$/);
    expect(timed.readExecute).toBe(true);
    const pure = state();
    render("{{ modules.re.sub('a', 'b', 'a') }}", pure);
    expect(pure.readExecute).toBe(false);
  });

  it('config() takes keyword arguments and config.get reads them back', () => {
    const { render, state } = setup();
    const s = state({ config: { materialized: 'view' } });
    const out = render("{{ config(materialized='table', tags=['a', 'b'], unique_key=['id', 'day']) }}{{ config.get('materialized') }} {{ config.get('missing', 'dflt') }}", s);
    expect(out).toBe('table dflt');
    expect(s.configCalls).toEqual([{ materialized: 'table', tags: ['a', 'b'], unique_key: ['id', 'day'] }]);
  });

  it('var() uses the value, then the default, and records what it read', () => {
    const { render, state } = setup({}, { start: '2020-01-01' });
    const s = state();
    expect(render("{{ var('start') }} {{ var('limit', 10) }}", s)).toBe('2020-01-01 10');
    expect(s.varsRead).toEqual({ start: '2020-01-01', limit: { unset: true, default: 10 } });
  });

  it('a var without value or default is an error naming the model, the line and the fix', () => {
    const { render } = setup();
    const err = renderError(() => render("select 1\nwhere x > {{ var('threshold') }}"));
    expect(err.code).toBe('VAR');
    expect(err.message).toContain("var('threshold')");
    expect(err.message).toContain('m');
    expect(err.location).toMatchObject({ file: 'models/m.sql', line: 2 });
    expect(err.hint).toContain('--vars');
  });

  it('the same var error comes out of the full template engine path', () => {
    const { render } = setup();
    const err = renderError(() => render("{% if true %}\n\n  {{ var('threshold') }}{% endif %}"));
    expect(err.code).toBe('VAR');
    expect(err.location).toMatchObject({ line: 3 });
  });

  it('env_var() reads the environment with an optional default', () => {
    const { render, state } = setup();
    const s = state();
    expect(render("{{ env_var('HOME_TOWN') }} {{ env_var('NOPE', 'x') }}", s)).toBe('Paris x');
    expect(s.envRead).toEqual({ HOME_TOWN: 'Paris', NOPE: null });
    expect(renderError(() => render("{{ env_var('NOPE') }}")).code).toBe('VAR');
  });

  it('ref, source and this print quoted relations and expose their parts', () => {
    const { render } = setup();
    expect(render("{{ ref('orders') }} {{ source('raw', 'events') }} {{ this }} {{ ref('orders').identifier }} {{ this.schema }}")).toBe(
      '"analytics"."orders" "raw"."events" "analytics"."m" orders analytics',
    );
  });

  it('in the parse pass, relations print placeholders and attribute reads are noticed', () => {
    const { render, state } = setup();
    const s = state({ resolve: undefined });
    const out = render("select * from {{ ref('a') }} join {{ source('s', 't') }} on true -- {{ ref('b').name }}", s);
    expect(out).toMatch(/^select \* from \u00010\u0002 join \u00011\u0002 on true -- b$/);
    expect(s.relations.map((r) => r.kind)).toEqual(['ref', 'source', 'ref']);
    expect(s.readRelationAttributes).toBe(true);
  });

  it('is_incremental(), execute, target and log behave as in dbt', () => {
    const { render, state } = setup();
    const s = state({ isIncremental: true });
    expect(render("{% if is_incremental() %}inc{% endif %} {{ execute }} {{ target.schema }}/{{ target.name }}{{ log('hi', info=True) }}", s)).toBe('inc False analytics/dev');
    expect(s.calledIsIncremental).toBe(true);
    expect(s.readExecute).toBe(true);
    expect(s.logs).toEqual([{ message: 'hi', info: true }]);
  });

  it('exceptions.raise_compiler_error stops with the message and the line', () => {
    const { render } = setup();
    const err = renderError(() => render("select 1\n{{ exceptions.raise_compiler_error('bad input') }}"));
    expect(err.message).toBe('bad input');
    expect(err.location?.line).toBe(2);
  });
});

describe('template errors', () => {
  it('division by zero is Python\'s error at its line, not Infinity', () => {
    const { render } = setup();
    for (const t of ['{{ 1 / 0 }}', '{{ 1 // 0 }}', '{{ 1 % 0 }}', '{{ 1.5 / 0.0 }}']) {
      const e = renderError(() => render(`select\n  ${t}`));
      expect(e.message).toMatch(/^ZeroDivisionError: /);
      expect(e.location).toMatchObject({ line: 2 });
    }
  });

  it("a filter's error names the filter's line; truncate of None is Python's TypeError", () => {
    const { render } = setup();
    const sorted = renderError(() => render("select 1,\n  {{ {'a': 1} | dictsort(by='x') }}"));
    expect(sorted.message).toMatch(/sort by either 'key' or 'value'/);
    expect(sorted.location).toMatchObject({ line: 2, column: 17 });
    const none = renderError(() => render('select {{ 1 }}\n\n{{ none | truncate(2) }}'));
    expect(none.message).toBe("object of type 'NoneType' has no len()");
    expect(none.location).toMatchObject({ line: 3 });
  });

  it('prints a function by its name, not its JavaScript source', () => {
    const { render } = setup();
    expect(render('{% for x in [1] %}{{ loop.cycle }}{% endfor %}')).toBe('<function <lambda>>');
  });

  it('break or continue outside a loop, and unpacking the wrong number of values, name the line', () => {
    const { render } = setup();
    const outside = renderError(() => render('select 1\n{% if true %}{% break %}{% endif %}'));
    expect(outside.message).toMatch(/'break' outside of a for loop/);
    expect(outside.location).toMatchObject({ file: 'models/m.sql', line: 2 });
    // A call block's body is a function of its own, even inside a loop (Jinja2 rejects it too).
    const inCall = renderError(() => render('{% for i in [1] %}{% call m() %}\n{% continue %}{% endcall %}{% endfor %}'));
    expect(inCall.message).toMatch(/'continue' outside of a for loop/);
    expect(inCall.location).toMatchObject({ line: 2 });
    const unpack = renderError(() => render('select 1\n\n{% set a, b, c = 1, 2 %}'));
    expect(unpack.message).toMatch(/not enough values to unpack \(expected 3, got 2\)/);
    expect(unpack.location).toMatchObject({ line: 3 });
  });

  it('a syntax error names the file, line and column', () => {
    const { render } = setup();
    const err = renderError(() => render('select\n  {{ ref("a" }}\nfrom x'));
    expect(err.code).toBe('TEMPLATE');
    expect(err.location).toMatchObject({ file: 'models/m.sql', line: 2 });
  });

  it('an unknown function is reported where it is called, with a suggestion', () => {
    const { render } = setup({ 'macros/m.sql': '{% macro cents_to_dollars(c) %}{{ c }}{% endmacro %}' });
    const err = renderError(() => render('select\n  1,\n  {{ cents_to_dolars("x") }}\nfrom t'));
    expect(err.message).toContain("'cents_to_dolars' is not a known function or macro");
    expect(err.location).toMatchObject({ line: 3, column: 6 });
    expect(err.hint).toContain("'cents_to_dollars'");
  });

  it('an unknown or misspelled tag is reported with a hint', () => {
    const { render } = setup();
    const err = renderError(() => render('{% if x %}\nselect 1\n{% endfi %}'));
    expect(err.message).toContain('endfi');
    expect(err.location?.line).toBe(3);
  });

  it('macro files with errors and duplicate macros are reported with positions', () => {
    const engine = new TemplateEngine('proj');
    const errors = engine.loadMacros([
      { file: 'macros/a.sql', text: '{% macro a() %}x{% endmacro %}' },
      { file: 'macros/b.sql', text: '\n{% macro a() %}y{% endmacro %}' },
      { file: 'macros/c.sql', text: '{% macro c( %}' },
    ]);
    expect(errors.map((e) => [e.code, e.location?.file, e.location?.line])).toEqual([
      ['DUPLICATE', 'macros/b.sql', 2],
      ['TEMPLATE', 'macros/c.sql', 1],
    ]);
  });
});

describe('static fast path', () => {
  // Files that only call ref/source/config/var with literals skip nunjucks; the result must be
  // identical to what nunjucks produces. Adding `{% if true %}{% endif %}` forces nunjucks.
  const cases = [
    "select * from {{ ref('a') }} join {{ source('s', 't') }} using (id)",
    `{{ config(materialized='table', tags=['x', "y"], enabled=true, unique_key=none) }}\nselect {{ var('n', 3) }} as n, '{{ var('s', "it's") }}' as s`,
    "-- {# comment #} {{ ref('proj', 'a') }}\nselect {{ var('list', [1, 2]) }}",
    'select 1',
  ];
  it.each(cases)('renders %j exactly like nunjucks', (text) => {
    const { render, state } = setup();
    const fast = state();
    const slow = state();
    const fastOut = render(text, fast);
    const slowOut = render(`${text}{% if true %}{% endif %}`, slow);
    expect(fastOut).toBe(slowOut);
    expect(fast.relations).toEqual(slow.relations);
    expect(fast.configCalls).toEqual(slow.configCalls);
    expect(fast.varsRead).toEqual(slow.varsRead);
  });

  // Macros called with literal arguments take the fast path too, calling the compiled macro.
  const macros = {
    'macros/m.sql': [
      "{% macro cents(col, scale=2) -%} ({{ col }} / 100)::numeric(16, {{ scale }}) {%- endmacro %}",
      "{% macro label(prefix='x') -%} '{{ prefix }}_{{ var(\"who\", \"nobody\") }}' from {{ ref('b') }} {%- endmacro %}",
      "{% macro nothing() %}{% endmacro %}",
      "{% macro fails(n) %}{{ exceptions.raise_compiler_error('bad ' ~ n) }}{% endmacro %}",
    ].join('\n'),
  };
  const macroCases = [
    "select {{ cents('amount') }}, {{ cents('fee', scale=4) }} from {{ ref('a') }}",
    "select {{ label() }} where {{ label(prefix='y') }} <> '{{ var('who', 'z') }}'{{ nothing() }}",
  ];
  it.each(macroCases)('renders %j exactly like nunjucks', (text) => {
    const { render, state } = setup(macros, { who: 'me' });
    const fast = state();
    const slow = state();
    const fastOut = render(text, fast);
    const slowOut = render(`${text}{% if true %}{% endif %}`, slow);
    expect(fastOut).toBe(slowOut);
    expect(scanStatic(text, (name) => ['cents', 'label', 'nothing'].includes(name))).toBeDefined();
    expect(fast.relations).toEqual(slow.relations);
    expect(fast.varsRead).toEqual(slow.varsRead);
    expect([...fast.macrosCalled]).toEqual([...slow.macrosCalled]);
  });

  it('an error raised in a macro is the error nunjucks reports', () => {
    const { render } = setup(macros);
    const text = "select 1\nfrom {{ ref('a') }} where {{ fails(3) }}";
    const fast = renderError(() => render(text));
    const slow = renderError(() => render(`${text}{% if true %}{% endif %}`));
    expect(fast.message).toContain('bad 3');
    expect([fast.code, fast.message, fast.location]).toEqual([slow.code, slow.message, slow.location]);
  });
});
