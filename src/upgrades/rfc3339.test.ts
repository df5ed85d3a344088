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
});
