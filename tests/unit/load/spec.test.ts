import { describe, expect, it } from 'vitest';
import { parseLoadSpec } from '../../../src/load/spec.js';
import { sourceNode } from './spec-fixture.js';

function errorsOf(load: Record<string, unknown>): string[] {
  return parseLoadSpec(sourceNode('perf', load)).errors.map((e) => e.message);
}

describe('parseLoadSpec', () => {
  it('fills the documented defaults', () => {
    const { spec, errors } = parseLoadSpec(sourceNode('perf', { files: 'data/*.txt', columns: ['a', 'b'] }));
    expect(errors).toEqual([]);
    expect(spec).toEqual({
      files: ['data/*.txt'],
      format: 'delimited',
      delimiter: '|',
      quote: null,
      header: false,
      encoding: 'utf8',
      nullValues: [''],
      columns: ['a', 'b'],
      minColumns: 2,
      extraColumns: 'error',
      onBadRow: 'quarantine',
      maxBadRows: 100,
      allowEmpty: false,
    });
  });

  it('reads every key, with aliases for tab and encodings', () => {
    const { spec } = parseLoadSpec(
      sourceNode('perf', {
        files: ['a/*.gz', 's3://b/k/*.zip'], delimiter: 'tab', quote: '"', header: true, encoding: 'ISO-8859-1',
        null_values: ['', 'NULL'], members: 'x_*.txt', columns: ['a', 'b', 'c'], min_columns: 2, extra_columns: 'ignore',
        on_bad_row: 'fail', max_bad_rows: 0, s3: { endpoint: 'http://localhost:9000', region: 'us-east-1', force_path_style: true },
      }),
    );
    expect(spec).toMatchObject({
      delimiter: '\t', quote: '"', header: true, encoding: 'latin1', nullValues: ['', 'NULL'], members: 'x_*.txt', minColumns: 2,
      extraColumns: 'ignore', onBadRow: 'fail', maxBadRows: 0, s3: { endpoint: 'http://localhost:9000', region: 'us-east-1', forcePathStyle: true },
    });
  });

  it('falls back to the columns declared on the source', () => {
    const { spec } = parseLoadSpec(sourceNode('perf', { files: 'x.txt' }, { columns: ['loan_id', 'period'] }));
    expect(spec?.columns).toEqual(['loan_id', 'period']);
  });

  it('reports errors at the property file entry, naming the source and the key', () => {
    const { spec, errors } = parseLoadSpec(sourceNode('perf', { files: 'x.txt', columns: ['a'], delimiter: '||' }));
    expect(spec).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]?.code).toBe('CONFIG');
    expect(errors[0]?.message).toBe('source raw.perf: load.delimiter must be a single ASCII character, got "||"');
    expect(errors[0]?.location).toEqual({ file: 'models/sources.yml', line: 7, column: 7 });
    expect(errors[0]?.nodeId).toBe('source.proj.raw.perf');
  });

  it('collects every problem', () => {
    expect(
      errorsOf({
        file: 'typo', delimiter: 'a', quote: '|', header: 'yes', encoding: 'utf16', null_values: [1], columns: ['a', 'a', '_file', ''],
        min_columns: 9, extra_columns: 'drop', on_bad_row: 'skip', max_bad_rows: -1, format: 'csv', s3: { bucket: 'x' },
      }),
    ).toEqual([
      expect.stringContaining('load.file is not a known key'),
      'source raw.perf: load.files is missing: give a path or glob (relative to the project, absolute, or s3://bucket/prefix/*)',
      'source raw.perf: load.format must be one of delimited, got "csv"',
      expect.stringContaining("load.delimiter cannot be \"a\""),
      'source raw.perf: load.columns lists a twice',
      'source raw.perf: load.columns cannot use _file: strata adds that column itself',
      'source raw.perf: load.columns has an empty or invalid name ""',
      'source raw.perf: load.quote cannot be "|" (it must differ from the delimiter, backslash and line breaks)',
      'source raw.perf: load.header must be true or false, got "yes"',
      'source raw.perf: load.encoding must be one of utf8, latin1, got "utf16"',
      'source raw.perf: load.null_values must be a string or a list of strings, got [1]',
      'source raw.perf: load.min_columns must be a whole number from 1 to 4, got 9',
      'source raw.perf: load.extra_columns must be one of ignore, error, got "drop"',
      'source raw.perf: load.on_bad_row must be one of quarantine, fail, got "skip"',
      'source raw.perf: load.max_bad_rows must be a whole number from 0 to 100000, got -1',
      expect.stringContaining('load.s3.bucket is not a known key'),
    ]);
  });

  it('reads key (columns that identify a row within a file) and rejects unknown, empty or repeated columns', () => {
    expect(parseLoadSpec(sourceNode('perf', { files: 'x', columns: ['a', 'b', 'c'], key: ['a', 'b'] })).spec?.key).toEqual(['a', 'b']);
    expect(parseLoadSpec(sourceNode('perf', { files: 'x', columns: ['a', 'b'], key: 'a' })).spec?.key).toEqual(['a']);
    expect(errorsOf({ files: 'x', columns: ['a', 'b'], key: ['a', 'z'] })).toEqual(['source raw.perf: load.key names z, not among the load\'s columns']);
    expect(errorsOf({ files: 'x', columns: ['a', 'b'], key: [] })).toEqual(['source raw.perf: load.key is empty: list the columns that identify a row within a file, or leave key out']);
    expect(errorsOf({ files: 'x', columns: ['a', 'b'], key: ['a', 'a'] })).toEqual(['source raw.perf: load.key lists a column twice']);
  });

  it('rejects a quote equal to the delimiter and null values holding the delimiter', () => {
    expect(errorsOf({ files: 'x', columns: ['a'], quote: '|', null_values: ['a|b'] })).toEqual([
      'source raw.perf: load.quote cannot be "|" (it must differ from the delimiter, backslash and line breaks)',
      'source raw.perf: load.null_values cannot contain "a|b" (no delimiter or line break, under 256 bytes)',
    ]);
  });

  it('refuses unrendered templates in files', () => {
    expect(errorsOf({ files: "{{ var('raw_path', 'data/raw') }}/*.txt", columns: ['a'] })).toEqual([
      "source raw.perf: load.files[0] is an unrendered template: {{ var('raw_path', 'data/raw') }}/*.txt",
    ]);
  });

  it('asks for columns when neither load nor the source declares them', () => {
    expect(errorsOf({ files: 'x.txt' })).toEqual(['source raw.perf: load.columns is missing: list the raw column names in file order']);
  });

  it('treats quote: none / null / false as no quoting', () => {
    for (const quote of ['none', null, false, '']) expect(parseLoadSpec(sourceNode('p', { files: 'x', columns: ['a'], quote })).spec?.quote).toBeNull();
  });
});
