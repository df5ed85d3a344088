import { SHIPPED_TUNE_RULE } from '../../test/support/shipped-guardrails.js';
import { describe, expect, it } from 'vitest';
import { constantsOf, planBackoff } from './plan-backoff.js';
import { maxMove } from './guardrail-policy.js';
import type { AttemptModel } from './retry-model.js';

const RULE = SHIPPED_TUNE_RULE;

/** A partner whose faults last ~300 ms: a retry after a sleep d fails with 0.05 + 0.9·exp(−d/300). */
const FLAKY: AttemptModel = { failureProbability: 0.3, latencyMs: () => 20, retryFailureProbability: (d) => 0.05 + 0.9 * Math.exp(-d / 300) };
const EAGER = { baseDelayMs: 60, multiplier: 1.5, maxDelayMs: 2000, maxRetries: 5, jitter: 'full' };

describe('planBackoff', () => {
  it('backs off an eager strategy within one bounded step, and predicts fewer retries', () => {
    const plan = planBackoff(EAGER, RULE, FLAKY, { retriesPerRequest: 0.35, p99Ms: 3000 }, { seed: 2 });
    expect(plan).not.toBeNull();
    if (plan === null) return;
    expect(plan.predicted.retriesPerRequest).toBeLessThan(plan.current.retriesPerRequest);
    for (const change of plan.changes) {
      const bound = RULE.tune[change.key];
      if (bound === undefined) throw new Error(`unbounded ${change.key}`);
      expect(change.to).toBeGreaterThanOrEqual(bound.min);
      expect(change.to).toBeLessThanOrEqual(bound.max);
      expect(Math.abs(change.to - change.from)).toBeLessThanOrEqual(maxMove(change.from, bound) + 1e-9);
    }
    expect(plan.payload['jitter']).toBe('full');
    expect(plan.candidatesTried).toBeGreaterThan(10);
  });

  it('proposes nothing when the current constants already meet the objective best', () => {
    const calm: AttemptModel = { failureProbability: 0, latencyMs: () => 10 };
    expect(planBackoff(EAGER, RULE, calm, { retriesPerRequest: 0.1, p99Ms: 1000 })).toBeNull();
  });

  it('needs the four constants as numbers', () => {
    expect(constantsOf({ baseDelayMs: 100, multiplier: 2, maxDelayMs: 'x', maxRetries: 3 })).toBeNull();
    expect(planBackoff({ jitter: 'full' }, RULE, FLAKY, { retriesPerRequest: 0.2, p99Ms: 1000 })).toBeNull();
  });
});
