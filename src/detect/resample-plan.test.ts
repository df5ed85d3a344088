import { describe, expect, it } from 'vitest';
import { baselineSlices, buildResamplePlan, chooseDesign } from './resample-plan.js';
import { createRng } from './random.js';
import { blockLength } from './stats/block-bootstrap.js';
import { trackOf } from '../../test/support/detect-panels.js';

const OPTIONS = { minSlices: 4, minControlShare: 0.2 };

describe('chooseDesign', () => {
  it('uses difference-in-differences over the overlap when controls run alongside for long enough', () => {
    const tracks = [trackOf('a', 'BBBB..TTTTTT'), trackOf('b', 'BBBB..CCCCCC'), trackOf('c', 'BBBB..CCCCCC')];
    const { design, afterSlices } = chooseDesign(tracks, OPTIONS);
    expect(design).toBe('difference-in-differences');
    expect(Array.from(afterSlices)).toEqual([6, 7, 8, 9, 10, 11]);
  });

  it('restricts the after side to slices with both treated and control instance-slices', () => {
    // b turns from control to treated and c stops reporting: no control is left from slice 11 on.
    const tracks = [trackOf('a', 'BBBB..TTTTTTTT'), trackOf('b', 'BBBB..CCCCC.TT'), trackOf('c', 'BBBB..CCCCC...')];
    const { design, afterSlices } = chooseDesign(tracks, OPTIONS);
    expect(design).toBe('difference-in-differences');
    expect(Array.from(afterSlices)).toEqual([6, 7, 8, 9, 10]);
  });

  it('falls back to before-after without controls, over every slice with a treated instance', () => {
    const tracks = [trackOf('a', 'BBBB..TTTTTT'), trackOf('b', 'BBBB...TTTTT')];
    const { design, afterSlices } = chooseDesign(tracks, OPTIONS);
    expect(design).toBe('before-after');
    expect(Array.from(afterSlices)).toEqual([6, 7, 8, 9, 10, 11]);
  });

  it('falls back to before-after when the overlap is shorter than minSlices', () => {
    const tracks = [trackOf('a', 'BBBB..TTTTTTTT'), trackOf('b', 'BBBB..CCC.TTTT')];
    expect(chooseDesign(tracks, OPTIONS).design).toBe('before-after');
    expect(chooseDesign(tracks, { ...OPTIONS, minSlices: 3 }).design).toBe('difference-in-differences');
  });

  it('falls back to before-after when controls are too few for the treated instance-slices', () => {
    const treated = Array.from({ length: 9 }, (_, i) => trackOf(`t${i}`, 'BBBB..TTTTTT'));
    const tracks = [...treated, trackOf('c', 'BBBB..CCCCCC')];
    // 6 control vs 54 treated instance-slices: a share of 0.11.
    expect(chooseDesign(tracks, OPTIONS).design).toBe('before-after');
    expect(chooseDesign(tracks, { ...OPTIONS, minControlShare: 0.1 }).design).toBe('difference-in-differences');
  });

  it('falls back to before-after when the controls cover too little of the treated time', () => {
    // Treated for 12 slices, controls alongside for only 4 of them (share 1/3 < 0.5).
    const tracks = [trackOf('a', 'BB..TTTTTTTTTTTT'), trackOf('b', 'BB..CCCC........')];
    expect(chooseDesign(tracks, { minSlices: 4, minControlShare: 0.5 }).design).toBe('before-after');
    expect(chooseDesign(tracks, { minSlices: 4, minControlShare: 0.3 }).design).toBe('difference-in-differences');
  });

  it('handles no tracks', () => {
    const { design, afterSlices } = chooseDesign([], OPTIONS);
    expect(design).toBe('before-after');
    expect(afterSlices).toHaveLength(0);
  });
});

describe('baselineSlices', () => {
  it('lists calendar slices holding at least one baseline instance-slice', () => {
    const tracks = [trackOf('a', '.BBB..TT'), trackOf('b', 'BB....CC')];
    expect(Array.from(baselineSlices(tracks))).toEqual([0, 1, 2, 3]);
  });
});

describe('buildResamplePlan', () => {
  const tracks = [
    trackOf('a', 'BBBBBBBBBBBBBBBBBBBB..TTTTTTTTTTTTTTTTTTTTTTTTTTTTTT'),
    trackOf('b', 'BBBBBBBBBBBBBBBBBBBB..CCCCCCCCCCCCCCCCCCCCCCCCCCCCCC'),
  ];
  const plan = (seed: number, resamples = 40) => buildResamplePlan(tracks, { ...OPTIONS, resamples, rng: createRng(seed) });

  it('is deterministic for one seed and differs between seeds', () => {
    const first = plan(7);
    const again = plan(7);
    expect(again.baselineReplicates.map((r) => Array.from(r))).toEqual(first.baselineReplicates.map((r) => Array.from(r)));
    expect(again.afterReplicates.map((r) => Array.from(r))).toEqual(first.afterReplicates.map((r) => Array.from(r)));
    expect(plan(8).afterReplicates.map((r) => Array.from(r))).not.toEqual(first.afterReplicates.map((r) => Array.from(r)));
  });

  it('splits the resamples in halves, each replicate as long as its side and drawn from it', () => {
    const p = plan(3, 41);
    expect(p.design).toBe('difference-in-differences');
    expect(p.baselineSlices).toHaveLength(20);
    expect(p.afterSlices).toHaveLength(30);
    expect(p.baselineReplicates).toHaveLength(20);
    expect(p.afterReplicates).toHaveLength(20);
    expect(p.baselineBlockLength).toBe(blockLength(20));
    expect(p.afterBlockLength).toBe(blockLength(30));
    const base = new Set(p.baselineSlices);
    const after = new Set(p.afterSlices);
    for (const r of p.baselineReplicates) {
      expect(r).toHaveLength(20);
      for (const t of r) expect(base.has(t)).toBe(true);
    }
    for (const r of p.afterReplicates) {
      expect(r).toHaveLength(30);
      for (const t of r) expect(after.has(t)).toBe(true);
    }
  });

  it('resamples in blocks of consecutive calendar slices', () => {
    const p = plan(5);
    const l = p.afterBlockLength;
    for (const r of p.afterReplicates) {
      for (let start = 0; start < r.length; start += l) {
        for (let k = 1; k < l && start + k < r.length; k++) expect(r[start + k]).toBe((r[start] ?? 0) + k);
      }
    }
  });

  it('keeps at least two replicates a side and empty replicates for an empty side', () => {
    const p = buildResamplePlan([trackOf('a', '....TTTTTT')], { ...OPTIONS, resamples: 1, rng: createRng(1) });
    expect(p.design).toBe('before-after');
    expect(p.baselineReplicates).toHaveLength(2);
    expect(p.afterReplicates).toHaveLength(2);
    for (const r of p.baselineReplicates) expect(r).toHaveLength(0);
    for (const r of p.afterReplicates) expect(r).toHaveLength(6);
  });
});
