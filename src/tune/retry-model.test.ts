import { describe, expect, it } from 'vitest';
import { backoffDelayMs, failureProbabilityFromRetries, latencyFromHistogram, predictRetries } from './retry-model.js';
import type { BackoffConstants } from './retry-model.js';
import { createRng } from '../detect/random.js';

const CONSTANTS: BackoffConstants = { baseDelayMs: 100, multiplier: 2, maxDelayMs: 5000, maxRetries: 3, jitter: 'full' };
const fixed = (ms: number) => () => ms;

describe('failureProbabilityFromRetries', () => {
  it('inverts r = p + p² + … + p^R', () => {
    for (const [p, R] of [[0.1, 3], [0.4, 5], [0.9, 2]] as const) {
      let r = 0;
      for (let k = 1; k <= R; k++) r += p ** k;
      expect(failureProbabilityFromRetries(r, R)).toBeCloseTo(p, 10);
    }
  });

  it('is 0 without retries and null when the retries are not reachable', () => {
    expect(failureProbabilityFromRetries(0, 3)).toBe(0);
    expect(failureProbabilityFromRetries(3, 3)).toBeNull();
    expect(failureProbabilityFromRetries(0.2, 0)).toBeNull();
  });
});

describe('backoffDelayMs', () => {
  it('grows exponentially up to the cap without jitter', () => {
    const rng = createRng(1);
    const none = { ...CONSTANTS, jitter: 'none' as const, maxRetries: 8 };
    expect([1, 2, 3, 4, 7].map((k) => backoffDelayMs(none, k, 0, rng))).toEqual([100, 200, 400, 800, 5000]);
  });

  it('keeps each jitter inside its range', () => {
    const rng = createRng(2);
    for (let i = 0; i < 1000; i++) {
      const full = backoffDelayMs(CONSTANTS, 3, 0, rng);
      expect(full).toBeGreaterThanOrEqual(0);
      expect(full).toBeLessThan(400);
      const equal = backoffDelayMs({ ...CONSTANTS, jitter: 'equal' }, 3, 0, rng);
      expect(equal).toBeGreaterThanOrEqual(200);
      expect(equal).toBeLessThan(400);
      const decorrelated = backoffDelayMs({ ...CONSTANTS, jitter: 'decorrelated' }, 3, 1000, rng);
      expect(decorrelated).toBeGreaterThanOrEqual(100);
      expect(decorrelated).toBeLessThanOrEqual(3000);
    }
  });
});

describe('predictRetries', () => {
  it('matches the closed forms: retries p + … + p^R, failures p^(R+1), mean full-jitter sleep half the exponential', () => {
    const p = 0.3;
    const prediction = predictRetries({ failureProbability: p, latencyMs: fixed(10) }, CONSTANTS, { requests: 200_000, seed: 3 });
    const retries = p + p ** 2 + p ** 3;
    expect(prediction.retriesPerRequest).toBeCloseTo(retries, 2);
    expect(prediction.failureRate).toBeCloseTo(p ** 4, 3);
    // Without retries a request takes 10 ms: the median request did not retry (P(no retry) = 0.7).
    expect(prediction.p50Ms).toBe(10);
    // p99: three retries happen with probability p³ = 2.7% > 1%, so p99 includes up to 3 sleeps < 100+200+400.
    expect(prediction.p99Ms).toBeGreaterThan(40);
    expect(prediction.p99Ms).toBeLessThan(40 + 700);
    // Every attempt fails, one retry, no attempt latency: a request is one full-jitter sleep, U(0, 100).
    const sleeps = predictRetries({ failureProbability: 1, latencyMs: fixed(0) }, { ...CONSTANTS, maxRetries: 1 }, { requests: 100_000, seed: 5 });
    expect(sleeps.p50Ms).toBeCloseTo(50, 0);
    expect(sleeps.p99Ms).toBeCloseTo(99, 0);
  });

  it('predicts fewer retries per request and a lower p99 with fewer retries allowed', () => {
    const attempt = { failureProbability: 0.4, latencyMs: fixed(20) };
    const eager = predictRetries(attempt, { ...CONSTANTS, maxRetries: 5 }, { seed: 4 });
    const tamer = predictRetries(attempt, { ...CONSTANTS, maxRetries: 2 }, { seed: 4 });
    expect(tamer.retriesPerRequest).toBeLessThan(eager.retriesPerRequest);
    expect(tamer.p99Ms).toBeLessThan(eager.p99Ms);
    expect(tamer.failureRate).toBeGreaterThan(eager.failureRate);
  });

  it('is reproducible for a seed', () => {
    const attempt = { failureProbability: 0.2, latencyMs: fixed(5) };
    expect(predictRetries(attempt, CONSTANTS, { seed: 9 })).toEqual(predictRetries(attempt, CONSTANTS, { seed: 9 }));
  });
});

describe('latencyFromHistogram', () => {
  it('draws from the buckets in proportion to their counts', () => {
    const draw = latencyFromHistogram([0.01, 0.1, Infinity], [50, 50, 0]);
    const rng = createRng(5);
    const samples = Array.from({ length: 10_000 }, () => draw(rng));
    const below10 = samples.filter((s) => s <= 10).length / samples.length;
    expect(below10).toBeGreaterThan(0.47);
    expect(below10).toBeLessThan(0.53);
    expect(Math.max(...samples)).toBeLessThanOrEqual(100);
  });

  it('refuses an empty histogram', () => {
    expect(() => latencyFromHistogram([0.1, Infinity], [0, 0])).toThrow('holds no observations');
  });
});
