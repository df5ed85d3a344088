import { describe, expect, it } from 'vitest';
import { formatSeries, formatTimestampMs } from './format-series.js';

describe('formatSeries', () => {
  it('sorts labels and quotes values as the exposition format does', () => {
    expect(formatSeries('m', { b: 'x"y', a: 'p\\q\nr' })).toBe('m{a="p\\\\q\\nr",b="x\\"y"}');
    expect(formatSeries('m', {})).toBe('m');
  });
});

describe('formatTimestampMs', () => {
  it('renders ISO 8601 UTC, or the raw number when out of range', () => {
    expect(formatTimestampMs(Date.UTC(2026, 3, 10, 12))).toBe('2026-04-10T12:00:00.000Z');
    expect(formatTimestampMs(1e20)).toBe('100000000000000000000 ms');
  });
});
