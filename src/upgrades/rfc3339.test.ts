import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatRfc3339, parseRfc3339Ms } from './rfc3339.js';

describe('parseRfc3339Ms', () => {
  it.each([
    ['2026-04-10T12:00:00Z', Date.UTC(2026, 3, 10, 12)],
    ['2026-04-10t12:00:00z', Date.UTC(2026, 3, 10, 12)],
    ['2026-04-10 12:00:00Z', Date.UTC(2026, 3, 10, 12)],
    ['2026-04-10T14:30:00+02:30', Date.UTC(2026, 3, 10, 12)],
    ['2026-04-10T07:00:00-05:00', Date.UTC(2026, 3, 10, 12)],
    ['2026-04-10T12:00:00.25Z', Date.UTC(2026, 3, 10, 12, 0, 0, 250)],
    ['2026-04-10T12:00:00.123456789Z', Date.UTC(2026, 3, 10, 12, 0, 0, 123)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    // Years 0-99 are years 0-99 (Date.UTC would read them as 1900-1999); year 0 is a leap year.
    ['0050-01-01T00:00:00Z', -60_589_296_000_000],
    ['0000-02-29T12:00:00Z', -62_162_078_400_000],
  ])('parses %s', (text, ms) => {
    expect(parseRfc3339Ms(text)).toBe(ms);
  });

  it.each([
    'yesterday',
    '2026-04-10',
    '2026-04-10T12:00:00',
    '2026-04-10T12:00Z',
    '2026-02-30T00:00:00Z',
    '2025-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '0100-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-04-10T24:00:00Z',
    '2026-04-10T23:59:60Z',
    '2026-04-10T12:00:00+2:00',
    ' 2026-04-10T12:00:00Z',
  ])('rejects %j', (text) => {
    expect(parseRfc3339Ms(text)).toBeUndefined();
  });
});

describe('formatRfc3339', () => {
  it('prints UTC with milliseconds only when needed', () => {
    expect(formatRfc3339(Date.UTC(2026, 3, 10, 12))).toBe('2026-04-10T12:00:00Z');
    expect(formatRfc3339(Date.UTC(2026, 3, 10, 12, 0, 0, 5))).toBe('2026-04-10T12:00:00.005Z');
  });

  it('is read back by parseRfc3339Ms, four-digit years 0000-9999 included', () => {
    for (const text of ['0050-01-01T00:00:00Z', '0000-12-31T23:59:59.999Z', '9999-12-31T23:59:59Z', '2026-04-10T12:00:00Z']) {
      expect(formatRfc3339(parseRfc3339Ms(text) as number)).toBe(text);
    }
    const fourDigitYears = fc.integer({ min: Date.parse('0000-01-01T00:00:00Z'), max: Date.parse('9999-12-31T23:59:59.999Z') });
    fc.assert(fc.property(fourDigitYears, (ms) => parseRfc3339Ms(formatRfc3339(ms)) === ms), { seed: 20260406, numRuns: 1000 });
  });
});
