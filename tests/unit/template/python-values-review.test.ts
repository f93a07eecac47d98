/**
 * Python's values where strata printed other text or a JavaScript error (a review of the templates'
 * Python semantics). Each expected output or error is Jinja2 3.1's own, rendered in a model and in
 * a macro (renderInModelAndMacro).
 */
import { describe, expect, it } from 'vitest';
import { renderInModelAndMacro as render } from '../../helpers/render-state.js';

describe('Python values in templates', () => {
  it("a dict with a 'toString' key is a dict like any other (it was JavaScript's 'Cannot convert object to primitive value')", () => {
    expect(render("{{ {'toString': 'x', 'a': 1} }} {{ {'toString': 1} | length }}")).toBe("{'toString': 'x', 'a': 1} 1");
    expect(render(`{{ fromjson('{"toString": "x"}') }}`)).toBe("{'toString': 'x'}");
  });

  it('% formatting: %c of a character or any code point, %d with every digit, %x of an int only', () => {
    expect(render("{{ '%c' % 'a' }}{{ '%c' % 128512 }}{{ '%c' % 65 }}")).toBe('a😀A');
    expect(render("{{ '%d' % 1e21 }} {{ '%d|%i' % (3.9, -3.9) }} {{ '%x' % 255 }}")).toBe('1000000000000000000000 3|-3 ff');
    expect(() => render("{{ '%c' % 'ab' }}")).toThrow(/%c requires int or char.*\|.*%c requires int or char/);
    expect(() => render("{{ '%c' % 65.0 }}")).toThrow(/%c requires int or char/);
    expect(() => render("{{ '%x' % 1.5 }}")).toThrow(/%x format: an integer is required, not float/);
  });

  it('% of numbers is the one arithmetic (floored, a float with a float); a float power that overflows is an error', () => {
    expect(render("{{ 7 % -3 }} {{ -7.5 % 2 }} {{ 'x%sy' % 1 }}")).toBe('-2 0.5 x1y');
    expect(() => render('{{ 10.5 ** 400 }}')).toThrow(/OverflowError.*Numerical result out of range/);
  });

  it("sort(), dictsort and groupby order as Python's sorted(): tuples item by item, mixed types an error", () => {
    expect(render('{% set l = [3, 1, 2] %}{% do l.sort(reverse=true) %}{{ l }}')).toBe('[3, 2, 1]');
    expect(render("{% set l = [(2, 'b'), (1, 'z'), (2, 'a')] %}{% do l.sort() %}{{ l }}")).toBe("[(1, 'z'), (2, 'a'), (2, 'b')]");
    expect(render("{{ {'b': (1, 2), 'a': (1, 1)} | dictsort(by='value') }}")).toBe("[('a', (1, 1)), ('b', (1, 2))]");
    expect(() => render("{% set l = [1, 'a'] %}{% do l.sort() %}")).toThrow(/'<' not supported between instances of 'str' and 'int'/);
    expect(() => render('{% set l = [1] %}{% do l.sort(key=1) %}')).toThrow(/sort\(key=\.\.\.\) is not supported/);
  });

  it('a closing bracket must match its opening one', () => {
    expect(() => render('{{ [1, 2) }}')).toThrow(/unexpected '\)', expected '\]'/);
    expect(() => render('{% set x = [7] %}{{ x[0) }}')).toThrow(/unexpected '\)', expected '\]'/);
    expect(() => render('{{ (1, 2] }}')).toThrow(/unexpected '\]', expected '\)'/);
  });

  it('filters, tests and builtins reject what Python rejects, with its message', () => {
    expect(render("{{ -7 | abs }} {{ -2.0 | abs }} {{ '٣'.isdecimal() }} {{ '½'.isnumeric() }} {{ '½'.isdecimal() }}")).toBe('7 2.0 True True False');
    expect(render("{{ dict(['ab', ('c', 1)]) }}")).toBe("{'a': 'b', 'c': 1}");
    expect(render("{{ [1, 2] is mapping }} {{ {} is mapping }} {{ 'a' is iterable }} {{ 3 is iterable }} {{ modules.datetime.date(2024, 1, 2) is mapping }}")).toBe('False True True False False');
    expect(() => render("{{ 'x' | abs }}")).toThrow(/bad operand type for abs\(\): 'str'/);
    expect(() => render("{{ 'abc' | truncate('x') }}")).toThrow(/'>=' not supported between instances of 'str' and 'int'/);
    expect(() => render('{{ dict([1, 2]) }}')).toThrow(/cannot convert dictionary update sequence element #0 to a sequence/);
    expect(() => render("{{ dict(['abc']) }}")).toThrow(/dictionary update sequence element #0 has length 3; 2 is required/);
  });
});
