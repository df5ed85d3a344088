import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MetricsInputError } from './metrics-input-error.js';
import { labelBlockEnd, parseLabels, parseNumber } from './openmetrics-lexer.js';

const num = (s: string): number | undefined => parseNumber(s, 0, s.length);

describe('parseNumber', () => {
  it('parses integers, decimals, exponents and the special values', () => {
    expect(num('0')).toBe(0);
    expect(num('123456789012345')).toBe(123456789012345);
    expect(num('1234567890123456789')).toBe(Number('1234567890123456789'));
    expect(num('-4.5')).toBe(-4.5);
    expect(num('+4.5')).toBe(4.5);
    expect(num('1775822400.123')).toBe(1775822400.123);
    expect(num('.5')).toBe(0.5);
    expect(num('5.')).toBe(5);
    expect(num('1e-1')).toBe(0.1);
    expect(num('-1.5E+3')).toBe(-1500);
    expect(num('NaN')).toBeNaN();
    expect(num('+Inf')).toBe(Infinity);
    expect(num('Inf')).toBe(Infinity);
    expect(num('-Inf')).toBe(-Infinity);
    expect(num('-infinity')).toBe(-Infinity);
  });

  it('refuses anything else', () => {
    for (const bad of ['', '-', '+', '.', '1e', '1.2.3', '0x10', '1_000', 'Infinityx', '1-2', 'abc', '١']) {
      expect(num(bad), bad).toBeUndefined();
    }
  });

  it('agrees with Number() on every double and on short decimals (fast path included)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (x) => {
        expect(num(String(x))).toBe(x === 0 ? 0 : x);
      }),
    );
    fc.assert(
      fc.property(fc.stringMatching(/^-?\d{1,8}(\.\d{1,7})?$/), (s) => {
        expect(num(s)).toBe(Number(s));
      }),
    );
  });

  it('parses a token inside a larger string without looking outside it', () => {
    const text = 'x 42 1775822400';
    expect(parseNumber(text, 2, 4)).toBe(42);
    expect(parseNumber(text, 5, 15)).toBe(1775822400);
  });
});

describe('parseLabels and labelBlockEnd', () => {
  const ctx = { file: 'f.om', line: 7, lineStart: 0 };

  it('parses escapes, blanks and a trailing comma', () => {
    const text = 'm{ a = "x\\\\y" , b="q\\"\\n", } 1';
    const end = labelBlockEnd(text, 1, text.length);
    expect(text.charAt(end - 1)).toBe('}');
    expect(parseLabels(ctx, text, 1, text.length)).toEqual({ labels: { a: 'x\\y', b: 'q"\n' }, end });
  });

  it('finds the closing brace past braces and quotes inside values', () => {
    const text = 'm{a="}\\"}"} 1';
    expect(labelBlockEnd(text, 1, text.length)).toBe(11);
    expect(labelBlockEnd('m{a="x', 1, 6)).toBe(-1);
  });

  it('throws MetricsInputError with file, line and column', () => {
    const text = 'm{a="x",9="y"} 1';
    let error: unknown;
    try {
      parseLabels(ctx, text, 1, text.length);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MetricsInputError);
    expect((error as MetricsInputError).message).toBe("f.om:7:9: expected label name or '}', found '9'");
  });
});
