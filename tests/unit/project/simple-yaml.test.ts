import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { NOT_SIMPLE, parseSimpleYaml } from '../../../src/project/simple-yaml.js';

/** What the fast path returns must be exactly what js-yaml returns (values, types, key order). */
function expectSameAsJsYaml(text: string): void {
  const got = parseSimpleYaml(text);
  expect(got).not.toBe(NOT_SIMPLE);
  const expected = load(text, { json: true });
  expect(got).toStrictEqual(expected);
  expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
}

describe('simple YAML', () => {
  it.each([
    ['a property file', `version: 2

models:
  - name: orders   # the orders
    description: "Orders, one row each (see ref('x'))."
    config:
      materialized: table
      tags: [nightly, 'daily', "x y"]
    columns:
      - name: id
        data_tests:
          - unique
          - not_null
      - name: customer_id
        tests:
        - relationships:
            to: ref('customers')
            field: id
        -   accepted_values:
              values: ['a', 'it''s', b]
              quote: false
      -
        name: empty
        description:
`],
    ['scalars', `a: 1
b: -42
c: 1.50
d: -0.25
e: true
f: False
g: NULL
h: ~
i: yes
j: on
k: (x + y) / 2
l: /path/to/file
m: $HOME
n: plain # a comment
o: 'single ''quoted'' #'
p: "double #"
q: a:b
r: x#y
s: []
t: [1, 2.5, true, null, ~, word]
u: ''
v: ""
w: {{ not a key
`.replace('w: {{ not a key\n', '')],
    ['keys', `+materialized: view
model-paths: [models]
a.b/c_d: 1
_x: 2
`],
    ['nested sequences', `- - a
  - b
- -
    c: 1
- key:
  - x
  - y
  other: 2
`],
    ['an indented document', `  a: 1
  b:
    - c
`],
    ['comments and blank lines everywhere', `# header

a:   # comment
    # more
  b: 1

# between
c: 2
`],
  ])('%s: same as js-yaml', (_name, text) => expectSameAsJsYaml(text));

  it.each([
    ['block scalars', 'a: >\n  folded\n'],
    ['literal block scalars', 'a: |\n  x\n'],
    ['multi-line plain scalars', 'a: one\n  two\n'],
    ['multi-line quoted scalars', 'a: "one\n  two"\n'],
    ['escapes', 'a: "x\\ty"\n'],
    ['flow mappings', 'a: {b: 1}\n'],
    ['anchors and aliases', 'a: &x 1\nb: *x\n'],
    ['tags', 'a: !!str 1\n'],
    ['duplicate keys', 'a: 1\na: 2\n'],
    ['quoted keys', '"a": 1\n'],
    ['keys that are not words', '1: a\n'],
    ['keyword keys', 'True: 1\n'],
    ['__proto__', '__proto__: 1\n'],
    ['timestamps and other numbers', 'a: 2020-01-01\n'],
    ['hex', 'a: 0x1f\n'],
    ['leading zeros', 'a: 012\n'],
    ['exponents', 'a: 1e3\n'],
    ['minus zero', 'a: -0\n'],
    ['.inf', 'a: .inf\n'],
    ['tabs', 'a:\n\tb: 1\n'],
    ['CRLF', 'a: 1\r\nb: 2\r\n'],
    ['document markers', '---\na: 1\n'],
    ['directives', '%YAML 1.2\n---\na: 1\n'],
    ['a scalar document', 'just text\n'],
    ['an empty document', '# nothing\n'],
    ['bad indentation', 'a:\n    b: 1\n  c: 2\n'],
    ['mapping values in a plain scalar', 'a: b: c\n'],
    ['a key with a space before its colon', 'a : 1\n'],
    ['multi-line flow lists', 'a: [1,\n  2]\n'],
    ['a trailing comma', 'a: [1, 2,]\n'],
    ['text after a quoted scalar', 'a: "x" y\n'],
    ['surrogates', 'a: "😀"\n'],
  ])('%s: left to js-yaml', (_name, text) => {
    expect(parseSimpleYaml(text)).toBe(NOT_SIMPLE);
  });
});
