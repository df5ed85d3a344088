import { describe, expect, it } from 'vitest';
import { decodeMatrix, decodeSampleValue, decodeSeriesList, ResponseShapeError } from './prometheus-json.js';

describe('decodeMatrix', () => {
  it('decodes labels, second timestamps to ms and string values, special values included', () => {
    const data = {
      resultType: 'matrix',
      result: [{ metric: { __name__: 'up', job: 'a' }, values: [[1775822400, '1'], [1775822415.5, 'NaN'], [1775822430, '+Inf'], [1775822445, '-Inf'], [1775822460, '1e3']] }],
    };
    expect(decodeMatrix(data)).toEqual([
      {
        metric: { __name__: 'up', job: 'a' },
        timestampsMs: [1775822400000, 1775822415500, 1775822430000, 1775822445000, 1775822460000],
        values: [1, NaN, Infinity, -Infinity, 1000],
      },
    ]);
  });

  it('names the JSON path of malformed data', () => {
    const shape = (data: unknown): string => {
      try {
        decodeMatrix(data);
      } catch (error) {
        if (error instanceof ResponseShapeError) return error.message;
      }
      return 'no error';
    };
    expect(shape({ resultType: 'vector', result: [] })).toBe('malformed response at data.resultType: expected "matrix", got "vector"');
    expect(shape({ resultType: 'matrix', result: {} })).toBe('malformed response at data.result: expected an array');
    expect(shape({ resultType: 'matrix', result: [{ metric: { a: 1 }, values: [] }] })).toBe('malformed response at data.result[0].metric.a: expected a label value string');
    expect(shape({ resultType: 'matrix', result: [{ metric: {}, values: [[1, 'x']] }] })).toContain('data.result[0].values[0][1]: expected a number, NaN, +Inf or -Inf, got "x"');
    expect(shape({ resultType: 'matrix', result: [{ metric: {}, values: [['1', '1']] }] })).toContain('data.result[0].values[0][0]: expected a timestamp in seconds');
    // Finite seconds whose milliseconds overflow to Infinity (found by test/fuzz/prometheus-api.fuzz.test.ts).
    expect(shape({ resultType: 'matrix', result: [{ metric: {}, values: [[1e306, '1']] }] })).toContain('data.result[0].values[0][0]: expected a timestamp in seconds');
  });
});

describe('decodeSeriesList and decodeSampleValue', () => {
  it('decodes label sets and refuses non-strings', () => {
    expect(decodeSeriesList([{ __name__: 'up', job: 'a' }])).toEqual([{ __name__: 'up', job: 'a' }]);
    expect(() => decodeSeriesList({})).toThrow('malformed response at data: expected an array');
    expect(() => decodeSampleValue(1, 'v')).toThrow('malformed response at v: expected a sample value as a string');
    expect(() => decodeSampleValue('', 'v')).toThrow(ResponseShapeError);
  });
});
