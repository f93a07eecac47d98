/**
 * Loops, operators and the static path after review: a loop over a big mapping is linear, `loop.*`
 * members keep working, operator trees the interpreter leaves to the compiler give Jinja2's
 * results, and a big int in a static `var()` default is an error.
 * Every template is rendered in a model (interpreted, or the static path) and inside a macro
 * (compiled): the two must agree.
 */
import { describe, expect, it } from 'vitest';
import { createRenderState, type RenderState } from '../../../src/template/render-state.js';
import { TemplateEngine } from '../../../src/template/template-engine.js';
import { interpretTemplate } from '../../../src/template/template-interpreter.js';
import { renderInModelAndMacro } from '../../helpers/render-state.js';

const BIG = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]));
const VARS: Record<string, unknown> = { big: BIG, small: { a: 1, b: 2, c: 3 } };

function state(): RenderState {
  return createRenderState({
    nodeName: 'm',
    uniqueId: 'model.proj.m',
    file: 'models/m.sql',
    vars: (n) => (n in VARS ? { found: true, value: VARS[n] } : { found: false }),
    env: {},
    target: { name: 'dev', schema: 'analytics', type: 'postgres', threads: 4 },
    resolve: () => ({ schema: 'analytics', identifier: 'm' }),
  });
}

/** The output in a model and in a macro, which must agree (renderInModelAndMacro), with this file's vars. */
const render = (template: string): string => renderInModelAndMacro(template, state);

const interpreted = (template: string) => interpretTemplate(template, new TemplateEngine('proj').env, 'models/m.sql');

describe('loops after review', () => {
  it('loops over a 20,000-key mapping with loop.previtem / nextitem / cycle / changed in linear time', () => {
    const body = '{{ loop.previtem[0] if loop.previtem }}>{{ loop.nextitem[1] if loop.nextitem }}{{ loop.cycle("a", "b") }}{{ loop.changed(v // 10) }};';
    for (const loop of [`{% for k, v in var('big') %}${body}{% endfor %}`, `{% for k, v in var('big').items() %}${body}{% endfor %}`]) {
      expect(interpreted(loop)).toBeDefined();
      const out = render(loop).split(';');
      expect(out.length).toBe(20_001);
      expect(out.slice(0, 3)).toEqual(['>1aTrue', 'k0>2bFalse', 'k1>3aFalse']);
      expect(out[10]).toBe('k9>11aTrue');
      expect(out[19_999]).toBe('k19998>bFalse');
    }
  });

  it('keeps loop.* of a mapping as Jinja2 gives them, a stored loop.cycle reading the current iteration', () => {
    // Jinja2's outputs (python3 -c 'import jinja2 ...').
    expect(render("{% for k, v in var('small').items() %}{{ loop.previtem }}|{{ loop.nextitem }}|{{ loop.cycle('x', 'y') }}|{{ loop.changed(v > 1) }};{% endfor %}")).toBe(
      "|('b', 2)|x|True;('a', 1)|('c', 3)|y|True;('b', 2)||x|False;",
    );
    expect(render("{% for k, v in var('small') %}{{ loop.previtem }}|{{ loop.nextitem }};{% endfor %}")).toBe("|('b', 2);('a', 1)|('c', 3);('b', 2)|;");
    expect(render("{% for i in range(3) %}{% set c = loop.cycle %}{{ c('a', 'b', 'c') }}{% endfor %}")).toBe('abc');
    expect(render('{% for i in [1, 2] %}{% for j in [1, 1] %}{{ loop.changed(j) }}{{ loop.cycle(0, 1) }}{% endfor %}{% endfor %}')).toBe('True0False1True0False1');
    expect(render('{% for x in [1] %}{{ loop.cycle }} {{ loop.changed }}{% endfor %}')).toBe('<function <lambda>> <function <lambda>>');
  });

  it('break and continue in loops over mappings, arrays and nested loops, loops without them unchanged', () => {
    const template =
      "{% for k, v in var('small').items() %}{% if k == 'b' %}{% continue %}{% endif %}{{ k }}{% for j in [1, 2, 3] %}{% if j == 2 %}{% break %}{% endif %}{{ j }}{% endfor %};{% endfor %}";
    expect(interpreted(template)).toBeDefined();
    expect(render(template)).toBe('a1;c1;'); // Jinja2's
    expect(render("{% for k, v in var('small') %}{% if v == 2 %}{% break %}{% endif %}{{ k }}{% endfor %}|{% for x in [1, 2] %}{{ x }}{% endfor %}")).toBe('a|12');
    expect(() => render('{% for x in [1] %}{{ ref() }}{% endfor %}')).toThrow(/ref\(\) takes a model name.*\|.*ref\(\) takes a model name/s);
  });
});

describe('operators the interpreter leaves to the compiler', () => {
  // Jinja2's outputs for each, in a model (the compiler, as template-interpreter.test.ts' COMPILED) and in a macro.
  const CASES: Array<[string, string]> = [
    ['{% set x = none %}{{ not x is none }}|{{ not 1 is none }}', 'False|True'],
    ['{% set a = 3 %}{{ - -a }}|{{ -(-a) }}|{{ - - 2.5 }}|{{ + -a }}|{{ not not a }}|{{ - - 3 }}', '3|3|2.5|-3|True|3'],
    ["{{ 1 == 1 == 1 }}|{{ 1 == 1 == 2 }}|{{ 1 < 2 < 3 }}|{{ 3 > 2 > 2 }}|{{ 1 < 2 == True }}|{{ 'a' != 'b' != 'a' }}", 'True|False|True|False|False|True'],
    ['{{ not 1 == 2 }}|{{ 1 - -1 }}|{{ not x is defined and 1 }}', 'True|2|1'],
  ];
  it.each(CASES)('renders %j as Jinja2 does', (template, jinja) => {
    expect(render(template)).toBe(jinja);
  });
});

describe('the static path', () => {
  it("leaves an int past 2^53 in var()'s default to nunjucks' path, which fails rather than print another number", () => {
    expect(() => render("select {{ var('x', 12345678901234567891) }}")).toThrow(/12345678901234567891.*2\^53.*\|.*12345678901234567891.*2\^53/s);
    expect(() => render("select {{ var('x', 9007199254740993) }}")).toThrow(/9007199254740993.*2\^53/);
    // One a double holds exactly is that int, as in Jinja2.
    expect(render("select {{ var('x', 1152921504606846976) }}, {{ var('x', -42) }}, {{ var('x', 9007199254740991) }}")).toBe('select 1152921504606846976, -42, 9007199254740991');
  });
});

describe('arguments bound by name', () => {
  it("log(msg, info) and dbt's naming macros take their arguments by position or keyword", () => {
    const s = state();
    expect(new TemplateEngine('proj').render('models/m.sql', "{{ log('a', True) }}{{ log(msg='b', info=True) }}{{ log('c') }}{{ log(msg='d') }}", s)).toBe('');
    expect(s.logs).toEqual([
      { message: 'a', info: true },
      { message: 'b', info: true },
      { message: 'c', info: false },
      { message: 'd', info: false },
    ]);
    expect(
      render(
        "{{ default__generate_schema_name('x', none) }} {{ default__generate_schema_name(custom_schema_name=' y ', node=none) }} {{ default__generate_schema_name(none) }} " +
          "{{ generate_schema_name_for_env(custom_schema_name='c') }} {{ default__generate_alias_name(none, {'name': 'n'}) }} {{ default__generate_alias_name(custom_alias_name='al', node={'name': 'n'}) }} {{ default__generate_alias_name(node={'name': 'n'}) }}",
      ),
    ).toBe('analytics_x analytics_y analytics analytics n al n');
  });
});
