import { describe, expect, it } from 'vitest';
import { createRng } from '../../detect/random.js';
import { ClientStats, quantile, retriesPerRequest, retriesPerRequestStandardError, tallyDifference } from './client-stats.js';
import type { InstanceState } from './client-stats.js';

const V1: InstanceState = { instance: 'i0', version: '1.0.0', strategy: { kind: 'v1', v1: { delayMs: 400, maxRetries: 2 } }, description: 'v1(400ms x2)' };

describe('client statistics', () => {
  it('tallies requests, retries, squared retries and exhausted requests per strategy and in total', () => {
    const stats = new ClientStats([V1], createRng(1));
    stats.record('v1', { retries: 0, failed: false, durationMs: 10 });
    stats.record('v1', { retries: 2, failed: true, durationMs: 830 });
    stats.record('v2', { retries: 3, failed: false, durationMs: 90 });
    const snapshot = stats.snapshot();
    expect(snapshot).toMatchObject({ requests: 3, retries: 5, exhausted: 1 });
    expect(snapshot.byStrategy['v1']).toEqual({ requests: 2, retries: 2, retriesSquared: 4, exhausted: 1, durationMsSum: 840 });
    expect(snapshot.byStrategy['v2']).toEqual({ requests: 1, retries: 3, retriesSquared: 9, exhausted: 0, durationMsSum: 90 });
  });

  it('computes retries per request and its standard error (sample sd / √n)', () => {
    const tally = { requests: 4, retries: 4, retriesSquared: 10, exhausted: 0, durationMsSum: 0 };
    // retries 0, 0, 1, 3: mean 1, sample variance (10 − 4) / 3 = 2.
    expect(retriesPerRequest(tally)).toBe(1);
    expect(retriesPerRequestStandardError(tally)).toBeCloseTo(Math.sqrt(2 / 4), 12);
    expect(retriesPerRequest({ ...tally, requests: 0 })).toBeNaN();
    expect(tallyDifference(tally, { ...tally, requests: 1, retries: 3, retriesSquared: 9 })).toEqual({ requests: 3, retries: 1, retriesSquared: 1, exhausted: 0, durationMsSum: 0 });
    expect(tallyDifference(tally, undefined)).toEqual(tally);
  });

  it('summarises each window: rate, retries per request and p99 of the durations, then starts afresh', () => {
    const stats = new ClientStats([V1], createRng(1));
    for (let i = 1; i <= 100; i++) stats.record('v1', { retries: i % 10 === 0 ? 1 : 0, failed: false, durationMs: i });
    const first = stats.takeWindow(2000);
    expect(first).toEqual({ requests: 100, ratePerSecond: 50, retriesPerRequest: 0.1, p99Ms: quantile(Array.from({ length: 100 }, (_, i) => i + 1), 0.99) });
    expect(first.p99Ms).toBeCloseTo(99.01, 10);
    const empty = stats.takeWindow(1000);
    expect(empty.requests).toBe(0);
    expect(empty.p99Ms).toBeNaN();
  });

  it('keeps a bounded uniform sample of durations per window (reservoir sampling)', () => {
    const stats = new ClientStats([V1], createRng(2), 1000);
    for (let i = 0; i < 10_000; i++) stats.record('v1', { retries: 0, failed: false, durationMs: i });
    const window = stats.takeWindow(1000);
    expect(window.requests).toBe(10_000);
    // The p99 of a uniform sample of 1000 from 0…9999 has standard error √(0.99 · 0.01 / 1000) · 10 000 (density 1/10 000).
    expect(Math.abs(window.p99Ms - 9900)).toBeLessThan(4 * Math.sqrt(0.99 * 0.01 / 1000) * 10_000);
  });

  it('reports what each instance runs now', () => {
    const stats = new ClientStats([V1, { ...V1, instance: 'i1' }], createRng(1));
    const v2: InstanceState = { instance: 'i1', version: '2.0.0', strategy: { kind: 'v2', constants: { baseDelayMs: 20, multiplier: 1.5, maxDelayMs: 2000, maxRetries: 5, jitter: 'full' }, source: 'defaults' }, description: 'v2' };
    stats.setCurrent(1, v2);
    expect(stats.snapshot().instances).toEqual([V1, v2]);
  });
});
