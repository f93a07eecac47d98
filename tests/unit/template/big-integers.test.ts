/**
 * Python's ints have no limit; a template's numbers are JavaScript doubles, exact up to 2^53. An
 * integer the templates cannot hold exactly is an error at its line, never a nearby number printed
 * into SQL (`where id = {{ 12345678901234567891 }}` printed `12345678901234567168`, another id).
 * Integers beyond 2^53 that a double holds exactly (`2 ** 64`) keep working, as Python prints them.
 */
import { describe, expect, it } from 'vitest';
import { compileProject } from '../../../src/api/compile.js';
import { parseProject } from '../../../src/compile/parse-project.js';
import { renderInModelAndMacro } from '../../helpers/render-state.js';
import { cleanupProjects, cli, writeProject } from '../../helpers/temp-project.js';

cleanupProjects();

const render = renderInModelAndMacro;

describe('integers beyond 2^53', () => {
  it('exact ones print every digit, as Python does', () => {
    expect(render('{{ 2 ** 64 }} {{ 9007199254740992 }} {{ 2 ** 53 * 2 }} {{ -(2 ** 60) }} {{ 9007199254740991 + 0 }}')).toBe(
      '18446744073709551616 9007199254740992 18014398509481984 -1152921504606846976 9007199254740991',
    );
  });

  it('a literal a double cannot hold is an error at its line', () => {
    expect(() => render('select 1\nwhere id = {{ 12345678901234567891 }}')).toThrow(/12345678901234567891.*2\^53.*\(line 2\) \|.*12345678901234567891.*2\^53/s);
    expect(() => render('{{ 0x1FFFFFFFFFFFFF1 }}')).toThrow(/144115188075855857.*\|.*144115188075855857/);
  });

  it('arithmetic whose int result a double cannot hold is an error, not a rounded number', () => {
    for (const template of ['{{ -1 % 2 ** 60 }}', "{{ 'ffffffffffffffffff' | int(0, 16) }}", '{{ 2 ** 53 + 1 }}', '{{ 9007199254740991 + 2 }}', '{{ 3 ** 40 }}', '{{ 123456789 * 987654321 * 3 }}', '{{ -(2 ** 53) - 1 }}', '{{ (2 ** 60 + 2 ** 10) // 3 }}']) {
      expect(() => render(template), template).toThrow(/2\^53.*\|.*2\^53/);
    }
    // A huge one is named by its first digits.
    expect(() => render('{{ 10 ** 400 + 1 }}')).toThrow(/the integer 10000000000000000000\.\.\. \(401 digits\)/);
    expect(render('{{ 7 % 2 ** 60 }} {{ -7 % 3 }} {{ 2 ** 60 % 1000 }} {{ -(2 ** 60) % 2 ** 60 }}')).toBe('7 2 976 0');
    expect(render("{{ 'ff' | int(0, 16) }} {{ '-10' | int(0, 2) }}")).toBe('255 -2');
    // fromyaml reads as PyYAML (and project.yml) does: floats stay floats, big ints are checked.
    expect(render("{{ fromyaml('d: 2.0\\nn: 010\\nf: off')['d'] }} {{ fromyaml('d: 2.0\\nn: 010\\nf: off') }} {{ fromyaml('[1, 2') }}")).toBe(
      "2.0 {'d': 2.0, 'n': 8, 'f': False} None",
    );
    expect(() => render("{{ fromyaml('id: 12345678901234567891') }}")).toThrow(/12345678901234567891.*2\^53/);
    // A bigint past 2^53 that run_query keeps as text, made an int.
    expect(() => render("{{ '12345678901234567891' | int }}")).toThrow(/12345678901234567891.*2\^53/);
    expect(render("{{ '9007199254740992' | int }} {{ '-42' | int }}")).toBe('9007199254740992 -42');
    // Floats are floats: rounded as Python rounds them.
    expect(render('{{ 2.0 ** 53 + 1 }} {{ (2 ** 53 + 1.0) | int > 0 }}')).toBe('9007199254740992.0 True');
  });

  it('a var beyond 2^53 is an error naming project.yml and its line, or --vars; quoted, it is text', async () => {
    const dir = writeProject({
      'project.yml': 'name: proj\nvars:\n  small: 9007199254740991\n  min_id: 12345678901234567891\n',
      'models/m.sql': "select * from t where id > {{ var('min_id') }}",
    });
    const res = parseProject(dir, { env: {} });
    expect(res.errors.map((e) => `${e.location?.file}:${e.location?.line}: ${e.message}`)).toEqual([
      expect.stringMatching(/^project\.yml:4: the integer 12345678901234567891 \(vars\.min_id\) is beyond 2\^53/),
    ]);
    const viaCli = await cli(['--project-dir', dir, 'compile', '--vars', '{min_id: 1}']);
    expect(viaCli.code).toBe(2);
    const flag = await cli(['--project-dir', writeProject({ 'project.yml': 'name: p\n', 'models/m.sql': "select {{ var('n') }}" }), 'compile', '--vars', '{n: 99999999999999999999}']);
    expect([flag.code, flag.stderr]).toEqual([2, expect.stringMatching(/--vars.*n.*99999999999999999999.*2\^53/s)]);
    // In a property file too: a test's values must not name another number.
    const props = writeProject({
      'project.yml': 'name: proj\n',
      'models/m.sql': 'select 1 as id',
      'models/m.yml': 'version: 2\nmodels:\n  - name: m\n    columns:\n      - name: id\n        data_tests:\n          - accepted_values:\n              values: [1, 12345678901234567891]\n              quote: false\n',
    });
    expect(parseProject(props, { env: {} }).errors.map((e) => `${e.location?.file}:${e.location?.line}: ${e.message}`)).toEqual([
      expect.stringMatching(/^models\/m\.yml:8: the integer 12345678901234567891 \(models\.0\.columns\.0\.data_tests\.0\.accepted_values\.values\.1\) is beyond 2\^53/),
    ]);
    const quoted = writeProject({ 'project.yml': "name: proj\nvars:\n  min_id: '12345678901234567891'\n", 'models/m.sql': "select * from t where id > {{ var('min_id') }}" });
    expect(compileProject({ projectDir: quoted, env: {} }).manifest.nodes['model.proj.m']).toMatchObject({ compiledCode: 'select * from t where id > 12345678901234567891' });
  });
});
