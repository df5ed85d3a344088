/**
 * Power: a real 10% p99 shift at 50 req/s per instance over a 1 h after window is called a
 * regression in at least 95% of seeded runs (8-instance fleet, with the same bursty, diurnal,
 * drifting traffic the calibration suite uses), and the estimated change is close to the truth.
 * The 4-instance figure is printed too: per-instance latency drifts limit what a small fleet can
 * show in an hour.
 */
import { describe, expect, it } from 'vitest';
import { powerScenario } from '../../src/sim/scenarios.js';
import { analyseScenario, figure, groupOf } from './harness.js';

async function power(seeds: number, instances: number): Promise<{ called: number; blamed: number; estimates: number[] }> {
  let called = 0;
  let blamed = 0;
  const estimates: number[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const report = await analyseScenario(powerScenario(seed, { p99Shift: 0.1, ratePerInstance: 50, afterHours: 1, instances }));
    const latency = groupOf(report, 'latency');
    if (latency.verdict === 'regression') called++;
    if (latency.verdict === 'regression' && latency.suspects[0]?.binary === 'dten-gateway' && (latency.suspects[0]?.score ?? 0) >= 0.5) blamed++;
    const p99 = latency.statistics.find((s) => s.name === 'p99');
    if (p99) estimates.push(p99.relativeChange);
  }
  return { called, blamed, estimates };
}

describe('power on real shifts', () => {
  it('finds a 10% p99 shift at 50 req/s per instance over 1 h in ≥ 95% of 100 runs (8 instances)', async () => {
    const { called, blamed, estimates } = await power(100, 8);
    const mean = estimates.reduce((a, b) => a + b, 0) / estimates.length;
    figure('power, 10% p99, 8 instances', `${called}/100, ${blamed} blamed on dten-gateway; mean estimated change ${(mean * 100).toFixed(1)}%`);
    expect(called).toBeGreaterThanOrEqual(95);
    expect(blamed).toBeGreaterThanOrEqual(Math.ceil(0.9 * called));
    expect(mean).toBeGreaterThan(0.07);
    expect(mean).toBeLessThan(0.13);
  });

  it('reports the power of a 4-instance fleet, which per-instance drift limits', async () => {
    const { called } = await power(40, 4);
    figure('power, 10% p99, 4 instances', `${called}/40`);
    expect(called).toBeGreaterThanOrEqual(20);
  });

  it('does not flag the retry ratio when only latency shifted', async () => {
    let flagged = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const report = await analyseScenario(powerScenario(seed, { p99Shift: 0.1, instances: 8 }));
      if (groupOf(report, 'retries').verdict === 'regression') flagged++;
    }
    expect(flagged).toBeLessThanOrEqual(1);
  });

  it('finds a 30% rise of the retry ratio', async () => {
    let called = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const report = await analyseScenario(powerScenario(seed, { p99Shift: 0, retryShift: 0.3, instances: 8 }));
      if (groupOf(report, 'retries').verdict === 'regression') called++;
    }
    figure('power, retries +30%, 8 instances', `${called}/30`);
    expect(called).toBeGreaterThanOrEqual(28);
  });
});
