import { describe, expect, it } from 'vitest';
import { StrataError } from '../../../src/errors/strata-error.js';
import { modelRenderState } from '../../helpers/render-state.js';
import { pythonFormat } from '../../../src/template/python-format.js';
import { markTuple, pythonRepr } from '../../../src/template/python-repr.js';
import { TemplateEngine } from '../../../src/template/template-engine.js';

type Expected = string | { error: string };

/**
 * [format string, positional arguments, keyword arguments, what Python 3.11 gives]: each expected
 * value is the output (or the exception's message) of `template.format(*args, **kwargs)` run by
 * python3. JavaScript numbers: integral ones stand for ints, others for floats, so no case passes
 * an integral float.
 */
const PYTHON_CASES: Array<[string, unknown[], Record<string, unknown>, Expected]> = [
  ["plain", [], {}, "plain"],
  ["{{}}", [], {}, "{}"],
  ["{{x}}", [], {}, "{x}"],
  ["a{{b}}c{}", [1], {}, "a{b}c1"],
  ["}}{{", [], {}, "}{"],
  ["{{{}}}", ["v"], {}, "{v}"],
  ["", [], {}, ""],
  ["{} and {}", ["a", "b"], {}, "a and b"],
  ["{0}-{0}", ["a"], {}, "a-a"],
  ["{1}{0}", ["a", "b"], {}, "ba"],
  ["{name}!", [], { "name": "x" }, "x!"],
  ["{0} {n}", [1], { "n": 2 }, "1 2"],
  ["{007}", ["a", "b", "c", "d", "e", "f", "g", "h"], {}, "h"],
  ["{}{}{n}", [1, 2], { "n": 3 }, "123"],
  ["{x[k]}", [], { "x": { "k": "v" } }, "v"],
  ["{0[1]}", [[10, 20]], {}, "20"],
  ["{0[0][1]}", [[[1, 2]]], {}, "2"],
  ["{[0]}", [[5]], {}, "5"],
  ["{0[1]}", ["abc"], {}, "b"],
  ["{0[a b]}", [{ "a b": 1 }], {}, "1"],
  ["{0[:]}", [{ ":": "colon" }], {}, "colon"],
  ["{0[1]}", [markTuple([7, 8])], {}, "8"],
  ["{!r}", ["a"], {}, "'a'"],
  ["{!r}", ["it's"], {}, "\"it's\""],
  ["{0!s}", [null], {}, "None"],
  ["{!r}", [null], {}, "None"],
  ["{!r}", [[1, "a"]], {}, "[1, 'a']"],
  ["{!s}", [true], {}, "True"],
  ["{!r}", [1.5], {}, "1.5"],
  ["{!s}", [1e-07], {}, "1e-07"],
  ["{!a}", ["café"], {}, "'caf\\xe9'"],
  ["{!a}", ["☃"], {}, "'\\u2603'"],
  ["{!r:>6}", ["a"], {}, "   'a'"],
  ["{!s:^7}", [[1]], {}, "  [1]  "],
  ["{!r}", [{ "a": markTuple([1]) }], {}, "{'a': (1,)}"],
  ["{:>5}", ["ab"], {}, "   ab"],
  ["{:<5}|", ["ab"], {}, "ab   |"],
  ["{:^6}", ["ab"], {}, "  ab  "],
  ["{:^5}", ["ab"], {}, " ab  "],
  ["{:*^7}", ["ab"], {}, "**ab***"],
  ["{:5}|", ["ab"], {}, "ab   |"],
  ["{:05}", ["ab"], {}, "ab000"],
  ["{:.2}", ["abcdef"], {}, "ab"],
  ["{:>6.2}", ["abcdef"], {}, "    ab"],
  ["{:s}", ["x"], {}, "x"],
  ["{:1}", ["long"], {}, "long"],
  ["{:é>4}", ["a"], {}, "éééa"],
  ["{:{}>4}", ["a", "{"], {}, "{{{a"],
  ["{:}", ["a"], {}, "a"],
  ["{:d}", [42], {}, "42"],
  ["{:5d}", [42], {}, "   42"],
  ["{:<5d}|", [42], {}, "42   |"],
  ["{:^5}", [42], {}, " 42  "],
  ["{:05}", [-42], {}, "-0042"],
  ["{:+d}", [42], {}, "+42"],
  ["{: d}", [42], {}, " 42"],
  ["{:-d}", [-42], {}, "-42"],
  ["{:+}", [-3], {}, "-3"],
  ["{:=+6}", [42], {}, "+   42"],
  ["{:*=6}", [-42], {}, "-***42"],
  ["{:,}", [1234567], {}, "1,234,567"],
  ["{:_}", [1234567], {}, "1_234_567"],
  ["{:,}", [-1234], {}, "-1,234"],
  ["{:010,}", [1234], {}, "00,001,234"],
  ["{:09,}", [1234], {}, "0,001,234"],
  ["{:^10,}", [1234567], {}, "1,234,567 "],
  ["{:b}", [10], {}, "1010"],
  ["{:#b}", [10], {}, "0b1010"],
  ["{:o}", [8], {}, "10"],
  ["{:#o}", [8], {}, "0o10"],
  ["{:x}", [255], {}, "ff"],
  ["{:#x}", [255], {}, "0xff"],
  ["{:X}", [255], {}, "FF"],
  ["{:#X}", [255], {}, "0XFF"],
  ["{:#010x}", [255], {}, "0x000000ff"],
  ["{:_b}", [255], {}, "1111_1111"],
  ["{:_x}", [1048575], {}, "f_ffff"],
  ["{:#_x}", [1048575], {}, "0xf_ffff"],
  ["{:x}", [-255], {}, "-ff"],
  ["{:#x}", [-255], {}, "-0xff"],
  ["{:c}", [65], {}, "A"],
  ["{:>3c}", [97], {}, "  a"],
  ["{:05c}", [65], {}, "0000A"],
  ["{:n}", [1234567], {}, "1234567"],
  ["{}", [12345678901234567890n], {}, "12345678901234567890"],
  ["{:,}", [1152921504606846976n], {}, "1,152,921,504,606,846,976"],
  ["{:d}", [true], {}, "1"],
  ["{:>5}", [false], {}, "    0"],
  ["{}", [true], {}, "True"],
  ["{:.2f}", [true], {}, "1.00"],
  ["{:f}", [3], {}, "3.000000"],
  ["{:.2f}", [3], {}, "3.00"],
  ["{:e}", [5], {}, "5.000000e+00"],
  ["{:%}", [1], {}, "100.000000%"],
  ["{:g}", [100], {}, "100"],
  ["{:.1%}", [0], {}, "0.0%"],
  ["{:.2f}", [3.14159], {}, "3.14"],
  ["{:f}", [3.14159], {}, "3.141590"],
  ["{:.0f}", [2.5], {}, "2"],
  ["{:.0f}", [3.5], {}, "4"],
  ["{:.0f}", [0.5], {}, "0"],
  ["{:.2f}", [0.125], {}, "0.12"],
  ["{:.2f}", [0.375], {}, "0.38"],
  ["{:.1f}", [0.05], {}, "0.1"],
  ["{:.2f}", [2.675], {}, "2.67"],
  ["{:.3f}", [-0.0005], {}, "-0.001"],
  ["{:.1f}", [-0.01], {}, "-0.0"],
  ["{:z.1f}", [-0.01], {}, "0.0"],
  ["{:z.2f}", [-0], {}, "0.00"],
  ["{:.2e}", [2.5e-200], {}, "2.50e-200"],
  ["{:.1f}", [-0], {}, "-0.0"],
  ["{:10.3f}|", [3.14159], {}, "     3.142|"],
  ["{:<10.3f}|", [3.14159], {}, "3.142     |"],
  ["{:^10.3f}", [3.14159], {}, "  3.142   "],
  ["{:010.3f}", [-3.14159], {}, "-00003.142"],
  ["{:+.2f}", [2.5], {}, "+2.50"],
  ["{: .2f}", [2.5], {}, " 2.50"],
  ["{:,.2f}", [1234567.891], {}, "1,234,567.89"],
  ["{:_.1f}", [1234567.891], {}, "1_234_567.9"],
  ["{:015,.2f}", [1234.5], {}, "0,000,001,234.50"],
  ["{:,}", [1234.5], {}, "1,234.5"],
  ["{:e}", [1234.5678], {}, "1.234568e+03"],
  ["{:.2e}", [1234.5678], {}, "1.23e+03"],
  ["{:E}", [0.000123], {}, "1.230000E-04"],
  ["{:.0e}", [12345.6], {}, "1e+04"],
  ["{:#.0e}", [12345.6], {}, "1.e+04"],
  ["{:.1e}", [0.125], {}, "1.2e-01"],
  ["{:e}", [1e-300], {}, "1.000000e-300"],
  ["{:g}", [1234.5678], {}, "1234.57"],
  ["{:g}", [1.234e-05], {}, "1.234e-05"],
  ["{:g}", [123456789.5], {}, "1.23457e+08"],
  ["{:.3g}", [1234.5], {}, "1.23e+03"],
  ["{:.3g}", [0.0001234], {}, "0.000123"],
  ["{:G}", [1.5e-10], {}, "1.5E-10"],
  ["{:#g}", [1.5], {}, "1.50000"],
  ["{:.0g}", [1.5], {}, "2"],
  ["{:.10g}", [0.1], {}, "0.1"],
  ["{:g}", [0.5], {}, "0.5"],
  ["{:.2g}", [99.5], {}, "1e+02"],
  ["{:n}", [1234.5], {}, "1234.5"],
  ["{:#.3g}", [1.5], {}, "1.50"],
  ["{:%}", [0.25], {}, "25.000000%"],
  ["{:.1%}", [0.1234], {}, "12.3%"],
  ["{:.0%}", [0.125], {}, "12%"],
  ["{:>8.2%}", [-0.5], {}, " -50.00%"],
  ["{}", [0.1], {}, "0.1"],
  ["{}", [1.5], {}, "1.5"],
  ["{}", [1e-05], {}, "1e-05"],
  ["{}", [1.5e-07], {}, "1.5e-07"],
  ["{}", [0.30000000000000004], {}, "0.30000000000000004"],
  ["{}", [123456.789], {}, "123456.789"],
  ["{:.3}", [1.5], {}, "1.5"],
  ["{:.3}", [123.5], {}, "1.24e+02"],
  ["{:.3}", [1234.5], {}, "1.23e+03"],
  ["{:.1}", [0.05], {}, "0.05"],
  ["{:10}|", [1.5], {}, "       1.5|"],
  ["{:<10}|", [1.5], {}, "1.5       |"],
  ["{:,}", [12345.678], {}, "12,345.678"],
  ["{:#}", [1.5e-20], {}, "1.5e-20"],
  ["{}", [Infinity], {}, "inf"],
  ["{}", [-Infinity], {}, "-inf"],
  ["{}", [NaN], {}, "nan"],
  ["{:.2f}", [Infinity], {}, "inf"],
  ["{:F}", [Infinity], {}, "INF"],
  ["{:E}", [NaN], {}, "NAN"],
  ["{:%}", [Infinity], {}, "inf%"],
  ["{:010}", [Infinity], {}, "0000000inf"],
  ["{:+}", [Infinity], {}, "+inf"],
  ["{:,.2f}", [-Infinity], {}, "-inf"],
  ["{:.2f}", [5e-324], {}, "0.00"],
  ["{}", [5e-324], {}, "5e-324"],
  ["{:.3e}", [2.2250738585072014e-308], {}, "2.225e-308"],
  ["{:{}}|", ["ab", 5], {}, "ab   |"],
  ["{:{w}}|", ["x"], { "w": 5 }, "x    |"],
  ["{:{w}.{p}f}", [3.14159], { "w": 8, "p": 2 }, "    3.14"],
  ["{0:{1}}", ["ab", ">4"], {}, "  ab"],
  ["{:{}}{}", [1, 5, 3], {}, "    13"],
  ["{:{}{}}", ["ab", "*", ">5"], {}, "***ab"],
  ["{:{fill}{align}{width}}", ["x"], { "fill": "-", "align": "^", "width": 5 }, "--x--"],
  ["{:>{}}", ["ab", 4], {}, "  ab"],
  ["{}", [], {}, { error: "Replacement index 0 out of range for positional args tuple" }],
  ["{} {}", [1], {}, { error: "Replacement index 1 out of range for positional args tuple" }],
  ["{1}", ["a"], {}, { error: "Replacement index 1 out of range for positional args tuple" }],
  ["{0:{1}}", [3], {}, { error: "Replacement index 1 out of range for positional args tuple" }],
  ["{x}", [], {}, { error: "KeyError: 'x'" }],
  ["{name}", [], { "other": 1 }, { error: "KeyError: 'name'" }],
  ["{}{0}", [1], {}, { error: "cannot switch from automatic field numbering to manual field specification" }],
  ["{0}{}", [1], {}, { error: "cannot switch from manual field specification to automatic field numbering" }],
  ["{}{:{0}}", [1, 2], {}, { error: "cannot switch from automatic field numbering to manual field specification" }],
  ["}", [], {}, { error: "Single '}' encountered in format string" }],
  ["x}y", [], {}, { error: "Single '}' encountered in format string" }],
  ["a{}b}", [1], {}, { error: "Single '}' encountered in format string" }],
  ["{", [], {}, { error: "Single '{' encountered in format string" }],
  ["ab{", [1], {}, { error: "Single '{' encountered in format string" }],
  ["{0", [], {}, { error: "expected '}' before end of string" }],
  ["{!", [], {}, { error: "end of string while looking for conversion specifier" }],
  ["{!r", [1], {}, { error: "unmatched '{' in format spec" }],
  ["{!x}", [1], {}, { error: "Unknown conversion specifier x" }],
  ["{! }", [1], {}, { error: "Unknown conversion specifier \\x20" }],
  ["{!rr}", [1], {}, { error: "expected ':' after conversion specifier" }],
  ["{:{:{}}}", [1, 2, 3], {}, { error: "Max string recursion exceeded" }],
  ["{0[}", [1], {}, { error: "expected '}' before end of string" }],
  ["{0[0]x}", [[1]], {}, { error: "Only '.' or '[' may follow ']' in format field specifier" }],
  ["{0.}", [1], {}, { error: "Empty attribute in format string" }],
  ["{0[]}", [1], {}, { error: "Empty attribute in format string" }],
  ["{a{b}", [1], {}, { error: "unexpected '{' in field name" }],
  ["{0:", [1], {}, { error: "unmatched '{' in format spec" }],
  ["{:d}", ["x"], {}, { error: "Unknown format code 'd' for object of type 'str'" }],
  ["{:d}", [1.5], {}, { error: "Unknown format code 'd' for object of type 'float'" }],
  ["{:x}", [2.5], {}, { error: "Unknown format code 'x' for object of type 'float'" }],
  ["{:s}", [1], {}, { error: "Unknown format code 's' for object of type 'int'" }],
  ["{:s}", [true], {}, { error: "Unknown format code 's' for object of type 'bool'" }],
  ["{:s}", [1.5], {}, { error: "Unknown format code 's' for object of type 'float'" }],
  ["{:y}", ["a"], {}, { error: "Unknown format code 'y' for object of type 'str'" }],
  ["{:é}", [1], {}, { error: "Unknown format code '\\xe9' for object of type 'int'" }],
  ["{:\u0001}", [1], {}, { error: "Unknown format code '\\x1' for object of type 'int'" }],
  ["{:=5}", ["a"], {}, { error: "'=' alignment not allowed in string format specifier" }],
  ["{:+}", ["a"], {}, { error: "Sign not allowed in string format specifier" }],
  ["{: }", ["a"], {}, { error: "Space not allowed in string format specifier" }],
  ["{:#}", ["a"], {}, { error: "Alternate form (#) not allowed in string format specifier" }],
  ["{:z}", ["a"], {}, { error: "Negative zero coercion (z) not allowed in string format specifier" }],
  ["{:,}", ["a"], {}, { error: "Cannot specify ',' with 's'." }],
  ["{:.2}", [3], {}, { error: "Precision not allowed in integer format specifier" }],
  ["{:z}", [3], {}, { error: "Negative zero coercion (z) not allowed in integer format specifier" }],
  ["{:+c}", [65], {}, { error: "Sign not allowed with integer format specifier 'c'" }],
  ["{:#c}", [65], {}, { error: "Alternate form (#) not allowed with integer format specifier 'c'" }],
  ["{:c}", [-1], {}, { error: "%c arg not in range(0x110000)" }],
  ["{:c}", [1114112], {}, { error: "%c arg not in range(0x110000)" }],
  ["{:xx}", [1], {}, { error: "Invalid format specifier 'xx' for object of type 'int'" }],
  ["{:.}", [1.5], {}, { error: "Format specifier missing precision" }],
  ["{:,_}", [1], {}, { error: "Cannot specify both ',' and '_'." }],
  ["{:_,}", [1], {}, { error: "Cannot specify both ',' and '_'." }],
  ["{:,x}", [255], {}, { error: "Cannot specify ',' with 'x'." }],
  ["{:,c}", [65], {}, { error: "Cannot specify ',' with 'c'." }],
  ["{:,,}", [1], {}, { error: "Cannot specify ',' with ','." }],
  ["{:, }", [1], {}, { error: "Cannot specify ',' with '\\x20'." }],
  ["{:_n}", [1], {}, { error: "Cannot specify '_' with 'n'." }],
  ["{:>5}", [null], {}, { error: "unsupported format string passed to NoneType.__format__" }],
  ["{:>5}", [[1]], {}, { error: "unsupported format string passed to list.__format__" }],
  ["{:>5}", [{ "a": 1 }], {}, { error: "unsupported format string passed to dict.__format__" }],
  ["{:.2f}", ["x"], {}, { error: "Unknown format code 'f' for object of type 'str'" }],
  ["{:abc}", [1.5], {}, { error: "Invalid format specifier 'abc' for object of type 'float'" }],
  ["{:,s}", ["a"], {}, { error: "Cannot specify ',' with 's'." }],
  ["{0[5]}", ["abc"], {}, { error: "string index out of range" }],
  ["{0[5]}", [[1]], {}, { error: "list index out of range" }],
  ["{0[5]}", [markTuple([1])], {}, { error: "tuple index out of range" }],
  ["{0[a]}", [[1]], {}, { error: "list indices must be integers or slices, not str" }],
  ["{0[a]}", [markTuple([1])], {}, { error: "tuple indices must be integers or slices, not str" }],
  ["{0[a]}", ["abc"], {}, { error: "string indices must be integers, not 'str'" }],
  ["{0[0]}", [{  }], {}, { error: "KeyError: 0" }],
  ["{0[k]}", [{  }], {}, { error: "KeyError: 'k'" }],
  ["{0[-1]}", [[5]], {}, { error: "list indices must be integers or slices, not str" }],
  ["{0.x}", ["abc"], {}, { error: "'str' object has no attribute 'x'" }],
  ["{0.x}", [null], {}, { error: "'NoneType' object has no attribute 'x'" }],
  ["{0[0]}", [null], {}, { error: "'NoneType' object is not subscriptable" }],
  ["{0[0]}", [5], {}, { error: "'int' object is not subscriptable" }],
];

function formatted(template: string, args: unknown[], kwargs: Record<string, unknown>): Expected {
  try {
    return pythonFormat(template, args, kwargs);
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    return { error: (e as Error).message };
  }
}

describe('pythonFormat: str.format as Python', () => {
  for (const [template, args, kwargs, expected] of PYTHON_CASES) {
    const title = `${JSON.stringify(template)}.format(${[...args.map((a) => pythonRepr(a)), ...Object.entries(kwargs).map(([k, v]) => `${k}=${pythonRepr(v)}`)].join(', ')})`;
    it(title, () => {
      expect(formatted(template, args, kwargs)).toEqual(expected);
    });
  }

  it("reads strata's values the way they stand for Python's", () => {
    // A plain object is a dict or an object: its keys read as attributes too (as dbt's sandboxed
    // Jinja reads them), and a dict's keys are text, so `[0]` reads the key '0'.
    expect(pythonFormat('{0.a} {0[b]} {1[0]}', [{ a: 1, b: 2 }, { 0: 'zero' }], {})).toBe('1 2 zero');
    expect(formatted('{0.c}', [{ a: 1 }], {})).toEqual({ error: "'dict' object has no attribute 'c'" });
    // An integral number is an int; -0 formats as a float where a float is asked for.
    expect(pythonFormat('{} {:.1f} {:d}', [3, -0, 3], {})).toBe('3 -0.0 3');
    // Jinja's undefined prints nothing, and its repr is Undefined.
    expect(pythonFormat('[{}] {!r}', [undefined, undefined], {})).toBe('[] Undefined');
    expect(formatted('{:>3}', [undefined], {})).toEqual({ error: 'unsupported format string passed to Undefined.__format__' });
    // An object with strftime (a datetime) takes the spec as its format, as datetime.__format__.
    const day = { strftime: (f: string) => f.replace('%Y', '2024'), toString: () => '2024-01-02' };
    expect(pythonFormat('{:%Y!} {}', [day, day], {})).toBe('2024! 2024-01-02');
    expect(pythonFormat('{!r}', [markTuple([1, 'a'])], {})).toBe("(1, 'a')");
  });
});

describe('str.format in templates', () => {
  function setup() {
    const engine = new TemplateEngine('proj');
    const macro = (body: string) => `{% macro fmt() %}${body}{% endmacro %}`;
    const state = modelRenderState;
    /** Renders the text in a model (interpreted when it can be) and inside a macro (compiled). */
    const both = (text: string): [string, string] => {
      const withMacro = new TemplateEngine('proj');
      expect(withMacro.loadMacros([{ file: 'macros/fmt.sql', text: macro(text) }])).toEqual([]);
      return [engine.render('models/m.sql', text, state()), withMacro.render('models/m.sql', '{{ fmt() }}', state())];
    };
    const error = (text: string): StrataError => {
      try {
        engine.render('models/m.sql', text, state());
      } catch (e) {
        expect(e).toBeInstanceOf(StrataError);
        return e as StrataError;
      }
      throw new Error('expected an error');
    };
    return { both, error };
  }

  // Each expected text is what Jinja2 3.1 renders for the same template.
  const JINJA_CASES: Array<[string, string]> = [
    ["{{ '{:.2f}'.format(3.14159) }}", '3.14'],
    ["{{ '{:,}'.format(1234567) }}", '1,234,567'],
    ["{{ '{0}-{0}'.format('a') }}", 'a-a'],
    ["{{ '{:>5}|{:<5}|'.format('ab', 'cd') }}", '   ab|cd   |'],
    ["{{ '{{x}} {n:03d}'.format(n=7) }}", '{x} 007'],
    ["{{ '{!r} {}'.format('a', none) }}", "'a' None"],
    ["{{ '{x[k]} {0[1]}'.format(['a', 'b'], x={'k': 'v'}) }}", 'v b'],
    ["{{ '{:{w}}|'.format('a', w=3) }}", 'a  |'],
    ["{{ '{}-{}'.format(true, none) }}", 'True-None'],
    ["{{ '{:.1%}'.format(1/3) }}", '33.3%'],
    ["{{ '{}'.format(1/2) }}", '0.5'],
  ];
  it.each(JINJA_CASES)('%s renders %j in a model and in a macro', (template, expected) => {
    expect(setup().both(template)).toEqual([expected, expected]);
  });

  it('a missing argument is a template error at the file and line, as Python raises', () => {
    const { error } = setup();
    const err = error("select 1\nwhere x = '{{ '{} {}'.format('a') }}'");
    expect(err.message).toContain('Replacement index 1 out of range for positional args tuple');
    expect(err.location).toMatchObject({ file: 'models/m.sql', line: 2 });
    expect(error("{{ '{name}'.format(other=1) }}").message).toContain("KeyError: 'name'");
    expect(error("{{ '{:d}'.format('x') }}").message).toContain("Unknown format code 'd' for object of type 'str'");
  });

  it('a missing argument in a macro is a template error too', () => {
    const engine = new TemplateEngine('proj');
    expect(engine.loadMacros([{ file: 'macros/fmt.sql', text: "{% macro fmt() %}{{ 'a}'.format() }}{% endmacro %}" }])).toEqual([]);
    const state = modelRenderState();
    let caught: unknown;
    try {
      engine.render('models/m.sql', '{{ fmt() }}', state);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(StrataError);
    expect((caught as StrataError).message).toContain("Single '}' encountered in format string");
  });

  it('run_started_at formats through strftime', () => {
    const [inModel] = setup().both("{{ '{:%Y}'.format(run_started_at) }}");
    expect(inModel).toMatch(/^\d{4}$/);
  });
});
