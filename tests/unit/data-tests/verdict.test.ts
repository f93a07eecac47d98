import { describe, expect, it } from 'vitest';
import { StrataError } from '../../../src/errors/strata-error.js';
import { decide, holds, parseCondition, verdictConfig, verdictMessage } from '../../../src/data-tests/verdict.js';

describe('parseCondition', () => {
  it.each([
    ['!=0', '!=', 0],
    ['!= 0', '!=', 0],
    ['<>0', '!=', 0],
    ['>10', '>', 10],
    [' > 10 ', '>', 10],
    ['>=5', '>=', 5],
    ['=0', '=', 0],
    ['<3', '<', 3],
    ['<=2.5', '<=', 2.5],
    ['>-1', '>', -1],
  ])('%j → %s %d', (text, op, value) => {
    expect(parseCondition(text, 'warn_if')).toEqual({ op, value, text: `${op} ${value}` });
  });

  it.each([['lots'], ['>'], ['10'], ['==0'], ['> ten'], ['between 1 and 3'], [''], [10], [null]])('rejects %j with a CONFIG error', (text) => {
    let err: unknown;
    try {
      parseCondition(text, 'error_if', { nodeId: 'test.p.t', location: { file: 'models/schema.yml', line: 3, column: 5 } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StrataError);
    expect(err).toMatchObject({ code: 'CONFIG', nodeId: 'test.p.t', location: { file: 'models/schema.yml', line: 3 } });
    expect((err as StrataError).message).toContain(`invalid error_if ${JSON.stringify(text)} on test.p.t`);
    expect((err as StrataError).hint).toContain('error_if: ">10"');
  });
});

describe('holds', () => {
  it.each([
    ['!=0', 0, false], ['!=0', 3, true],
    ['=0', 0, true], ['=0', 1, false],
    ['>10', 10, false], ['>10', 11, true],
    ['>=5', 4, false], ['>=5', 5, true],
    ['<3', 2, true], ['<3', 3, false],
    ['<=3', 3, true], ['<=3', 4, false],
  ] as const)('%s with %i failures → %s', (cond, failures, expected) => {
    expect(holds(parseCondition(cond, 'warn_if'), failures)).toBe(expected);
  });
});

describe('decide (dbt rules)', () => {
  // [severity, warn_if, error_if, failures, verdict]
  const table: Array<[string | undefined, string | undefined, string | undefined, number, string]> = [
    [undefined, undefined, undefined, 0, 'pass'],
    [undefined, undefined, undefined, 1, 'fail'],
    ['error', undefined, undefined, 7, 'fail'],
    ['ERROR', undefined, undefined, 7, 'fail'],
    ['warn', undefined, undefined, 7, 'warn'],
    ['Warn', undefined, undefined, 0, 'pass'],
    // severity warn never fails, whatever error_if says
    ['warn', undefined, '!=0', 7, 'warn'],
    ['warn', '>10', undefined, 7, 'pass'],
    ['warn', '>10', undefined, 11, 'warn'],
    // severity error: error_if first, then warn_if
    ['error', undefined, '>10', 5, 'warn'],
    ['error', undefined, '>10', 11, 'fail'],
    ['error', '>5', '>10', 5, 'pass'],
    ['error', '>5', '>10', 6, 'warn'],
    ['error', '>5', '>10', 11, 'fail'],
    ['error', '=0', '>100', 0, 'warn'],
    ['error', undefined, '=0', 0, 'fail'],
    ['error', undefined, '<3', 2, 'fail'],
    ['error', undefined, '<3', 3, 'warn'],
  ];
  it.each(table)('severity %s, warn_if %s, error_if %s, %i failures → %s', (severity, warnIf, errorIf, failures, verdict) => {
    const cfg = verdictConfig({
      ...(severity !== undefined ? { severity } : {}),
      ...(warnIf !== undefined ? { warn_if: warnIf } : {}),
      ...(errorIf !== undefined ? { error_if: errorIf } : {}),
    });
    expect(decide(failures, cfg)).toBe(verdict);
  });

  it('rejects an unknown severity', () => {
    expect(() => verdictConfig({ severity: 'fatal' }, { nodeId: 'test.p.x' })).toThrowError(expect.objectContaining({ code: 'CONFIG', message: 'invalid severity "fatal" on test.p.x' }));
  });
});

describe('verdictMessage', () => {
  it.each([
    [{}, 0, 'pass'],
    [{}, 3, '3 rows failed (threshold != 0)'],
    [{}, 1, '1 row failed (threshold != 0)'],
    [{ severity: 'warn' }, 2, '2 rows failed (warn threshold != 0)'],
    [{ error_if: '>10' }, 4, '4 rows failed (warn threshold != 0; error_if > 10 not reached)'],
    [{ error_if: '>10', warn_if: '>5' }, 4, 'pass: 4 rows failed, within thresholds (warn_if > 5, error_if > 10)'],
    [{ severity: 'warn', warn_if: '>5' }, 4, 'pass: 4 rows failed, within thresholds (warn_if > 5)'],
  ])('%j with %i failures → %s', (config, failures, message) => {
    const cfg = verdictConfig(config);
    expect(verdictMessage(failures, decide(failures, cfg), cfg)).toBe(message);
  });
});
