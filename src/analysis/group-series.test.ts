import { describe, expect, it } from 'vitest';
import { bucketCounts, bucketLayout, groupSeries, parseBound } from './group-series.js';
import type { GroupingStats, SeriesGroup } from './group-series.js';
import type { Labels, RawSeries } from '../series/model.js';
import { MINUTE_MS, minuteGrid } from '../../test/support/detect-panels.js';

/** A cumulative series sampled at the start of every minute, 0 … values.length − 1. */
function series(labels: Labels, values: readonly number[], name = 'http_requests_total'): RawSeries {
  return {
    name,
    labels,
    timestampsMs: Float64Array.from(values, (_, i) => i * MINUTE_MS),
    values: Float64Array.from(values),
    origin: 'test.om:1',
  };
}

const newStats = (): GroupingStats => ({ resets: 0, seriesWithoutInstance: 0, maxGapMs: 0, gapSeries: [] });
const GRID = minuteGrid(3);

describe('groupSeries', () => {
  it('groups by the `by` labels, then by instance, as per-slice increments', () => {
    const stats = newStats();
    const groups = groupSeries(
      [
        series({ instance: 'a', service: 'api', code: '200' }, [0, 10, 30, 60]),
        series({ instance: 'b', service: 'api', code: '200' }, [5, 6, 7, 8]),
        series({ instance: 'c', service: 'web', code: '200' }, [0, 1, 2, 3]),
      ],
      ['service'],
      'instance',
      GRID,
      stats,
    );
    expect([...groups.keys()]).toEqual(['["api"]', '["web"]']);
    const api = groups.get('["api"]');
    expect(api?.labels).toEqual({ service: 'api' });
    expect([...(api?.instances.keys() ?? [])]).toEqual(['a', 'b']);
    expect(Array.from(api?.instances.get('a')?.get('') ?? [])).toEqual([10, 20, 30]);
    expect(Array.from(api?.instances.get('b')?.get('') ?? [])).toEqual([1, 1, 1]);
    expect(stats).toEqual({ resets: 0, seriesWithoutInstance: 0, maxGapMs: MINUTE_MS, gapSeries: [] });
  });

  it('sums series that share group, instance and `le`', () => {
    const groups = groupSeries(
      [
        series({ instance: 'a', code: '200', le: '0.1' }, [0, 1, 2, 3]),
        series({ instance: 'a', code: '500', le: '0.1' }, [0, 10, 20, 30]),
        series({ instance: 'a', code: '200', le: '+Inf' }, [0, 2, 4, 6]),
      ],
      [],
      'instance',
      GRID,
      newStats(),
    );
    const a = groups.get('[]')?.instances.get('a');
    expect(Array.from(a?.get('0.1') ?? [])).toEqual([11, 11, 11]);
    expect(Array.from(a?.get('+Inf') ?? [])).toEqual([2, 2, 2]);
  });

  it('counts a missing `by` label as "" and a missing instance label in the stats', () => {
    const stats = newStats();
    const groups = groupSeries([series({ instance: 'a' }, [0, 1, 2, 3]), series({ pod: 'x', service: 'api' }, [0, 1, 2, 3])], ['service'], 'instance', GRID, stats);
    expect([...groups.keys()]).toEqual(['[""]']);
    expect(groups.get('[""]')?.labels).toEqual({ service: '' });
    expect(stats.seriesWithoutInstance).toBe(1);
  });

  it('counts counter resets and reports series with gaps over five minutes', () => {
    const stats = newStats();
    const gappy: RawSeries = {
      ...series({ instance: 'b' }, []),
      timestampsMs: Float64Array.from([0, 7 * MINUTE_MS]),
      values: Float64Array.from([0, 70]),
    };
    groupSeries([series({ instance: 'a' }, [0, 10, 3, 8]), gappy], [], 'instance', minuteGrid(8), stats);
    expect(stats.resets).toBe(1);
    expect(stats.maxGapMs).toBe(7 * MINUTE_MS);
    expect(stats.gapSeries).toEqual(['http_requests_total{instance="b"} (7m)']);
  });
});

describe('bucketCounts', () => {
  const byBound = new Map([
    ['0.1', Float64Array.from([5, 0])],
    ['0.5', Float64Array.from([8, 4])],
    ['+Inf', Float64Array.from([10, 3])],
  ]);

  it('turns cumulative bucket increments into per-bucket counts, slice-major', () => {
    const clamped = { count: 0 };
    expect(Array.from(bucketCounts(byBound, ['0.1', '0.5', '+Inf'], 2, clamped) ?? [])).toEqual([5, 3, 2, 0, 4, 0]);
    // Slice 1: +Inf (3) below le=0.5 (4) is clamped to 0 and counted.
    expect(clamped.count).toBe(1);
  });

  it('ignores float noise below 1e-6 when clamping', () => {
    const clamped = { count: 0 };
    const noisy = new Map([
      ['1', Float64Array.from([2])],
      ['+Inf', Float64Array.from([2 - 1e-9])],
    ]);
    expect(Array.from(bucketCounts(noisy, ['1', '+Inf'], 1, clamped) ?? [])).toEqual([2, 0]);
    expect(clamped.count).toBe(0);
  });

  it('is null when the instance lacks a bound of the layout', () => {
    expect(bucketCounts(byBound, ['0.1', '0.25', '+Inf'], 2, { count: 0 })).toBeNull();
  });
});

describe('bucketLayout', () => {
  const group = (...bounds: string[][]): SeriesGroup => ({
    labels: {},
    instances: new Map(bounds.map((b, i) => [`i${i}`, new Map(b.map((le) => [le, new Float64Array(1)]))])),
  });

  it('keeps the bounds every instance has, sorted numerically, +Inf last', () => {
    expect(bucketLayout(group(['+Inf', '10', '2.5', '0.25', '1'], ['1', '0.25', '+Inf', '2.5']))).toEqual(['0.25', '1', '2.5', '+Inf']);
  });

  it('is empty for a group without instances', () => {
    expect(bucketLayout(group())).toEqual([]);
  });
});

describe('parseBound', () => {
  it('reads numbers and +Inf', () => {
    expect(parseBound('+Inf')).toBe(Infinity);
    expect(parseBound('Inf')).toBe(Infinity);
    expect(parseBound('0.25')).toBe(0.25);
    expect(parseBound('1e-3')).toBe(0.001);
  });
});
