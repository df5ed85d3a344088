/**
 * Calibration: on realistic null upgrades (bursty traffic, diurnal load, slow per-instance latency
 * drifts, autocorrelated retry rates, counter resets at rollout, default and coarse buckets,
 * staggered and simultaneous rollouts, 4 and 8 instances) the rate of groups called `regression`
 * stays at or below alpha, allowing for sampling error, and the raw p-values are not
 * anti-conservative. Every run is seeded.
 */
import { describe, expect, it } from 'vitest';
import { nullScenario, partialRolloutScenario } from '../../src/sim/scenarios.js';
import type { CalibrationOptions } from '../../src/sim/scenarios.js';
import { analyseScenario, configWith, figure, samplingAllowance, withoutEffects } from './harness.js';

const ALPHA = 0.01;

function variant(seed: number): CalibrationOptions {
  return {
    instances: seed % 2 === 0 ? 4 : 8,
    coarseBuckets: seed % 3 === 0,
    rollout: seed % 5 === 0 ? 'simultaneous' : 'staggered',
  };
}

interface Tally {
  groups: number;
  regressions: number;
  tests: number;
  below05: number;
  below01: number;
}

async function tallyNulls(seeds: number, config = configWith((c) => c), offset = 0): Promise<Tally> {
  const t: Tally = { groups: 0, regressions: 0, tests: 0, below05: 0, below01: 0 };
  for (let seed = 1 + offset; seed <= seeds + offset; seed++) {
    const report = await analyseScenario(nullScenario(seed, variant(seed)), config);
    for (const g of report.groups) {
      t.groups++;
      if (g.verdict === 'regression') t.regressions++;
      // p95 and p99 often share one test (the same bucket bound): count each test once.
      const seen = new Set<number>();
      for (const s of g.statistics) {
        if (!Number.isFinite(s.pValue) || seen.has(s.pValue)) continue;
        seen.add(s.pValue);
        t.tests++;
        if (s.pValue <= 0.05) t.below05++;
        if (s.pValue <= 0.01) t.below01++;
      }
    }
  }
  return t;
}

describe('calibration on null upgrades', () => {
  it('calls at most alpha of 1000 null groups (500 simulations) a regression, default thresholds', async () => {
    const t = await tallyNulls(500);
    const rate = t.regressions / t.groups;
    figure('null regression rate (default thresholds)', `${t.regressions}/${t.groups} = ${(rate * 100).toFixed(2)}%`);
    figure('raw p <= 0.05', `${t.below05}/${t.tests} = ${((t.below05 / t.tests) * 100).toFixed(1)}%`);
    figure('raw p <= 0.01', `${t.below01}/${t.tests} = ${((t.below01 / t.tests) * 100).toFixed(2)}%`);
    expect(t.groups).toBe(1000);
    expect(rate).toBeLessThanOrEqual(samplingAllowance(ALPHA, t.groups));
    // The tests themselves, before any practical threshold, must not be anti-conservative.
    expect(t.below05 / t.tests).toBeLessThanOrEqual(samplingAllowance(0.05, t.tests));
    expect(t.below01 / t.tests).toBeLessThanOrEqual(samplingAllowance(0.01, t.tests));
  });

  it('stays at or below alpha with no practical threshold at all (significance alone decides)', async () => {
    const config = configWith((c) => ({
      ...c,
      signals: c.signals.map((s) => ({ ...s, minRelativeChange: 0, minAbsoluteChange: 0 })),
    }));
    const t = await tallyNulls(250, config, 1000);
    const rate = t.regressions / t.groups;
    figure('null regression rate (no thresholds)', `${t.regressions}/${t.groups} = ${(rate * 100).toFixed(2)}%`);
    expect(rate).toBeLessThanOrEqual(samplingAllowance(ALPHA, t.groups));
  });

  it('stays at or below alpha under a load ramp with concurrent controls (difference-in-differences)', async () => {
    let groups = 0;
    let regressions = 0;
    let did = 0;
    const pValues: number[] = [];
    for (let seed = 1; seed <= 150; seed++) {
      const report = await analyseScenario(withoutEffects(partialRolloutScenario(seed)));
      for (const g of report.groups) {
        groups++;
        if (g.verdict === 'regression') regressions++;
        if (g.design === 'difference-in-differences') did++;
        const distinct = new Set(g.statistics.map((s) => s.pValue).filter((p) => Number.isFinite(p)));
        pValues.push(...distinct);
      }
    }
    const below05 = pValues.filter((p) => p <= 0.05).length / pValues.length;
    figure('null regression rate under a load ramp (DiD)', `${regressions}/${groups}; raw p <= 0.05 in ${(below05 * 100).toFixed(1)}% of ${pValues.length} tests`);
    expect(did).toBe(groups);
    expect(regressions / groups).toBeLessThanOrEqual(samplingAllowance(ALPHA, groups));
    expect(below05).toBeLessThanOrEqual(samplingAllowance(0.05, pValues.length));
  });
});
