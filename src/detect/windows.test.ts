import { describe, expect, it } from 'vitest';
import { afterSpan, analysisGrid, buildTracks, instanceTrack } from './windows.js';
import type { AnalysisWindows, InstanceRollout } from './windows.js';
import { MINUTE_MS, patternOf } from '../../test/support/detect-panels.js';

const min = (k: number): number => k * MINUTE_MS;

/** Upgrade at minute 10, 5 minutes of baseline, 1 minute settle, 3 minutes after. */
const WINDOWS: AnalysisWindows = { startedAtMs: min(10), baselineMs: min(5), settleMs: min(1), afterMs: min(3) };

const ROLLOUTS: InstanceRollout[] = [
  { instance: 'a', fromMs: min(10), toMs: min(10) },
  { instance: 'b', fromMs: min(12), toMs: min(12) },
  { instance: 'c', fromMs: null, toMs: null },
];

describe('analysisGrid', () => {
  it('starts at the baseline and ends at the last after window, aligned to the slice', () => {
    // Last after window: b at 12 + 1 settle + 3 after = minute 16.
    expect(analysisGrid(WINDOWS, ROLLOUTS, MINUTE_MS)).toEqual({ startMs: min(5), sliceMs: MINUTE_MS, count: 11 });
  });

  it('covers the upgrade start plus settle and after when no instance has a rollout time', () => {
    const grid = analysisGrid(WINDOWS, [{ instance: 'c', fromMs: null, toMs: null }], MINUTE_MS);
    expect(grid).toEqual({ startMs: min(5), sliceMs: MINUTE_MS, count: 9 });
  });

  it('floors the start to a slice boundary and rounds the count up', () => {
    const windows = { ...WINDOWS, startedAtMs: min(10) + 30_000 };
    const grid = analysisGrid(windows, [], MINUTE_MS);
    // Baseline starts at 5.5 min → grid starts at 5; end at 14.5 min → 10 slices.
    expect(grid).toEqual({ startMs: min(5), sliceMs: MINUTE_MS, count: 10 });
  });

  it('uses the latest changed-binary rollout (toMs) of each instance', () => {
    const grid = analysisGrid(WINDOWS, [{ instance: 'a', fromMs: min(10), toMs: min(20) }], MINUTE_MS);
    expect(grid.startMs + grid.count * grid.sliceMs).toBe(min(24));
  });
});

describe('instanceTrack / buildTracks', () => {
  const grid = analysisGrid(WINDOWS, ROLLOUTS, MINUTE_MS);
  const [a, b, c] = buildTracks(grid, WINDOWS, ROLLOUTS).map((t) => patternOf(t.state));

  it('puts every instance in baseline before the upgrade starts', () => {
    for (const p of [a, b, c]) expect(p?.slice(0, 5)).toBe('BBBBB');
  });

  it('starts TREAT at the rollout plus settle and keeps it for `after`', () => {
    // Slices are minutes 5..15; a rolled out at 10 → settle slice 10, TREAT 11, 12, 13.
    expect(a).toBe('BBBBB.TTT..');
    // b rolled out at 12 → TREAT 13..15; a control at minute 11 (after span started, not yet upgraded).
    expect(b).toBe('BBBBB.C.TTT');
  });

  it('makes never-upgraded instances controls over the whole after span', () => {
    expect(c).toBe('BBBBB.CCCCC');
  });

  it('records the rollout times on the track', () => {
    const tracks = buildTracks(grid, WINDOWS, ROLLOUTS);
    expect(tracks.map((t) => [t.instance, t.upgradedFromMs, t.upgradedToMs])).toEqual([
      ['a', min(10), min(10)],
      ['b', min(12), min(12)],
      ['c', null, null],
    ]);
  });

  it('ends the baseline at the instance’s own rollout when it precedes the upgrade start', () => {
    const early: InstanceRollout = { instance: 'e', fromMs: min(7), toMs: min(7) };
    const span = afterSpan(WINDOWS, [early, ...ROLLOUTS]);
    expect(patternOf(instanceTrack(grid, WINDOWS, early, span).state)).toBe('BB.TTT.....');
  });

  it('with several binaries: baseline before the first, TREAT after the last, CTRL in between only inside the after span', () => {
    const spread: InstanceRollout = { instance: 's', fromMs: min(12), toMs: min(13) };
    const span = afterSpan(WINDOWS, [spread, ...ROLLOUTS]);
    // CTRL from the after span start (minute 11) to the first rollout (12); TREAT 14..16 is cut at the grid end.
    expect(patternOf(instanceTrack(grid, WINDOWS, spread, span).state)).toBe('BBBBB.C..TT');
  });

  it('leaves slices that lie only partly inside a window IGNORE', () => {
    const windows = { ...WINDOWS, startedAtMs: min(10) + 30_000 };
    const rollouts: InstanceRollout[] = [
      { instance: 'x', fromMs: min(10) + 40_000, toMs: min(10) + 40_000 },
      { instance: 'y', fromMs: null, toMs: null },
    ];
    const g = analysisGrid(windows, rollouts, MINUTE_MS);
    const [x, y] = buildTracks(g, windows, rollouts).map((t) => patternOf(t.state));
    // Baseline [5.5, 10.5): slice 5 and slice 10 are partial. x: TREAT [11.67, 14.67) → slices 12, 13.
    expect(x).toBe('.BBBB..TT.');
    // Controls: after span [11.67, 14.67) → slices 12, 13 only.
    expect(y).toBe('.BBBB..CC.');
  });
});

describe('afterSpan', () => {
  it('spans from the earliest after-window start to the latest end', () => {
    expect(afterSpan(WINDOWS, ROLLOUTS)).toEqual({ startMs: min(11), endMs: min(16) });
  });

  it('is empty (Infinity, -Infinity) when nobody was upgraded, so nobody is a control', () => {
    const rollouts = [{ instance: 'c', fromMs: null, toMs: null }];
    expect(afterSpan(WINDOWS, rollouts)).toEqual({ startMs: Infinity, endMs: -Infinity });
    const grid = analysisGrid(WINDOWS, rollouts, MINUTE_MS);
    expect(patternOf(buildTracks(grid, WINDOWS, rollouts)[0]?.state ?? new Uint8Array())).toBe('BBBBB....');
  });
});
