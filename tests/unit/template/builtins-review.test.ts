/**
 * dbt's context functions where Python decides: set() / set_strict() of what Python cannot make a
 * set, the `default` of the functions that return it on failure, and toyaml's floats (PyYAML's
 * safe_dump writes `2.0`, not `2`).
 */
import { describe, expect, it } from 'vitest';
import { renderInModelAndMacro as render } from '../../helpers/render-state.js';

describe('set() and set_strict()', () => {
  it('make a set of what Python iterates: a list, a tuple, a string, a mapping\'s keys', () => {
    expect(render('{{ set([1, 2, 1]) }}')).toBe('[1, 2]');
    expect(render('{{ set((3, 3, 4)) }}')).toBe('[3, 4]');
    expect(render("{{ set('aba') | sort | join(',') }}")).toBe('a,b');
    expect(render("{{ set({'k': 1, 'j': 2}) | sort | join(',') }}")).toBe('j,k');
    expect(render("{{ set_strict(['x', 'x']) }}")).toBe("['x']");
  });

  it('set() of a value Python cannot iterate, or of unhashable items, is None (or the default), as dbt returns on TypeError', () => {
    for (const value of ['5', '2.5', '2.0', 'none', 'true', '[[1], [2]]', "[{'a': 1}]", '[(1, [2])]']) {
      expect(render(`{{ set(${value}) }}`), value).toBe('None');
    }
    expect(render("{{ set(5, default='none given') }}")).toBe('none given');
    expect(render("{{ set(5, 'positional') }}")).toBe('positional');
  });

  it('set_strict() of such a value is Python\'s TypeError', () => {
    expect(() => render('{{ set_strict(5) }}')).toThrow(/'int' object is not iterable.*\|.*'int' object is not iterable/);
    expect(() => render('{{ set_strict(none) }}')).toThrow(/'NoneType' object is not iterable/);
    expect(() => render('{{ set_strict(true) }}')).toThrow(/'bool' object is not iterable/);
    expect(() => render('{{ set_strict(1.0) }}')).toThrow(/'float' object is not iterable/);
    expect(() => render('{{ set_strict([[1]]) }}')).toThrow(/unhashable type: 'list'/);
    expect(() => render("{{ set_strict([{'a': 1}]) }}")).toThrow(/unhashable type: 'dict'/);
  });
});

describe('the default of fromjson, tojson, fromyaml and toyaml', () => {
  it('is None unless given, by keyword or by position, and only where the value cannot be read', () => {
    expect(render("{{ fromjson('{nope') }}")).toBe('None');
    expect(render("{{ fromjson('{nope', default='d') }}")).toBe('d');
    expect(render("{{ fromjson('{nope', 'p') }}")).toBe('p');
    expect(render("{{ fromjson('[1]', 'p') }}")).toBe('[1]');
    expect(render("{{ fromyaml('a: [1', default='d') }}")).toBe('d');
    expect(render("{{ tojson({'b': 1, 'a': 2}, 'd', true) }}")).toBe('{"a": 2, "b": 1}');
    expect(render("{{ tojson({'b': 1, 'a': 2}, sort_keys=true) }}")).toBe('{"a": 2, "b": 1}');
    expect(render("{{ toyaml({'b': 1, 'a': 2}, 'd', true) }}")).toBe('a: 2\nb: 1\n');
  });
});

describe('fromjson() numbers, as Python reads them', () => {
  it('reads 1.0 and 1e2 as floats, other numbers as ints, and a round trip keeps them (Jinja2 golden cases too)', () => {
    expect(render("{{ fromjson('[1.0, 2, 1e2]') }} {{ tojson(fromjson('{\"a\": 3.0}')) }}")).toBe('[1.0, 2, 100.0] {"a": 3.0}');
  });

  it('is an error, not another number, for an integer past 2^53 (Python reads it exactly), and not the default', () => {
    expect(() => render("{{ fromjson('[12345678901234567890]', 'd') }}")).toThrow(/the integer 12345678901234567890 read by fromjson\(\) is beyond 2\^53/);
    expect(render("{{ fromjson('[9007199254740991, 1e30]') }}")).toBe('[9007199254740991, 1e+30]');
    // An integer a double holds exactly prints every digit, as the same literal in a template does.
    expect(render("{{ fromjson('[9007199254740992, 18446744073709551616]') }}")).toBe('[9007199254740992, 18446744073709551616]');
  });

  it('keeps each number with its own token where JavaScript visits values out of order', () => {
    // Integer-like keys come first in a JavaScript object; a repeated key keeps its first place.
    expect(() => render(`{{ fromjson('{"x": 12345678901234567890, "0": 1.0}') }}`)).toThrow(/12345678901234567890 read by fromjson/);
    expect(render(`{{ fromjson('{"b": 2.0, "1": 1}').b }} {{ fromjson('{"a": 1, "a": 1.0}').a }} {{ fromjson('{"a": 1.0, "a": 1}').a }}`)).toBe('2.0 1.0 1');
    expect(render(`{{ fromjson('[1.0, {"a": 1.0, "a": 1}, 1.0, 1]') }}`)).toBe("[1.0, {'a': 1}, 1.0, 1]");
    expect(render(`{{ fromjson('{"k\\\\"1.5": [2.0, "3", 4]}') }}`)).toBe(`{'k"1.5': [2.0, '3', 4]}`);
  });

  it('gives the default for a number JSON does not allow, and reads a long string', () => {
    expect(render("{{ fromjson('[01]', 'd') }} {{ fromjson('[1.]', 'd') }} {{ fromjson('[-]', 'd') }}")).toBe('d d d');
    expect(render(`{{ fromjson('"${'x'.repeat(2_000_000)}"') | length }}`)).toBe('2000000');
  });
});

describe('toyaml() of floats, as PyYAML writes them', () => {
  it('writes a whole float as a float (2.0), an int as an int', () => {
    expect(render("{{ toyaml({'a': 2.0, 'b': 2, 'c': 0.5}) }}")).toBe('a: 2.0\nb: 2\nc: 0.5\n');
    expect(render("{{ toyaml({'a': -3.0, 'b': [1.0, 10 / 2], 'c': 1e16}) }}")).toBe('a: -3.0\nb:\n- 1.0\n- 5.0\nc: 1.0e+16\n');
  });

  it('writes the same float twice as two values, not an anchor and its alias', () => {
    expect(render("{% set x = 2.0 %}{{ toyaml({'a': x, 'b': x}) }}")).toBe('a: 2.0\nb: 2.0\n');
  });

  it('reads back as the float it wrote', () => {
    expect(render("{{ fromyaml(toyaml({'a': 2.0}))['a'] }}")).toBe('2.0');
  });
});
