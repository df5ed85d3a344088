import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config/shiftguard-config.js';
import { histogramQuantile } from '../detect/stats/histogram-quantile.js';
import { simulateFleet } from '../sim/fleet-simulator.js';
import { dtenStory } from '../sim/scenarios.js';
import { validateUpgrade } from '../upgrades/load-upgrade.js';
import { groupView } from './group-view.js';
import { createMemoryMetricsSource } from './memory-metrics-source.js';
import { analyseUpgrade } from './run-analysis.js';

const story = dtenStory(1);
const analysed = await analyseUpgrade({
  config: defaultConfig(),
  upgrade: validateUpgrade(story.upgrade, 'dten.json'),
  source: createMemoryMetricsSource(simulateFleet(story.scenario).series),
  now: () => new Date('2026-04-10T15:00:00Z'),
});
const regressed = analysed.report.groups.findIndex((g) => g.signal === 'latency' && g.verdict === 'regression');

describe('groupView', () => {
  it('pools the same baseline and after histograms the report quantiles come from', () => {
    expect(regressed).toBeGreaterThanOrEqual(0);
    const group = analysed.groups[regressed];
    const reported = analysed.report.groups[regressed];
    if (group === undefined || reported === undefined) throw new Error('no regressed latency group');
    const view = groupView(group, 0.99);
    if (view.distribution.kind !== 'histogram') throw new Error('a latency group has a histogram distribution');
    const p99 = reported.statistics.find((s) => s.name === 'p99');
    expect(reported.design).toBe('before-after');
    expect(histogramQuantile(view.distribution.bounds, view.distribution.baseline, 0.99)).toBeCloseTo(p99?.baseline ?? NaN, 9);
    expect(histogramQuantile(view.distribution.bounds, view.distribution.after, 0.99)).toBeCloseTo(p99?.observedAfter ?? p99?.after ?? NaN, 9);
  });

  it('draws one line per instance, bins within the limit, and marks when each instance was upgraded', () => {
    const group = analysed.groups[regressed];
    if (group === undefined) throw new Error('no regressed latency group');
    const view = groupView(group, 0.99, 100);
    expect(view.binStartsMs.length).toBeLessThanOrEqual(100);
    expect(view.binMs % group.grid.sliceMs).toBe(0);
    expect(view.instances.map((i) => i.instance)).toEqual(group.tracks.map((t) => t.instance));
    for (const line of view.instances) expect(line.values).toHaveLength(view.binStartsMs.length);
    const upgraded = view.instances.filter((i) => i.upgradedAtMs !== null);
    expect(upgraded.length).toBeGreaterThan(0);
    // The tail grew on upgraded instances: their mean p99 after their rollout exceeds the one before.
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    for (const line of upgraded) {
      const at = line.upgradedAtMs ?? 0;
      const before = line.values.filter((v, b): v is number => v !== null && (view.binStartsMs[b] ?? 0) + view.binMs <= at);
      const after = line.values.filter((v, b): v is number => v !== null && (view.binStartsMs[b] ?? 0) >= at + 15 * 60_000);
      expect(mean(after), line.instance).toBeGreaterThan(mean(before));
    }
  });

  it('gives ratio groups per-slice ratios of each window and ratio lines', () => {
    const index = analysed.report.groups.findIndex((g) => g.signal === 'retries');
    const group = analysed.groups[index];
    if (group === undefined) throw new Error('no retries group');
    const view = groupView(group, 0.99);
    expect(view.quantile).toBeNull();
    if (view.distribution.kind !== 'ratios') throw new Error('a ratio group has slice ratios');
    expect(view.distribution.baseline.length).toBeGreaterThan(10);
    expect(view.distribution.after.length).toBeGreaterThan(10);
    expect([...view.distribution.baseline].sort((a, b) => a - b)).toEqual(view.distribution.baseline);
    for (const line of view.instances) for (const v of line.values) if (v !== null) expect(v).toBeGreaterThanOrEqual(0);
  });
});
