import { describe, expect, it } from 'vitest';
import type { RawSeries } from '../series/model.js';
import { bucketQuantile, counterIncrease, windowBuckets, windowIncrease } from './readout.js';

function counter(name: string, labels: Record<string, string>, values: number[]): RawSeries {
  return { name, labels, timestampsMs: Float64Array.from(values, (_, i) => i * 1000), values: Float64Array.from(values), origin: 'test' };
}

describe('counterIncrease', () => {
  it('sums increases inside the window and treats a decrease as a reset to 0', () => {
    const s = counter('c_total', {}, [10, 15, 20, 3, 8, 8]);
    expect(counterIncrease(s, 0, 5000)).toBe(5 + 5 + 3 + 5 + 0);
    expect(counterIncrease(s, 1000, 2000)).toBe(5);
    expect(counterIncrease(s, 2500, 2600)).toBe(0);
  });
});

describe('bucketQuantile', () => {
  const buckets = [
    { le: 0.1, count: 50 },
    { le: 0.5, count: 90 },
    { le: Infinity, count: 100 },
  ];

  it('interpolates linearly inside the bucket like histogram_quantile', () => {
    expect(bucketQuantile(0.25, buckets)).toBeCloseTo(0.05, 12);
    expect(bucketQuantile(0.7, buckets)).toBeCloseTo(0.1 + 0.4 * (20 / 40), 12);
  });

  it('returns the highest finite bound for ranks in +Inf and NaN when empty', () => {
    expect(bucketQuantile(0.95, buckets)).toBe(0.5);
    expect(bucketQuantile(0.5, [{ le: 1, count: 0 }, { le: Infinity, count: 0 }])).toBeNaN();
  });
});

describe('window aggregation', () => {
  it('sums matching series per le and per name', () => {
    const series = [
      counter('h_bucket', { i: 'a', le: '0.1' }, [0, 5]),
      counter('h_bucket', { i: 'b', le: '0.1' }, [0, 7]),
      counter('h_bucket', { i: 'a', le: '+Inf' }, [0, 9]),
      counter('h_bucket', { i: 'c', le: '+Inf' }, [0, 100]),
      counter('r_total', { i: 'a' }, [1, 4]),
    ];
    expect(windowBuckets(series, 'h', { i: 'a' }, 0, 1000)).toEqual([
      { le: 0.1, count: 5 },
      { le: Infinity, count: 9 },
    ]);
    expect(windowBuckets(series, 'h', {}, 0, 1000)).toEqual([
      { le: 0.1, count: 12 },
      { le: Infinity, count: 109 },
    ]);
    expect(windowIncrease(series, 'r_total', { i: 'a' }, 0, 1000)).toBe(3);
  });
});
