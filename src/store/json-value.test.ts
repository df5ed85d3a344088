import { describe, expect, it } from 'vitest';
import { checkJsonValue, copyJson, unstorableTextReason } from './json-value.js';
import { parseRecordId } from './record-checks.js';

function problem(value: unknown): string | null {
  try {
    checkJsonValue(value, 'p');
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('checkJsonValue', () => {
  it('accepts what survives a JSON round trip unchanged', () => {
    const value = { a: [1, -2.5, 1e-300, 'x', true, null, { b: [] }], 'k.ey': { nested: { deep: 'é😀' } }, dropped: undefined };
    expect(problem(value)).toBeNull();
    expect(copyJson(value)).toEqual({ a: [1, -2.5, 1e-300, 'x', true, null, { b: [] }], 'k.ey': { nested: { deep: 'é😀' } } });
    expect(problem(Object.create(null))).toBeNull();
    const shared = { x: 1 };
    expect(problem({ a: shared, b: shared })).toBeNull();
  });

  it('names the path of the first value that would not survive', () => {
    expect(problem({ a: [1, { b: Number.POSITIVE_INFINITY }] })).toBe('p.a[1].b: expected a finite number, got Infinity');
    expect(problem([undefined])).toBe('p[0]: expected a JSON value, got undefined');
    expect(problem(undefined)).toBe('p: expected a JSON value, got undefined');
    expect(problem({ n: 10n })).toBe('p.n: expected a JSON value, got bigint');
    expect(problem({ f: () => 1 })).toBe('p.f: expected a JSON value, got function');
    expect(problem({ m: new Map() })).toBe('p.m: expected a plain object, got Map');
    expect(problem({ s: 'a\u0000b' })).toBe('p.s: string contains a NUL character');
    expect(problem({ ['k\u0000']: 1 })).toBe('p.k\u0000: key contains a NUL character');
    const cycle: Record<string, unknown> = {};
    cycle.self = { again: cycle };
    expect(problem(cycle)).toBe('p.self.again: expected a JSON value, got a cycle');
  });

  it('flags lone surrogates but not surrogate pairs', () => {
    expect(unstorableTextReason('ok 😀')).toBeNull();
    expect(unstorableTextReason('\uD83D')).toBe('contains a lone UTF-16 surrogate');
    expect(unstorableTextReason('x\uDE00')).toBe('contains a lone UTF-16 surrogate');
  });
});

describe('parseRecordId', () => {
  it('reads store-assigned decimal ids and nothing else', () => {
    expect(parseRecordId('1')).toBe(1);
    expect(parseRecordId('123456789012345')).toBe(123456789012345);
    for (const id of ['', '0', '01', '-1', '1.0', ' 1', '1e3', 'abc', '1234567890123456']) expect(parseRecordId(id)).toBeNull();
  });
});
