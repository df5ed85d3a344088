import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { counterIncrements, gaugeAt } from './counter-increments.js';
import type { RawSeries, SliceGrid } from './model.js';

function series(points: ReadonlyArray<readonly [number, number]>): RawSeries {
  return {
    name: 'c_total',
    labels: {},
    timestampsMs: Float64Array.from(points.map((p) => p[0])),
    values: Float64Array.from(points.map((p) => p[1])),
    origin: 'test',
  };
}

const S = 1000;
const grid = (count: number, startMs = 0, sliceMs = 60 * S): SliceGrid => ({ startMs, sliceMs, count });

describe('counterIncrements', () => {
  it('sums the deltas of regular samples per slice', () => {
    const points = Array.from({ length: 9 }, (_, k) => [k * 15 * S, k * 2] as const);
    const r = counterIncrements(series(points), grid(2));
    expect([...r.increments]).toEqual([8, 8]);
    expect([...r.covered]).toEqual([1, 1]);
    expect(r.resets).toBe(0);
    expect(r.maxGapMs).toBe(15 * S);
  });

  it('treats a decrease as a restart from 0, as Prometheus increase() does', () => {
    const r = counterIncrements(series([[0, 10], [15 * S, 20], [30 * S, 5], [45 * S, 8]]), grid(1));
    expect([...r.increments]).toEqual([10 + 5 + 3]);
    expect(r.resets).toBe(1);
  });

  it('splits a delta spanning a slice boundary in proportion to the overlap', () => {
    const r = counterIncrements(series([[50 * S, 0], [70 * S, 20]]), grid(2));
    expect([...r.increments]).toEqual([10, 10]);
  });

  it('counts only the in-grid part of intervals starting before or ending after the grid', () => {
    const r = counterIncrements(series([[-30 * S, 0], [30 * S, 60], [150 * S, 180]]), grid(2));
    expect([...r.increments]).toEqual([30 + 30, 60]);
    expect([...r.covered]).toEqual([1, 1]);
    expect(r.maxGapMs).toBe(120 * S);
  });

  it('marks slices without any sample interval as not covered and reports the largest gap', () => {
    const r = counterIncrements(series([[130 * S, 0], [140 * S, 1], [440 * S, 31]]), grid(8));
    expect([...r.covered]).toEqual([0, 0, 1, 1, 1, 1, 1, 1]);
    expect(r.increments[0]).toBe(0);
    expect(r.increments[2]).toBeCloseTo(1 + 4, 12);
    expect(r.maxGapMs).toBe(300 * S);
  });

  it('ignores intervals entirely outside the grid, including their resets', () => {
    const r = counterIncrements(series([[0, 50], [10 * S, 1], [20 * S, 2], [500 * S, 100], [510 * S, 0]]), grid(2, 60 * S));
    expect(r.resets).toBe(0);
    expect(r.increments.reduce((a, b) => a + b, 0)).toBeCloseTo((98 * 120) / 480, 10);
  });

  it('skips non-finite samples', () => {
    const r = counterIncrements(series([[0, 1], [15 * S, NaN], [30 * S, 3], [45 * S, Infinity]]), grid(1));
    expect([...r.increments]).toEqual([2]);
  });

  it('returns empty arrays for an empty grid or series', () => {
    expect(counterIncrements(series([]), grid(3)).covered).toEqual(new Uint8Array(3));
    expect(counterIncrements(series([[0, 1], [S, 2]]), grid(0)).increments).toHaveLength(0);
  });

  const arbitrarySeries = fc
    .array(fc.tuple(fc.integer({ min: 1, max: 200 * S }), fc.double({ min: 0, max: 1e6, noNaN: true })), { minLength: 1, maxLength: 60 })
    .map((steps) => {
      let t = 0;
      return series(steps.map(([dt, v]) => [(t += dt), v] as const));
    });

  it('property: over a grid covering all samples, increments sum to the total increase with resets', () => {
    fc.assert(
      fc.property(arbitrarySeries, fc.integer({ min: 1, max: 300 * S }), (s, sliceMs) => {
        const last = s.timestampsMs[s.timestampsMs.length - 1] ?? 0;
        const r = counterIncrements(s, { startMs: 0, sliceMs, count: Math.floor(last / sliceMs) + 1 });
        let expected = 0;
        let resets = 0;
        for (let i = 1; i < s.values.length; i++) {
          const [prev, cur] = [s.values[i - 1] ?? 0, s.values[i] ?? 0];
          expected += cur >= prev ? cur - prev : cur;
          if (cur < prev) resets++;
        }
        const total = r.increments.reduce((a, b) => a + b, 0);
        expect(Math.abs(total - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, expected));
        expect(r.resets).toBe(resets);
      }),
    );
  });

  it('property: slicing a grid in two gives the same per-slice increments', () => {
    fc.assert(
      fc.property(arbitrarySeries, fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 40 }), (s, count, cut) => {
        const k = Math.min(cut, count);
        const sliceMs = 30 * S;
        const whole = counterIncrements(s, { startMs: 0, sliceMs, count });
        const left = counterIncrements(s, { startMs: 0, sliceMs, count: k });
        const right = counterIncrements(s, { startMs: k * sliceMs, sliceMs, count: count - k });
        const joined = [...left.increments, ...right.increments];
        whole.increments.forEach((v, i) => expect(joined[i]).toBeCloseTo(v, 6));
        expect([...left.covered, ...right.covered]).toEqual([...whole.covered]);
      }),
    );
  });
});

describe('gaugeAt', () => {
  it('gives the last value in each slice and NaN where there is none', () => {
    const s = series([[-5 * S, 9], [10 * S, 1], [50 * S, 2], [130 * S, 3], [200 * S, 4]]);
    expect([...gaugeAt(s, grid(3))]).toEqual([2, NaN, 3]);
  });
});
