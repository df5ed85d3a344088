/**
 * Continuous monitoring (the service's sequential test), validated the way it runs: the analysis
 * as of the end of every slice of the after window, on seeded simulations.
 *
 * A/A: over 300 null upgrades (bursty, diurnal, drifting traffic; 4 and 8 instances; default and
 * coarse buckets; staggered, simultaneous and partial rollouts under a load ramp), the share of
 * upgrades in which ANY look raised a regression stays at or below alpha, allowing for sampling
 * error, both with the default practical thresholds and with significance alone deciding; and at a
 * looser alpha of 0.1 too, where the boundary is tested more sharply.
 * Power: real shifts are found, and the number of slices it took is printed.
 *
 * Measured (seeded, this suite): 0/300 raised at alpha 0.01 (with or without practical
 * thresholds), 1/300 at alpha 0.1 — the mixture boundary with Bonferroni is conservative. A 25%
 * p99 shift is found in 20/20 runs, a 10% one in 19/20; detection often waits for the switch from
 * difference-in-differences (whose information stops growing once no controls remain) to the
 * before-after design, about 39 slices into a staggered rollout.
 */
import { describe, expect, it } from 'vitest';
import { nullScenario, partialRolloutScenario, powerScenario } from '../../src/sim/scenarios.js';
import type { CalibrationOptions } from '../../src/sim/scenarios.js';
import type { ScenarioBundle } from '../../src/sim/upgrade-description.js';
import type { Report } from '../../src/report/report.js';
import { configWith, figure, monitorScenario, samplingAllowance, withoutEffects } from './harness.js';

const ALPHA = 0.01;
/** The bootstrap only shapes the reported intervals, not sequential verdicts: fewer resamples keep this suite fast. */
const CONFIG = configWith((c) => ({ ...c, detection: { ...c.detection, bootstrapResamples: 100 } }));

function variant(seed: number): CalibrationOptions {
  return { instances: seed % 2 === 0 ? 4 : 8, coarseBuckets: seed % 3 === 0, rollout: seed % 5 === 0 ? 'simultaneous' : 'staggered' };
}

function nullUpgrade(i: number): ScenarioBundle {
  // Every fifth null upgrade is a partial rollout under a load ramp (difference-in-differences).
  return i % 5 === 4 ? withoutEffects(partialRolloutScenario(5000 + i)) : nullScenario(5000 + i, variant(i));
}

/** Smallest q-value of any upward statistic in a report (significance alone, no practical threshold). */
function smallestUpwardQ(report: Report): number {
  let q = Infinity;
  for (const g of report.groups) {
    for (const s of g.statistics) if (s.relativeChange > 0 && Number.isFinite(s.qValue)) q = Math.min(q, s.qValue);
  }
  return q;
}

describe('continuous monitoring (anytime-valid)', () => {
  it('raises a regression in at most alpha of 300 null upgrades, looking at every slice', async () => {
    const upgrades = 300;
    let raised = 0;
    let significantAt01 = 0;
    let significantAt10 = 0;
    let looks = 0;
    for (let i = 0; i < upgrades; i++) {
      let minQ = Infinity;
      const run = await monitorScenario(nullUpgrade(i), CONFIG, (report) => {
        minQ = Math.min(minQ, smallestUpwardQ(report));
      });
      looks += run.looks;
      if (run.firstRegressionLook !== null) raised++;
      if (minQ <= ALPHA) significantAt01++;
      if (minQ <= 0.1) significantAt10++;
      if ((i + 1) % 50 === 0) process.stderr.write(`[validation] A/A: ${i + 1}/${upgrades} null upgrades monitored\n`);
    }
    figure('A/A looks per upgrade', (looks / upgrades).toFixed(1));
    figure('A/A upgrades with a regression raised (default thresholds, alpha 0.01)', `${raised}/${upgrades}`);
    figure('A/A upgrades significant at any look, no thresholds, alpha 0.01', `${significantAt01}/${upgrades}`);
    figure('A/A upgrades significant at any look, no thresholds, alpha 0.1', `${significantAt10}/${upgrades}`);
    expect(raised / upgrades).toBeLessThanOrEqual(samplingAllowance(ALPHA, upgrades));
    expect(significantAt01 / upgrades).toBeLessThanOrEqual(samplingAllowance(ALPHA, upgrades));
    expect(significantAt10 / upgrades).toBeLessThanOrEqual(samplingAllowance(0.1, upgrades));
  }, 900_000);

  it('finds real shifts during the window, and prints how many slices it took', async () => {
    const runs = 20;
    const slices: number[] = [];
    let found = 0;
    let blamed = 0;
    for (let seed = 1; seed <= runs; seed++) {
      const run = await monitorScenario(powerScenario(seed, { p99Shift: 0.25, ratePerInstance: 50, afterHours: 1, instances: 8 }), CONFIG);
      if (run.firstRegressionLook === null) continue;
      found++;
      slices.push(run.firstRegressionLook);
      const latency = run.last.groups.find((g) => g.signal === 'latency');
      if (latency?.suspects[0]?.binary === 'dten-gateway') blamed++;
    }
    slices.sort((a, b) => a - b);
    figure('sequential power, 25% p99 shift, 8 instances', `${found}/${runs} found; slices to detect: median ${slices[Math.floor(slices.length / 2)]}, range ${slices[0]}–${slices[slices.length - 1]}`);
    expect(found).toBeGreaterThanOrEqual(18);
    expect(blamed).toBeGreaterThanOrEqual(found - 1);
  }, 300_000);

  it('finds a 10% p99 shift in most runs before the window ends', async () => {
    const runs = 20;
    const slices: number[] = [];
    for (let seed = 1; seed <= runs; seed++) {
      const run = await monitorScenario(powerScenario(seed, { p99Shift: 0.1, ratePerInstance: 50, afterHours: 1, instances: 8 }), CONFIG);
      if (run.firstRegressionLook !== null) slices.push(run.firstRegressionLook);
    }
    slices.sort((a, b) => a - b);
    figure('sequential power, 10% p99 shift, 8 instances', `${slices.length}/${runs} found; slices to detect: median ${slices[Math.floor(slices.length / 2)] ?? 'n/a'}`);
    expect(slices.length).toBeGreaterThanOrEqual(12);
  }, 300_000);
});
