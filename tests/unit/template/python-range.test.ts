/**
 * `range()` as Python's, in a model and in a macro: nunjucks' own looped until the process died
 * past 2^53 (a V8 fatal error, no file or line), took a zero step as 1 and counted floats.
 */
import { describe, expect, it } from 'vitest';
import { MAX_RANGE_ITEMS, pythonRange } from '../../../src/template/python-range.js';
import { renderInModelAndMacro as render } from '../../helpers/render-state.js';

describe('range()', () => {
  it.each([
    ['{{ range(4) | list }}', '[0, 1, 2, 3]'],
    ['{{ range(2, 5) | list }}', '[2, 3, 4]'],
    ['{{ range(1, 10, 3) | list }}', '[1, 4, 7]'],
    ['{{ range(10, 1, -4) | list }}', '[10, 6, 2]'],
    ['{{ range(5, 1) | list }}', '[]'],
    ['{{ range(-3) | list }}', '[]'],
    ['{{ range(1, 2, -1) | list }}', '[]'],
    ['{{ range(True, 3) | list }}', '[1, 2]'],
    ['{{ range(10)[2:4] | list }} {{ range(10) | length }} {{ range(3)[-1] }}', '[2, 3] 10 2'],
    ['{% for i in range(3) %}{{ i }}{% if not loop.last %},{% endif %}{% endfor %}', '0,1,2'],
    ['{{ range(2 ** 53 - 3, 2 ** 53 - 1) | list }}', '[9007199254740989, 9007199254740990]'],
  ])('%s → %s', (template, out) => {
    expect(render(template)).toBe(out);
  });

  it.each([
    ['{{ range(0, 5, 0) | list }}', /ValueError: range\(\) arg 3 must not be zero \(line 1\)/],
    ['{{ range(2.5) | list }}', /'float' object cannot be interpreted as an integer \(line 1\)/],
    ['{{ range(2.0) | list }}', /'float' object cannot be interpreted as an integer/],
    ["{{ range('3') | list }}", /'str' object cannot be interpreted as an integer/],
    ['{{ range() | list }}', /range expected at least 1 argument, got 0/],
    ['{{ range(1, 2, 3, 4) | list }}', /range expected at most 3 arguments, got 4/],
    ['{{ range(stop=3) | list }}', /range\(\) takes no keyword arguments/],
    // Was an endless loop: i + 1 === i from 2^53 on.
    ['{% for i in range(2 ** 53, 2 ** 53 + 2) %}{{ i }}{% endfor %}', /OverflowError: range\(\) argument 9007199254740992 is beyond 2\^53.*generate_series\) \(line 1\)/],
    ['{{ range(10 ** 9) | length }}', /OverflowError: range\(\) of 1000000000 values is more than a template renders/],
  ])('%s is an error naming its line', (template, message) => {
    expect(() => render(template)).toThrow(message);
  });

  it('renders up to its limit of values', () => {
    expect(pythonRange(MAX_RANGE_ITEMS)).toHaveLength(MAX_RANGE_ITEMS);
    expect(() => pythonRange(MAX_RANGE_ITEMS + 1)).toThrow(/more than a template renders/);
    expect(pythonRange(-MAX_RANGE_ITEMS, 0, 1)).toHaveLength(MAX_RANGE_ITEMS);
  });
});
