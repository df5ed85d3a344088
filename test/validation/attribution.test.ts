/**
 * Attribution and concurrent controls on the scenarios where they matter: a load ramp shared by
 * all instances with only some upgraded, two changed binaries told apart by their rollout times
 * (or not, when they rolled out together), a shift that began before the upgrade, and the demo's
 * dten story end to end.
 */
import { describe, expect, it } from 'vitest';
import { dtenStory, partialRolloutScenario, preExistingShiftScenario, twoBinariesScenario } from '../../src/sim/scenarios.js';
import { analyseScenario, figure, groupOf } from './harness.js';

describe('concurrent controls', () => {
  it('separates a load ramp hit by all instances from the tail shift of the upgraded ones', async () => {
    let regressions = 0;
    let blamed = 0;
    const estimates: number[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const group = groupOf(await analyseScenario(partialRolloutScenario(seed)), 'latency');
      expect(group.design).toBe('difference-in-differences');
      // gw-1 and gw-2 are upgraded; gw-3 and gw-4 never are, and gw-2 is a control until its rollout at 12:28.
      expect(group.instances).toEqual({ upgraded: 2, controls: 3 });
      const p99 = group.statistics.find((s) => s.name === 'p99');
      if (p99) estimates.push(p99.relativeChange);
      if (group.verdict !== 'regression') continue;
      regressions++;
      if (group.suspects[0]?.binary === 'dten-gateway' && (group.suspects[0]?.score ?? 0) >= 0.5) blamed++;
    }
    const mean = estimates.reduce((a, b) => a + b, 0) / estimates.length;
    figure('partial rollout under load ramp', `${regressions}/20 regressions, ${blamed} blamed on dten-gateway, mean DiD p99 change ${(mean * 100).toFixed(1)}%`);
    expect(regressions).toBeGreaterThanOrEqual(15);
    expect(blamed).toBeGreaterThanOrEqual(Math.ceil(0.9 * regressions));
    // The true tail shift is +30%; the load ramp adds latency to every instance, which DiD removes.
    expect(mean).toBeGreaterThan(0.2);
    expect(mean).toBeLessThan(0.42);
  });
});

describe('attribution', () => {
  it('tells two binaries on the same instances apart by their rollout times', async () => {
    const scores: number[] = [];
    for (let seed = 1; seed <= 10; seed++) {
      const group = groupOf(await analyseScenario(twoBinariesScenario(seed, { sameTimes: false })), 'latency');
      expect(group.verdict).toBe('regression');
      // dten-agent rolls out 3 to 26 minutes away from dten-gateway on each instance, in reverse order.
      expect(group.suspects[0]?.binary).toBe('dten-gateway');
      expect(group.suspects[0]?.evidence[0]).toMatch(/the rate steps at \+0m/);
      scores.push(group.suspects[0]?.score ?? 0);
    }
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    figure('two binaries, different times', `dten-gateway first in 10/10, scores ${scores.map((s) => s.toFixed(2)).join(' ')}`);
    expect(scores.filter((s) => s > 0.75).length).toBeGreaterThanOrEqual(9);
    expect(mean).toBeGreaterThan(0.9);
  });

  it('says so when two binaries rolled out together cannot be told apart', async () => {
    for (let seed = 1; seed <= 5; seed++) {
      const group = groupOf(await analyseScenario(twoBinariesScenario(seed, { sameTimes: true })), 'latency');
      expect(group.verdict).toBe('regression');
      const [a, b] = group.suspects;
      expect(Math.abs((a?.score ?? 0) - (b?.score ?? 0))).toBeLessThan(0.05);
      expect((a?.score ?? 0) + (b?.score ?? 0)).toBeLessThanOrEqual(1);
      expect(a?.evidence.join(' ')).toMatch(/cannot tell them apart/);
    }
  });

  it('flags a shift that began 40 minutes before the upgrade, but never blames the upgrade for it', async () => {
    let flagged = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const group = groupOf(await analyseScenario(preExistingShiftScenario(seed)), 'latency');
      if (group.verdict !== 'regression') continue;
      flagged++;
      // The step sits inside the baseline window: it is reported, and fitted around, not read as drift.
      expect(group.notes.join(' ')).toMatch(/baseline not stable/);
      expect(group.suspects[0]?.score ?? 0).toBeLessThan(0.5);
      expect(group.suspects[0]?.evidence.join(' ')).toMatch(/before the upgrade started/);
      expect(Date.parse(group.onset ?? '')).toBeLessThan(Date.parse('2026-04-10T12:00:00Z'));
    }
    figure('shift 40 min before the upgrade', `${flagged}/10 flagged, none blamed on the upgrade`);
    // A third of the baseline already carries the shift, so the net change is ~20%: most, not all, runs flag it.
    expect(flagged).toBeGreaterThanOrEqual(6);
  });
});

describe('the dten story', () => {
  it('finds exactly the two shipped regressions and blames the right binaries', async () => {
    const report = await analyseScenario(dtenStory(1));
    const regressions = report.groups.filter((g) => g.verdict === 'regression');
    expect(regressions.map((g) => g.labels)).toEqual([
      { service: 'gateway', endpoint: '/v1/route' },
      { service: 'sync', peer: 'partner-api' },
    ]);
    expect(regressions.map((g) => g.suspects[0]?.binary)).toEqual(['dten-gateway', 'dten-sync']);
    for (const g of regressions) {
      expect(g.suspects[0]?.score).toBeGreaterThan(0.9);
      expect(g.suspects.reduce((a, s) => a + s.score, 0)).toBeLessThanOrEqual(1);
      expect(g.onset).not.toBeNull();
    }
    const route = regressions[0]?.statistics.find((s) => s.name === 'p99');
    expect(route?.relativeChange).toBeGreaterThan(0.25);
    const p50 = regressions[0]?.statistics.find((s) => s.name === 'p50');
    expect(p50?.verdict).toBe('no_change');
    expect(report.summary).toMatchObject({ groups: 7, regressions: 2, improvements: 0, inconclusive: 0 });
  });
});
