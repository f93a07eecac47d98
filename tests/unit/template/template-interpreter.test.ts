/**
 * The interpreter (template-interpreter.ts) against nunjucks' compiled templates: the same output,
 * the same calls recorded in the render state, the same errors, on a table of templates.
 */
import nunjucks from 'nunjucks';
import { describe, expect, it, vi } from 'vitest';
import { StrataError } from '../../../src/errors/strata-error.js';
import { createRenderState, withState, type RenderState } from '../../../src/template/render-state.js';
import { TemplateEngine } from '../../../src/template/template-engine.js';
import { interpretTemplate } from '../../../src/template/template-interpreter.js';
import { shapeOf } from '../../../src/template/template-shapes.js';

const MACROS = {
  'macros/m.sql': [
    "{% macro cents_to_dollars(col, scale=2) -%} ({{ col }} / 100)::numeric(16, {{ scale }}) {%- endmacro %}",
    '{% macro cols(prefix, names) %}{% for n in names %}{{ prefix }}.{{ n }}{{ "," if not loop.last }}{% endfor %}{% endmacro %}',
    "{% macro fails() %}{{ exceptions.raise_compiler_error('macro says no') }}{% endmacro %}",
    '{% macro answer() %}{{ return(42) }}{% endmacro %}',
  ].join('\n'),
};

const VARS: Record<string, unknown> = { days: 7, names: ['a', 'b', 'c'], flags: { x: true, y: false }, empty: [] };

function setup() {
  const engine = new TemplateEngine('proj');
  expect(engine.loadMacros(Object.entries(MACROS).map(([file, text]) => ({ file, text })))).toEqual([]);
  const state = (): RenderState =>
    createRenderState({
      nodeName: 'm',
      uniqueId: 'model.proj.m',
      file: 'models/m.sql',
      vars: (n) => (n in VARS ? { found: true, value: VARS[n] } : { found: false }),
      env: { HOME_TOWN: 'Paris' },
      target: { name: 'dev', schema: 'analytics', type: 'postgres', threads: 4 },
    });
  return { engine, state };
}

type Outcome = { output?: string; error?: string; state: Partial<RenderState> };

function recorded(s: RenderState): Partial<RenderState> {
  return { config: s.config, configCalls: s.configCalls, relations: s.relations, varsRead: s.varsRead, envRead: s.envRead, logs: s.logs, macrosCalled: s.macrosCalled, calledIsIncremental: s.calledIsIncremental, readExecute: s.readExecute };
}

function describeError(e: unknown): string {
  const s = e as StrataError;
  return `${s.code} ${s.message} @${s.location?.line}:${s.location?.column}`;
}

/** What strata's engine gives (the interpreter, when it takes the template). */
function viaEngine(engine: TemplateEngine, state: RenderState, text: string, file: string): Outcome {
  try {
    return { output: engine.render(file, text, state), state: recorded(state) };
  } catch (e) {
    return { error: describeError(e), state: recorded(state) };
  }
}

/** What nunjucks' compiled template gives, errors converted as the engine converts them. */
function viaCompiler(engine: TemplateEngine, state: RenderState, text: string, file: string): Outcome {
  try {
    const output = withState(state, () => new nunjucks.Template(text, engine.env, file, true).render({}));
    return { output, state: recorded(state) };
  } catch (e) {
    return { error: describeError(engine.toStrataError(e, file, text)), state: recorded(state) };
  }
}

/** Templates the interpreter takes. */
const INTERPRETED: string[] = [
  'plain text, no tags',
  '',
  '{{ 1 }}{{ 1.5 }}{{ "s" }}{{ true }}{{ false }}{{ none }}{{ True }}{{ None }}',
  "select 1 from {{ ref('orders') }} join {{ source('raw', 'people') }}",
  '{{ config(materialized="table", tags=["a", "b"]) }}select {{ var("days") }}, {{ var("missing", 3) }}',
  '{{ env_var("HOME_TOWN") }} {{ env_var("NOPE", "dflt") }}',
  'select\n{%- for c in ["a", "b", "c"] %}\n  {{ c }}{% if not loop.last %},{% endif %} -- {{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/{{ loop.length }}{{ " first" if loop.first }}\n{%- endfor %}\nfrom t',
  '(\n    {%- for i in range(3) %}\n        p1.value * {{ i + 1 }}{% if not loop.last %} +{% endif %}\n    {%- endfor %}\n    )',
  '{%- for i in range(2) -%}\n  {%- for j in range(3) -%} {{ i }}{{ j }}{{ loop.last }} {%- endfor %}|{{ loop.index }}\n{%- endfor -%}',
  '{% for i in var("empty") %}x{% else %}empty{% endfor %}',
  '{% for i in undefined_thing %}x{% else %}no such list{% endfor %}',
  '{% for i in [] %}{% else %}else{% endfor %}{% for i in [1] %}{{ i }}{% else %}else{% endfor %}',
  // The generated code keeps the last length in a function-wide local: after a non-empty inner loop
  // a missing list does not reach its else.
  '{% for outer in [[1, 2], none, []] %}[{% for x in outer %}{{ x }}{% else %}E{% endfor %}]{% endfor %}',
  '{% for k, v in {"a": 1, "b": 2} %}{{ k }}={{ v }}{{ loop.index }};{% endfor %}',
  '{% for k, v in [["a", 1], ["b", 2]] %}{{ k }}={{ v }};{% endfor %}',
  '{% for k, v in var("flags").items() %}{{ k }}:{{ v }} {% endfor %}',
  '{% for c in "abc" %}{{ c }}-{% endfor %}',
  '{% for x in var("names") %}{{ cents_to_dollars(x) }}{% if not loop.last %}, {% endif %}{% endfor %}',
  '{% for x in var("names") %}{{ cents_to_dollars(x, scale=loop.index) }}\n{% endfor %}{{ cols("t", var("names")) }}',
  '{{ proj.cents_to_dollars("amount") }}',
  '{% set xs = [] %}{% for n in range(4) %}{% do xs.append(n * 2) %}{% endfor %}{{ xs | join(",") }}',
  '{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set _private = 3 %}{{ _private }}',
  '{% for i in range(5) %}{% if i == 3 %}{% break %}{% endif %}{% if i == 1 %}{% continue %}{% endif %}{{ i }}{% set s %}{% if i == 2 %}{% continue %}{% endif %}x{% endset %}{{ s }}{% endfor %}',
  '{% for k, v in {"a": 1, "b": 2, "c": 3} %}{% for j in [1, 2] %}{% if j == 2 %}{% break %}{% endif %}{{ k }}{{ j }}{% endfor %}{% if v == 2 %}{% break %}{% endif %}{% endfor %}',
  '{{ 10 / 2 }} {{ 7 // 2.0 }} {{ -1.0 }} {{ +2.0 }} {{ 2 ** -1 }} {{ 1e3 - 1 }} {{ 0.5 * 2 }} {{ (1.0, 2) }} {% set f = 3 / 3 %}{{ f }}{{ f | int }}{{ f + 1 }}',
  // Jinja2's left-associative `+` / `-` (arithmetic-syntax.ts): a tree the printed calls keep.
  '{{ 1 + 2 - 3 }} {{ 2 * 7 // 2 }} {{ 2 * 5 % 3 }}',
  '{% for i in [1, 1, 2] %}{{ loop.previtem }}/{{ loop.nextitem }}/{{ loop.cycle("o", "e") }}/{{ loop.changed(i) }}/{{ loop.depth }}{{ loop.depth0 }};{% endfor %}',
  '{% for k, v in {"a": 1, "b": 2} %}{{ loop.previtem }}|{{ loop.nextitem }};{% endfor %}',
  '{% for i in [1, 2] %}{% if i == 1 %}{% set x = "a" %}{% endif %}[{{ x }}]{% endfor %}{{ x }}{% for i in [] %}{% else %}{% set y = 1 %}{% endfor %}{{ y }}',
  '{% set x %}{% set y = 1 %}{{ y }}{% endset %}[{{ y }}]{{ x }}{% filter upper %}{% set z = "a" %}{{ z }}{% endfilter %}[{{ z }}]',
  '{% set total = 0 %}{% for n in [1, 2, 3] %}{% set total = total + n %}{{ total }}{% endfor %}|{{ total }}',
  '{% for n in [1, 2] %}{% set n = n * 10 %}{{ n }}{% endfor %}',
  '{% set block %}\n  inside {{ 1 + 1 }}\n{% endset %}[{{ block }}]{{ block | trim }}',
  '{% filter upper %}shout {{ "it" }}{% endfilter %}',
  '{% if var("days") > 5 %}long{% elif var("days") > 1 %}short{% else %}none{% endif %}',
  '{% if not var("missing_var", none) %}missing{% endif %}{{ none is none }}{% if undefined_x is none %}none{% endif %}{% if "s" is string %}string{% endif %}',
  '{% if 2 is divisibleby(2) %}even{% endif %}{% if 3 is odd %}odd{% endif %}{% if x is defined %}def{% else %}undef{% endif %}',
  '{{ "b" in ["a", "b"] }}{{ "z" not in "abc" }}{{ "k" in {"k": 1} }}',
  '{{ 1 and 2 }} {{ 0 or "x" }} {{ none or 0 }} {{ 1 and 0 or 5 }} {{ not 1 }} {{ not none }}',
  '{{ 7 // 2 }} {{ 7 % 3 }} {{ 2 ** 10 }} {{ 7 / 2 }} {{ 3 - 1 - 1 }} {{ 2 * 3 + 1 }} {{ 1 + 2 * 3 }} {{ -3 }} {{ -(1 + 2) }} {{ 1 - -3 }}',
  // Jinja2's `~` binds tighter than `+` and looser than `*` (arithmetic-syntax.ts).
  '{{ "a" ~ 1 ~ none }} {{ 1 ~ 2 }} {{ (1 + 2) ~ "x" }} {{ "x" ~ (1 + 2) }} {{ 1 ~ 2 * 3 }} {{ 2 * 3 ~ 1 }} {{ "a" ~ "b" == "ab" }}',
  '{{ 1 == 1.0 }} {{ "1" == 1 }} {{ 1 != 2 }} {{ 1 < 2 }} {{ 2 <= 2 }} {{ 3 > 4 }} {{ 3 >= 4 }} {{ (1, 2) }}',
  '{{ [1, 2][0] }} {{ {"a": {"b": "c"} }.a.b }} {{ {"a": 1}["a"] }} {{ var("names")[1] }} {{ var("names") | length }} {{ missing.attr }}',
  '{{ ["b", "a"] | sort | join("+") }} {{ "Ab" | upper }} {{ "Ab" | lower }} {{ none | default("d") }} {{ "" | default("d", true) }}',
  '{{ [1, 2, 3] | first }} {{ [1, 2, 3] | last }} {{ "  x " | trim }} {{ "a-b" | replace("-", "_") }} {{ 3.7 | int }} {{ "2.5" | float }} {{ -2 | abs }}',
  '{{ [1, none] | join(",") }} {{ {"x": 1} | tojson }} {{ "x" | as_text }} {{ [3, 1, 3] | unique | join }} {{ [{"a": 1}] | map(attribute="a") | join }}',
  '{{ "a,b".split(",") | list }} {{ "x_y".replace("_", "-") }} {{ "{}-{}".format(1, 2) }} {{ "abc".startswith("a") }}',
  '{{ "yes" if var("days") else "no" }} {{ "no else" if false }}',
  '{{ this }} {{ target.schema }} {{ model.name if model is mapping else model }} {{ execute }} {{ is_incremental() }}',
  '{{ log("hello", info=true) }}{% do log("quiet") %}',
  '{{ answer() }} {{ answer() + 1 }}',
  '{{ x }}{{ y.z }}{{ nothing | default("fallback") }}',
  'multi\nline\n{{ 1 }}\n  {%- if true %} trimmed {% endif -%}  \n end',
  '{{ ref("a") }}{% for m in ["b", "c"] %} join {{ ref(m) }}{% endfor %}',
  "{{ adapter.quote('col') }} {{ dbt_utils if false else 'no utils' }}",
  "{% for name, value in [('x', 1), ('y', 2)] %}{{ name }}={{ value }};{% endfor %}",
  '{{ ("a", "b") | join("-") }} {{ (1 + 2) * 3 }} {{ ((1, 2), 3) | length }}',
  '{{ 10 - 2 - 3 }} {{ 2 * 3 * 4 }} {{ 1 - 2 + 3 }} {{ 100 / 10 / 2 }} {{ not (1 == 2) }} {{ (not 1) == false }}',
  '{% set ns = namespace(n=0, items=[]) %}{% for x in var("names") %}{% set ns.n = ns.n + loop.index %}{% do ns.items.append(x) %}{% endfor %}{{ ns.n }} {{ ns.items | join }}',
  '{% set ns = namespace() %}{% set ns.body %}b{{ 1 }}{% endset %}{% set ns["k"] = ref("a") %}{{ ns.body }} {{ ns.k }}',
];

/** Templates the interpreter leaves to the compiler (what it cannot mirror exactly). */
const COMPILED: string[] = [
  '{% macro local() %}x{% endmacro %}{{ local() }}',
  '{% call cols("t", ["a"]) %}body{% endcall %}',
  '{{ "abc"[1:] }}',
  '{{ 1 < 2 < 3 }}',
  '{{ not 1 == 2 }}',
  // 1 + (2 ~ 3): a TypeError in both, as in Jinja2.
  '{{ 1 + 2 ~ 3 }}',
  '{{ not x is none }}',
  '{{ - - 3 }}',
  '{{ r/a+/g }}',
  '{% raw %}{{ x }}{% endraw %}{% include "other.sql" %}',
  '{% block b %}x{% endblock %}',
  '{{ foo( }}',
  '{% if %}',
];

/** Templates whose render fails: the error (message and position) is nunjucks'. */
const FAILING: string[] = [
  '{{ not_a_macro(1) }}',
  'line one\n  {{ ref("a") }} then {{ unknown.fn() }}',
  "{{ exceptions.raise_compiler_error('stop here') }}",
  '{% for x in var("names") %}\n{{ fails() }}{% endfor %}',
  '{{ return(1) }}',
  '{{ [1] | no_such_filter }}',
  '{% if x is no_such_test %}{% endif %}',
  '{% for k, v in [none] %}{{ k }}{% endfor %}',
  '{% if true %}\n  {{ ref() }}{% endif %}',
  '{{ var("missing" ~ "_var") }}',
  '{% set d = {} %}\n{% for x in [1] %}\n  {% set d.x = x %}{% endfor %}',
  '{% set ns = namespace() %}\n{% set ns.x = ref() %}',
  'select\n  {% set a, b = 1 %}',
  '{% for i in [1] %}\n{{ loop.cycle() }}{% endfor %}',
  'select\n{{ 1 / 0 }}',
  'select\n  {{ -x }}',
  "select\n  {{ undefined_x + 'a' }}",
  '{{ "a\nb\\\\c".no_such_method() }}',
  // ("1" ~ 2) + 3: text plus a number, Jinja2's TypeError.
  'select\n  {{ 1 ~ 2 + 3 }}',
];

describe('template interpreter', () => {
  it.each(INTERPRETED)('interprets %j exactly as nunjucks renders it', (text) => {
    const { engine, state } = setup();
    expect(interpretTemplate(text, engine.env, 'models/m.sql')).toBeDefined();
    const a = viaEngine(engine, state(), text, 'models/m.sql');
    const b = viaCompiler(engine, state(), text, 'models/m.sql');
    expect(a.error).toBeUndefined();
    expect(a).toEqual(b);
  });

  it.each(COMPILED)('leaves %j to the compiler, with the same result', (text) => {
    const { engine, state } = setup();
    expect(interpretTemplate(text, engine.env, 'models/m.sql')).toBeUndefined();
    expect(viaEngine(engine, state(), text, 'models/m.sql')).toEqual(viaCompiler(engine, state(), text, 'models/m.sql'));
  });

  it.each(FAILING)('reports the failure of %j as nunjucks does', (text) => {
    const { engine, state } = setup();
    expect(interpretTemplate(text, engine.env, 'models/m.sql')).toBeDefined();
    const a = viaEngine(engine, state(), text, 'models/m.sql');
    expect(a.error).toMatch(/@\d+:\d+$/);
    expect(a.error).toBe(viaCompiler(engine, state(), text, 'models/m.sql').error);
  });

  it('renders the same file again from its cached template, and a changed file anew', () => {
    const { engine, state } = setup();
    const text = '{% for i in range(2) %}{{ ref("m" ~ i) }} {% endfor %}';
    const first = viaEngine(engine, state(), text, 'models/m.sql');
    expect(viaEngine(engine, state(), text, 'models/m.sql')).toEqual(first);
    expect(viaEngine(engine, state(), text + '!', 'models/m.sql').output).toBe(first.output + '!');
  });

  it("treats Jinja's tuples as sequences: unpacked by for, joined, counted (nunjucks alone gave their last item)", () => {
    const { engine, state } = setup();
    for (const via of [viaEngine, viaCompiler]) {
      expect(via(engine, state(), "{% for name, value in [('x', 1), ('y', 2)] %}{{ name }}={{ value }};{% endfor %}", 'models/m.sql').output).toBe('x=1;y=2;');
      expect(via(engine, state(), '{{ ("a", "b") | join("-") }} {{ (1 + 2) * 3 }} {{ ((1, 2), 3) | length }}', 'models/m.sql').output).toBe('a-b 9 2');
      const s = state();
      via(engine, s, "{% for src, tbl in [('raw', 'orders'), ('raw', 'people')] %}{{ source(src, tbl) }} {% endfor %}", 'models/m.sql');
      expect(s.relations.map((r) => (r.kind === 'source' ? [r.kind, r.source, r.table] : [r.kind]))).toEqual([['source', 'raw', 'orders'], ['source', 'raw', 'people']]);
    }
  });

  it('evaluates property-file expressions through the interpreter', () => {
    const { engine, state } = setup();
    const s = state();
    expect(engine.evaluate('models/schema.yml', "ref('orders')", s)).toBeDefined();
    expect(s.relations).toEqual([expect.objectContaining({ kind: 'ref', name: 'orders' })]);
  });

  it('renders templates that differ only in string literals from one shared parse, each with its own literals', () => {
    const { engine, state } = setup();
    const shape = (a: string, b: string) => `{{ config(tags=['${a}']) }}{% for i in range(2) %}{{ ref('${a}') }}.{{ "${b}" }}{{ ',' if not loop.last }}{% endfor %} {{ {'k': '${b}'}['k'] }}`;
    // Interleaved, and each file after another of its shape: every output is the compiler's.
    for (const [a, b] of [['orders', 'x'], ['people', "y z"], ['orders', ''], ['it', 'w']]) {
      const text = shape(a!, b!);
      const file = `models/${a}_${b}.sql`;
      expect(viaEngine(engine, state(), text, file)).toEqual(viaCompiler(engine, state(), text, file));
    }
    // A dict key '__proto__' in one file of the shape is still left to the compiler.
    const proto = "{% for i in range(1) %}{{ {'__proto__': 1} | length }}{% endfor %}";
    expect(viaEngine(engine, state(), proto.replace('__proto__', 'a'), 'models/a.sql')).toEqual(viaCompiler(engine, state(), proto.replace('__proto__', 'a'), 'models/a.sql'));
    expect(viaEngine(engine, state(), proto, 'models/p.sql')).toEqual(viaCompiler(engine, state(), proto, 'models/p.sql'));
  });
});

describe('template shapes', () => {
  it('marks the string literals inside tags, not in text or comments', () => {
    expect(shapeOf(`select 'a' {# 'b' #}{{ ref('c') }}{% if x == "d" %}'e'{% endif %}`)).toEqual({
      key: `select 'a' {# 'b' #}{{ ref('\u00010\u0001') }}{% if x == "\u00011\u0001" %}'e'{% endif %}`,
      literals: ['c', 'd'],
    });
    expect(shapeOf("{{ '}}' ~ x }}")?.literals).toEqual(['}}']);
  });

  it.each([
    ["{{ 'it\\'s' }}", 'a backslash escape'],
    ["{% raw %}{{ 'x' }}{% endraw %}", 'raw blocks'],
    ["{{ 'x' ", 'an unclosed tag'],
    ["{{ 'x }}", 'an unclosed string'],
    ['{{ "\u0001" }}', 'the marker itself'],
  ])('does not share %j (%s)', (text) => {
    expect(shapeOf(text)).toBeUndefined();
  });

  it('parses a shape once', () => {
    const { engine } = setup();
    const parse = vi.spyOn((nunjucks as unknown as { parser: { parse: (...a: unknown[]) => unknown } }).parser, 'parse');
    try {
      const outputs = ['a', 'b', 'c'].map((x) => interpretTemplate(`{% for i in range(1) %}{{ '${x}' ~ i }}{% endfor %}`, engine.env, `models/${x}.sql`)!.render({}));
      expect(outputs).toEqual(['a0', 'b0', 'c0']);
      expect(parse).toHaveBeenCalledTimes(1);
    } finally {
      parse.mockRestore();
    }
  });

  it('parses on its own a template whose marked literal is not a Literal of the tree', () => {
    const { engine, state } = setup();
    // `}}` ends nunjucks' tag inside the block: the quotes after it are text.
    const text = "{% for i in range(1) %}{% set d = {'a': {'b': 1}} %}'q'{% endfor %}";
    expect(viaEngine(engine, state(), text, 'models/a.sql')).toEqual(viaCompiler(engine, state(), text, 'models/a.sql'));
  });
});
