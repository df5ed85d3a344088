import { describe, expect, it } from 'vitest';
import { detectLatencyShift, slicesWithData } from './detect-latency.js';
import type { LatencySignalSpec } from './detect-latency.js';
import { createRng } from './random.js';
import type { HistogramPanel } from './panel.js';
import { histogramPanel, poissonHistogram, testSettings, trackOf } from '../../test/support/detect-panels.js';

/** Bounds doubling from 25 ms; moving every share one bucket up makes every request twice as slow. */
const BOUNDS = [0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, Infinity];
/** Baseline shares: p99 lies in (0.4, 0.8]; S(0.8) = 0.006 is the bound nearest the 1% tail. */
const SHARES = [0.05, 0.35, 0.35, 0.17, 0.062, 0.012, 0.004, 0.002];
const SLOWER = [0, 0.05, 0.35, 0.35, 0.17, 0.062, 0.012, 0.006];
const FASTER = [0.4, 0.35, 0.17, 0.062, 0.012, 0.004, 0.002, 0];

const SPEC: LatencySignalSpec = { quantiles: [0.5, 0.99], minRelativeChange: 0.05, minAbsoluteChange: 0 };

interface Arm {
  readonly pattern: string;
  readonly after: readonly number[];
}

/** Instances with Poisson bucket counts: baseline shares before the first non-B slice, `after` shares from there. */
function latencyPanel(seed: number, arms: readonly Arm[], requests = 1000): HistogramPanel {
  const rng = createRng(seed);
  return histogramPanel(
    BOUNDS,
    arms.map(({ pattern, after }, i) => {
      const switchAt = pattern.search(/[^B]/);
      const rows = Array.from({ length: pattern.length }, (_, t) => poissonHistogram(rng, requests, t < switchAt ? SHARES : after));
      return { track: trackOf(`i${i}`, pattern), counts: (t: number) => rows[t] ?? [] };
    }),
  );
}

const UPGRADED = `${'B'.repeat(30)}..${'T'.repeat(30)}`;
const CONTROL = `${'B'.repeat(30)}..${'C'.repeat(30)}`;

describe('detectLatencyShift: before-after', () => {
  const upgraded = (after: readonly number[]): Arm[] => Array.from({ length: 4 }, () => ({ pattern: UPGRADED, after }));

  it('detects requests twice as slow, with the tested bound, its fractions and the buckets', () => {
    const detection = detectLatencyShift(latencyPanel(1, upgraded(SLOWER)), SPEC, testSettings(), 'latency|a');
    expect(detection.design).toBe('before-after');
    expect(detection.notes[0]).toMatch(/^before-after comparison/);
    expect(detection.onsetPanels).toHaveLength(2);
    const p99 = detection.statistics[1];
    expect(p99?.name).toBe('p99');
    expect(p99?.relativeChange).toBeGreaterThan(0.7);
    expect(p99?.relativeChange).toBeLessThan(1.3);
    expect(p99?.ci[0]).toBeLessThan(p99?.relativeChange ?? NaN);
    expect(p99?.ci[1]).toBeGreaterThan(p99?.relativeChange ?? NaN);
    expect(p99?.pValue).toBeLessThan(1e-6);
    expect(p99?.absoluteChange).toBeCloseTo((p99?.baseline ?? NaN) * (p99?.relativeChange ?? NaN), 12);
    expect(p99?.testKey).toBe('le=0.8');
    expect(p99?.exceedance?.le).toBe(0.8);
    expect(p99?.exceedance?.baselineFraction).toBeCloseTo(0.006, 2);
    expect(p99?.exceedance?.afterFraction).toBeCloseTo(0.018, 2);
    expect(p99?.resolution).toEqual({ baseline: [0.4, 0.8], after: [0.8, 1.6] });
    expect(p99?.secondOpinion?.slices).toEqual({ baseline: 30, after: 30 });
    expect(p99?.secondOpinion?.estimate).toBeGreaterThan(0);
    expect(detection.onsetPanels[1]?.instances).toHaveLength(4);
    const p50 = detection.statistics[0];
    expect(p50?.relativeChange).toBeCloseTo(1, 1);
    expect(p50?.pValue).toBeLessThan(1e-6);
  });

  it('reports an improvement with a negative change', () => {
    const p99 = detectLatencyShift(latencyPanel(2, upgraded(FASTER)), SPEC, testSettings(), 'latency|a').statistics[1];
    expect(p99?.relativeChange).toBeLessThan(-0.3);
    expect(p99?.ci[1]).toBeLessThan(0);
    expect(p99?.pValue).toBeLessThan(1e-6);
  });

  it('finds no significant change when nothing changed', () => {
    const detection = detectLatencyShift(latencyPanel(3, upgraded(SHARES)), SPEC, testSettings(), 'latency|a');
    for (const s of detection.statistics) {
      expect(s.pValue).toBeGreaterThan(0.01);
      expect(Math.abs(s.relativeChange)).toBeLessThan(0.1);
      expect(s.ci[0]).toBeLessThan(0);
      expect(s.ci[1]).toBeGreaterThan(0);
    }
  });

  it('is deterministic for one seed and key', () => {
    const panel = latencyPanel(4, upgraded(SLOWER));
    const a = detectLatencyShift(panel, SPEC, testSettings(), 'k');
    const b = detectLatencyShift(panel, SPEC, testSettings(), 'k');
    expect(b.statistics).toEqual(a.statistics);
  });
});

describe('detectLatencyShift: inconclusive', () => {
  it('with too few baseline or after slices', () => {
    const fewBase = latencyPanel(5, [{ pattern: `BBB..${'T'.repeat(30)}`, after: SHARES }]);
    const s = detectLatencyShift(fewBase, SPEC, testSettings({ minSlices: 5 }), 'k').statistics[0];
    expect(s?.verdict).toBe('inconclusive');
    expect(s?.reason).toBe('only 3 baseline slices with data (need ≥ 5)');
    expect(s?.pValue).toBeNaN();
    const fewAfter = latencyPanel(5, [{ pattern: `${'B'.repeat(30)}..TTTT`, after: SHARES }]);
    expect(detectLatencyShift(fewAfter, SPEC, testSettings({ minSlices: 5 }), 'k').statistics[0]?.reason).toBe(
      'only 4 slices with data after the rollout (need ≥ 5)',
    );
  });

  it('with too few requests for p99 while p50 is still tested', () => {
    // 20 requests per slice, 30 slices: 600 < 10 / (1 − 0.99) = 1000.
    const counts = [1, 7, 7, 3, 1, 1, 0, 0];
    const panel = histogramPanel(BOUNDS, [{ track: trackOf('a', UPGRADED), counts: () => counts }]);
    const [p50, p99] = detectLatencyShift(panel, SPEC, testSettings({ minTailEvents: 10 }), 'k').statistics;
    expect(p99?.verdict).toBe('inconclusive');
    expect(p99?.reason).toBe('too few requests in the baseline: 600, need ≥ 1000 for p99');
    expect(p99?.test).toBe('not tested');
    expect(p50?.verdict).not.toBe('inconclusive');
    expect(p50?.testKey).toBeDefined();
  });

  it('when no baseline request lies above a finite bound', () => {
    const panel = histogramPanel(BOUNDS, [{ track: trackOf('a', UPGRADED), counts: () => [100, 0, 0, 0, 0, 0, 0, 0] }]);
    const s = detectLatencyShift(panel, { ...SPEC, quantiles: [0.99] }, testSettings(), 'k').statistics[0];
    expect(s?.verdict).toBe('inconclusive');
    expect(s?.reason).toBe('no requests above any finite bucket bound in the baseline: p99 cannot be tested');
  });
});

describe('detectLatencyShift: difference-in-differences', () => {
  it('ignores a slowdown shared by controls and detects one of the upgraded instances only', () => {
    const settings = testSettings();
    const shared = latencyPanel(6, [
      { pattern: UPGRADED, after: SLOWER },
      { pattern: UPGRADED, after: SLOWER },
      { pattern: CONTROL, after: SLOWER },
      { pattern: CONTROL, after: SLOWER },
    ]);
    const common = detectLatencyShift(shared, SPEC, settings, 'k');
    expect(common.design).toBe('difference-in-differences');
    expect(common.notes[0]).toMatch(/difference-in-differences/);
    const p99 = common.statistics[1];
    expect(p99?.design).toBe('difference-in-differences');
    expect(Math.abs(p99?.relativeChange ?? NaN)).toBeLessThan(0.15);
    expect(p99?.pValue).toBeGreaterThan(0.01);

    const own = latencyPanel(7, [
      { pattern: UPGRADED, after: SLOWER },
      { pattern: UPGRADED, after: SLOWER },
      { pattern: CONTROL, after: SHARES },
      { pattern: CONTROL, after: SHARES },
    ]);
    const p99own = detectLatencyShift(own, SPEC, settings, 'k').statistics[1];
    expect(p99own?.relativeChange).toBeGreaterThan(0.6);
    expect(p99own?.pValue).toBeLessThan(1e-4);
  });
});

describe('slicesWithData', () => {
  it('lists the slices whose pooled histogram holds a request', () => {
    expect(Array.from(slicesWithData(Float64Array.from([0, 0, 1, 0, 0, 0, 0, 2]), 2))).toEqual([1, 3]);
  });
});
