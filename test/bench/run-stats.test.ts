import { describe, expect, it } from 'vitest';
import { summarizeRuns, timeSeconds } from './run-stats.js';

describe('summarizeRuns', () => {
  it('takes the middle value of an odd count, whatever the order', () => {
    expect(summarizeRuns([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, runs: 3 });
  });

  it('averages the two middle values of an even count', () => {
    expect(summarizeRuns([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4, runs: 4 });
  });

  it('handles a single run', () => {
    expect(summarizeRuns([1.25])).toEqual({ median: 1.25, min: 1.25, max: 1.25, runs: 1 });
  });

  it('refuses no measurements and non-finite ones', () => {
    expect(() => summarizeRuns([])).toThrow(/at least one measurement/);
    expect(() => summarizeRuns([1, Number.NaN])).toThrow(/finite measurements, got NaN/);
  });
});

describe('timeSeconds', () => {
  it('returns the result and a non-negative duration in seconds', async () => {
    const run = await timeSeconds(() => Promise.resolve(42));
    expect(run.result).toBe(42);
    expect(run.seconds).toBeGreaterThanOrEqual(0);
  });
});
