import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatDuration, parseDurationMs, tryParseDurationMs } from './duration.js';

describe('parseDurationMs', () => {
  it.each([
    ['0', 0],
    ['500ms', 500],
    ['90s', 90_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1y', 31_536_000_000],
    ['1h30m', 5_400_000],
    ['1d2h3m4s5ms', 93_784_005],
    ['0s', 0],
  ])('parses %s as %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each([
    ['', 'empty text'],
    ['90', 'missing unit after 90 (one of ms, s, m, h, d, w, y)'],
    ['1h30', 'missing unit after 30 (one of ms, s, m, h, d, w, y)'],
    ['1.5h', 'fractions are not allowed; combine units instead, e.g. 1h30m'],
    ['5min', 'unknown unit "min" (expected one of ms, s, m, h, d, w, y)'],
    ['30m1h', 'units must appear once each, in descending order (y, w, d, h, m, s, ms)'],
    ['1m1m', 'units must appear once each, in descending order (y, w, d, h, m, s, ms)'],
    ['-5m', 'negative durations are not allowed'],
    ['5 m', 'spaces are not allowed'],
    ['h', 'unexpected "h" at position 1; expected a number followed by a unit (ms, s, m, h, d, w, y)'],
    ['99999999999999999y', 'too large'],
  ])('rejects %j: %s', (text, reason) => {
    expect(tryParseDurationMs(text)).toEqual({ ok: false, reason });
    expect(() => parseDurationMs(text)).toThrow(`invalid duration ${JSON.stringify(text)}: ${reason}`);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [90_000, '1m30s'],
    [5_400_000, '1h30m'],
    [7_200_000, '2h'],
    [691_200_000, '1w1d'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects %d', (ms) => {
    expect(() => formatDuration(ms)).toThrow(RangeError);
  });

  it('round-trips through parseDurationMs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 365 * 86_400_000 }), (ms) => {
        expect(parseDurationMs(formatDuration(ms))).toBe(ms);
      }),
      { seed: 1 },
    );
  });
});
