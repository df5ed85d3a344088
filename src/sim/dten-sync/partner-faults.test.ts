import { describe, expect, it } from 'vitest';
import { createRng } from '../../detect/random.js';
import { DEFAULT_PARTNER_FAULTS, PartnerFaultModel, mergeFaults, retryFailureProbability } from './partner-faults.js';

const N = 20_000;
/** Tolerance of an observed share: 4 binomial standard errors (a seeded draw, so not a flaky bound). */
const tolerance = (p: number, n: number): number => 4 * Math.sqrt((p * (1 - p)) / n);

describe('retryFailureProbability', () => {
  it('is soonFailure below recoveryMs, linear down to baseFailure at 2 × recoveryMs, flat after', () => {
    const f = DEFAULT_PARTNER_FAULTS;
    expect(retryFailureProbability(0, f)).toBe(0.7);
    expect(retryFailureProbability(249.9, f)).toBe(0.7);
    expect(retryFailureProbability(250, f)).toBeCloseTo(0.7, 12);
    expect(retryFailureProbability(375, f)).toBeCloseTo((0.7 + 0.08) / 2, 12);
    expect(retryFailureProbability(400, f)).toBeCloseTo(0.7 - 0.62 * 0.6, 12);
    expect(retryFailureProbability(500, f)).toBe(0.08);
    expect(retryFailureProbability(60_000, f)).toBe(0.08);
  });
});

describe('mergeFaults', () => {
  it('applies defined knobs only and rejects out-of-range ones by name', () => {
    expect(mergeFaults(DEFAULT_PARTNER_FAULTS, { baseFailure: 0.2, soonFailure: undefined })).toEqual({ ...DEFAULT_PARTNER_FAULTS, baseFailure: 0.2 });
    expect(() => mergeFaults(DEFAULT_PARTNER_FAULTS, { soonFailure: 1.5 })).toThrow(/soonFailure must be a probability/);
    expect(() => mergeFaults(DEFAULT_PARTNER_FAULTS, { recoveryMs: 0 })).toThrow(/recoveryMs must be > 0/);
    expect(() => mergeFaults(DEFAULT_PARTNER_FAULTS, { latencyMs: -1 })).toThrow(/latencyMs must be ≥ 0/);
  });
});

describe('PartnerFaultModel (seeded)', () => {
  it('fails first attempts with baseFailure, within 4 binomial standard errors', () => {
    const model = new PartnerFaultModel({}, createRng(11));
    let failures = 0;
    for (let i = 0; i < N; i++) if (model.begin(`r${i}`, 0, i).fail) failures++;
    expect(Math.abs(failures / N - 0.08)).toBeLessThan(tolerance(0.08, N));
  });

  it.each([100, 250, 375, 400, 499, 500, 2000])('fails a retry %i ms after the previous failure with retryFailureProbability', (sleepMs) => {
    const model = new PartnerFaultModel({}, createRng(12));
    const expected = retryFailureProbability(sleepMs, DEFAULT_PARTNER_FAULTS);
    let failures = 0;
    for (let i = 0; i < N; i++) {
      const t = i * 10_000;
      model.answered(`r${i}`, true, t);
      const plan = model.begin(`r${i}`, 1, t + sleepMs);
      expect(plan.failureProbability).toBe(expected);
      if (plan.fail) failures++;
      model.answered(`r${i}`, plan.fail, t + sleepMs + 15);
    }
    expect(Math.abs(failures / N - expected)).toBeLessThan(tolerance(expected, N));
  });

  it('treats a retry of an unknown request, or of one that succeeded, as a first attempt', () => {
    const model = new PartnerFaultModel({}, createRng(13));
    expect(model.begin('never-seen', 3, 0).failureProbability).toBe(0.08);
    model.answered('done', false, 0);
    expect(model.begin('done', 1, 10).failureProbability).toBe(0.08);
    expect(model.begin(undefined, 1, 10).failureProbability).toBe(0.08);
  });

  it('draws lognormal latencies: median latencyMs and log-sd sigma, within 4 standard errors', () => {
    const model = new PartnerFaultModel({ latencyMs: 15, latencySigma: 0.4 }, createRng(14));
    const logs: number[] = [];
    let below = 0;
    for (let i = 0; i < N; i++) {
      const { latencyMs } = model.begin(`r${i}`, 0, i);
      if (latencyMs < 15) below++;
      logs.push(Math.log(latencyMs));
    }
    expect(Math.abs(below / N - 0.5)).toBeLessThan(tolerance(0.5, N));
    const mean = logs.reduce((a, b) => a + b, 0) / N;
    const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / (N - 1));
    // The sample sd of N normals has standard error sigma / √(2N).
    expect(Math.abs(sd - 0.4)).toBeLessThan(4 * (0.4 / Math.sqrt(2 * N)));
  });

  it('forgets a request 60 s after its last failure, so memory stays bounded', () => {
    const model = new PartnerFaultModel({}, createRng(15));
    for (let i = 0; i < 1000; i++) model.answered(`r${i}`, true, i);
    expect(model.trackedRequests()).toBe(1000);
    model.begin('x', 0, 60_500);
    expect(model.trackedRequests()).toBe(500);
    model.begin('x', 0, 61_000);
    expect(model.trackedRequests()).toBe(0);
    expect(model.begin('r999', 1, 61_000).failureProbability).toBe(0.08);
  });

  it('uses new knobs for attempts after setFaults', () => {
    const model = new PartnerFaultModel({}, createRng(16));
    model.setFaults({ baseFailure: 1 });
    expect(model.begin('a', 0, 0)).toMatchObject({ fail: true, failureProbability: 1 });
    model.setFaults({ baseFailure: 0, latencyMs: 0 });
    expect(model.begin('b', 0, 0)).toEqual({ fail: false, failureProbability: 0, latencyMs: 0 });
    expect(model.faults()).toMatchObject({ baseFailure: 0, soonFailure: 0.7, latencyMs: 0 });
  });
});
