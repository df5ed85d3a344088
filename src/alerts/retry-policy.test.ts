import { describe, expect, it } from 'vitest';
import { createRng } from '../detect/random.js';
import type { PostOutcome } from './post-json.js';
import { parseRetryAfterMs } from './post-json.js';
import { backoffDelayMs, classifyAttempt, retryDelayMs } from './retry-policy.js';

const status = (code: number, retryAfterMs: number | null = null): PostOutcome => ({ kind: 'response', status: code, retryAfterMs, bodySnippet: '' });

describe('classifyAttempt', () => {
  it('delivers on 2xx', () => {
    for (const code of [200, 201, 202, 204]) expect(classifyAttempt(status(code))).toBe('delivered');
  });

  it('retries network errors, 408, 429 and 5xx', () => {
    expect(classifyAttempt({ kind: 'network', error: 'connect ECONNREFUSED' })).toBe('retry');
    for (const code of [408, 429, 500, 502, 503, 504, 599]) expect(classifyAttempt(status(code))).toBe('retry');
  });

  it('gives up on other 4xx and on redirects', () => {
    for (const code of [400, 401, 403, 404, 409, 410, 413, 422, 301, 302, 307]) expect(classifyAttempt(status(code))).toBe('give_up');
  });
});

describe('backoffDelayMs (full jitter)', () => {
  const policy = { baseDelayMs: 1000, maxDelayMs: 60_000 };

  it('stays within [0, min(cap, base·2^(n−1))) for every attempt', () => {
    const rng = createRng(42);
    for (let failed = 1; failed <= 12; failed++) {
      const ceiling = Math.min(60_000, 1000 * 2 ** (failed - 1));
      for (let i = 0; i < 500; i++) {
        const delay = backoffDelayMs(failed, () => rng.next(), policy);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
        expect(Number.isInteger(delay)).toBe(true);
      }
    }
  });

  it('spreads over the whole window (mean near half the ceiling)', () => {
    const rng = createRng(7);
    const delays = Array.from({ length: 2000 }, () => backoffDelayMs(4, () => rng.next(), policy));
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    expect(mean).toBeGreaterThan(3600);
    expect(mean).toBeLessThan(4400);
    expect(Math.max(...delays)).toBeGreaterThan(7500);
    expect(Math.min(...delays)).toBeLessThan(500);
  });

  it('hits exactly the extremes of the random source', () => {
    expect(backoffDelayMs(3, () => 0, policy)).toBe(0);
    expect(backoffDelayMs(3, () => 0.999999, policy)).toBe(3999);
    expect(backoffDelayMs(40, () => 0.999999, policy)).toBe(59_999);
  });
});

describe('retryDelayMs', () => {
  const policy = { baseDelayMs: 1000, maxDelayMs: 60_000 };

  it('waits at least what Retry-After asks, but never past the cap', () => {
    expect(retryDelayMs(1, status(503, 5000), () => 0.5, policy)).toBe(5000);
    expect(retryDelayMs(1, status(429, 3_600_000), () => 0.5, policy)).toBe(60_000);
    expect(retryDelayMs(1, status(503), () => 0.5, policy)).toBe(500);
  });
});

describe('parseRetryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-04-10T12:00:00Z');
    expect(parseRetryAfterMs('120', now)).toBe(120_000);
    expect(parseRetryAfterMs('Fri, 10 Apr 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfterMs('Fri, 10 Apr 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfterMs(null, now)).toBeNull();
    expect(parseRetryAfterMs('soon', now)).toBeNull();
  });
});
