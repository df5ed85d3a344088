import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alignedStartMs, MAX_POINTS_PER_REQUEST, planRangeChunks } from './prometheus-range-chunks.js';

describe('planRangeChunks', () => {
  it('keeps a short range in one request', () => {
    expect(planRangeChunks(0, 3 * 3600_000, 15_000)).toEqual([{ startMs: 0, endMs: 3 * 3600_000 }]);
  });

  it('splits at 11,000 points by default, chunks back to back', () => {
    const step = 15_000;
    const chunks = planRangeChunks(0, 20_000 * step, step);
    expect(chunks).toEqual([
      { startMs: 0, endMs: (MAX_POINTS_PER_REQUEST - 1) * step },
      { startMs: MAX_POINTS_PER_REQUEST * step, endMs: 20_000 * step },
    ]);
  });

  it('ends at the last evaluation time not after endMs, and is empty for an empty range', () => {
    expect(planRangeChunks(0, 40_000, 15_000, 2)).toEqual([
      { startMs: 0, endMs: 15_000 },
      { startMs: 30_000, endMs: 30_000 },
    ]);
    expect(planRangeChunks(10, 5, 15_000)).toEqual([]);
    expect(() => planRangeChunks(0, 1, 0)).toThrow(RangeError);
  });

  it('property: every evaluation time in range is requested exactly once, ≤ maxPoints per request', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 97 }), fc.integer({ min: 1, max: 50 }), (start, span, step, max) => {
        const chunks = planRangeChunks(start, start + span, step, max);
        const times: number[] = [];
        for (const c of chunks) {
          const points = (c.endMs - c.startMs) / step + 1;
          expect(Number.isInteger(points) && points >= 1 && points <= max).toBe(true);
          for (let t = c.startMs; t <= c.endMs; t += step) times.push(t);
        }
        const expected = Array.from({ length: Math.floor(span / step) + 1 }, (_, k) => start + k * step);
        expect(times).toEqual(expected);
      }),
    );
  });
});

describe('alignedStartMs', () => {
  it('moves the start forward onto the phase of a known scrape', () => {
    expect(alignedStartMs(1000, 15_000, undefined)).toBe(1000);
    expect(alignedStartMs(60_000, 15_000, 3_002)).toBe(63_002);
    expect(alignedStartMs(60_000, 15_000, 990_000)).toBe(60_000);
    expect(alignedStartMs(60_000, 15_000, 14_999)).toBe(74_999);
  });
});
