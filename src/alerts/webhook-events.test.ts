import { describe, expect, it } from 'vitest';
import { createFindingEventTracker, materialChange } from './webhook-events.js';
import { sampleFinding, sampleStatistic } from './sample-finding.js';

const T0 = Date.parse('2026-04-10T13:00:00Z');
const kinds = (events: readonly { kind: string; finding: { id: string } }[]): string[] => events.map((e) => `${e.kind}:${e.finding.id}`);

describe('finding event tracker', () => {
  it('announces a new finding once, then nothing while it stays the same', () => {
    const tracker = createFindingEventTracker();
    expect(kinds(tracker.diff([sampleFinding()], [], T0))).toEqual(['opened:1']);
    expect(tracker.diff([sampleFinding({ updatedAtMs: T0 })], [], T0 + 1)).toEqual([]);
  });

  it('announces material updates only, measured from the last announced state', () => {
    const tracker = createFindingEventTracker();
    tracker.diff([sampleFinding()], [], T0);
    const drift = (rel: number) => sampleFinding({ statistics: [sampleStatistic({ name: 'p50', relativeChange: 0.02, verdict: 'no_change' }), sampleStatistic({ relativeChange: rel })] });
    expect(tracker.diff([drift(0.55)], [], T0 + 1)).toEqual([]);
    const events = tracker.diff([drift(0.6)], [], T0 + 2);
    expect(kinds(events)).toEqual(['updated:1']);
    expect(events[0]?.reasons).toEqual(['p99 relative change 50.0% → 60.0%']);
    expect(tracker.diff([drift(0.65)], [], T0 + 3)).toEqual([]);
  });

  it('announces the resolution of a finding that left the open set, with its resolve time', () => {
    const tracker = createFindingEventTracker();
    tracker.diff([sampleFinding()], [], T0);
    const events = tracker.diff([], [sampleFinding({ resolvedAtMs: T0 + 5 })], T0 + 10);
    expect(kinds(events)).toEqual(['resolved:1']);
    expect(events[0]?.finding.resolvedAtMs).toBe(T0 + 5);
    expect(tracker.diff([], [sampleFinding({ resolvedAtMs: T0 + 5 })], T0 + 20)).toEqual([]);
  });

  it('resolves at the current time when no resolved record is given', () => {
    const tracker = createFindingEventTracker();
    tracker.diff([sampleFinding()], [], T0);
    expect(tracker.diff([], [], T0 + 10)[0]?.finding.resolvedAtMs).toBe(T0 + 10);
  });

  it('announces a resolution it never saw open (after a restart)', () => {
    const tracker = createFindingEventTracker();
    expect(kinds(tracker.diff([], [sampleFinding({ id: '9', resolvedAtMs: T0 })], T0))).toEqual(['resolved:9']);
  });

  it('orders a reopened group: the old finding resolved, the new one opened', () => {
    const tracker = createFindingEventTracker();
    tracker.diff([sampleFinding({ id: '1' })], [], T0);
    expect(kinds(tracker.diff([sampleFinding({ id: '2' })], [sampleFinding({ id: '1', resolvedAtMs: T0 + 1 })], T0 + 1))).toEqual(['opened:2', 'resolved:1']);
  });
});

describe('materialChange', () => {
  const base = sampleFinding();

  it('ignores confidence intervals, p-values and suspect scores', () => {
    const noisy = sampleFinding({
      statistics: [sampleStatistic({ name: 'p50', relativeChange: 0.03, ci: [-0.2, 0.2], verdict: 'no_change' }), sampleStatistic({ ci: [0.1, 0.9], pValue: 1e-3, qValue: 2e-3 })],
      suspects: [
        { binary: 'dten-gateway', from: '4.2.1', to: '4.3.0', score: 0.7, evidence: [] },
        { binary: 'dten-sync', from: '1.0.0', to: '1.1.0', score: 0.2, evidence: [] },
      ],
    });
    expect(materialChange(base, noisy)).toEqual([]);
  });

  it('reports verdicts, statistics appearing or disappearing, and a new top suspect', () => {
    expect(materialChange(base, sampleFinding({ verdict: 'inconclusive' }))).toContain('verdict regression → inconclusive');
    expect(materialChange(base, sampleFinding({ statistics: [sampleStatistic()] }))).toEqual(['statistic p50 removed']);
    expect(materialChange(base, sampleFinding({ statistics: [...(base.statistics as unknown[]), sampleStatistic({ name: 'p95' })] }))).toEqual(['statistic p95 added']);
    expect(materialChange(base, sampleFinding({ statistics: [sampleStatistic({ name: 'p50', relativeChange: 0.02, verdict: 'regression' }), sampleStatistic()] }))).toEqual([
      'p50 verdict no_change → regression',
    ]);
    expect(materialChange(base, sampleFinding({ suspects: [{ binary: 'dten-sync', from: '1.0.0', to: '1.1.0', score: 0.9, evidence: [] }] }))).toEqual([
      'top suspect dten-gateway → dten-sync',
    ]);
  });
});
