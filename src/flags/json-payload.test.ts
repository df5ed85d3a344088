import { describe, expect, it } from 'vitest';
import { FlagShapeError } from './flag-store-error.js';
import { parsePayload, sameJson, serialisePayload } from './json-payload.js';

describe('sameJson', () => {
  it('compares objects by keys regardless of order, arrays by position', () => {
    expect(sameJson({ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 })).toBe(true);
    expect(sameJson(parsePayload('{ "multiplier": 2.0 }', 'p'), { multiplier: 2 })).toBe(true);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    expect(sameJson({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameJson({ a: 1, b: 2 }, { a: 1, c: 2 })).toBe(false);
    expect(sameJson({ a: null }, {})).toBe(false);
    expect(sameJson({ 0: 'x' }, ['x'])).toBe(false);
    expect(sameJson(1, '1')).toBe(false);
    expect(sameJson(null, {})).toBe(false);
    expect(sameJson('full', 'full')).toBe(true);
  });
});

describe('parsePayload and serialisePayload', () => {
  it('names where a stored payload is not JSON', () => {
    expect(() => parsePayload('{nope', 'flag f, variant constants')).toThrow(FlagShapeError);
    expect(() => parsePayload('{nope', 'flag f, variant constants')).toThrow(/^flag f, variant constants: payload of type json is not valid JSON \(/);
  });

  it('writes plain JSON and refuses values JSON would change', () => {
    expect(serialisePayload({ baseDelayMs: 125, jitter: 'full', list: [1, null] }, 'w')).toBe('{"baseDelayMs":125,"jitter":"full","list":[1,null]}');
    expect(() => serialisePayload({ maxDelayMs: Infinity }, 'w')).toThrow('w: the new payload is not plain JSON at $.maxDelayMs (Infinity)');
    expect(() => serialisePayload([1, Number.NaN], 'w')).toThrow('at $[1] (NaN)');
    expect(() => serialisePayload({ f: (() => 1) as unknown as number }, 'w')).toThrow('at $.f (function)');
  });
});
