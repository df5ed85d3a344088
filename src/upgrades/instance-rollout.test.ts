import { describe, expect, it } from 'vitest';
import { detectInstanceRollout } from './instance-rollout.js';

const T0 = 1_000_000;
const samples = (...pairs: [number, string][]) => pairs.map(([tMs, version]) => ({ tMs, version }));

describe('detectInstanceRollout', () => {
  it('takes the first sample of the new version after another version', () => {
    expect(detectInstanceRollout(samples([T0 - 30, 'a'], [T0 + 10, 'a'], [T0 + 20, 'b'], [T0 + 30, 'b']), 'b', T0, 60)).toEqual({ kind: 'upgraded', atMs: T0 + 20, early: false });
  });

  it('prefers the first switch at or after startedAt − tolerance over an earlier canary switch', () => {
    const flips = samples([T0 - 500, 'a'], [T0 - 400, 'b'], [T0 - 300, 'a'], [T0 + 50, 'b']);
    expect(detectInstanceRollout(flips, 'b', T0, 60)).toEqual({ kind: 'upgraded', atMs: T0 + 50, early: false });
  });

  it('marks an instance whose only switch is long before startedAt as early', () => {
    expect(detectInstanceRollout(samples([T0 - 500, 'a'], [T0 - 400, 'b']), 'b', T0, 60)).toEqual({ kind: 'upgraded', atMs: T0 - 400, early: true });
  });

  it('for an instance that only ever shows the new version, uses the first sample at/after startedAt', () => {
    expect(detectInstanceRollout(samples([T0 - 30, 'b'], [T0 + 15, 'b']), 'b', T0, 60)).toEqual({ kind: 'upgraded', atMs: T0 + 15, early: false });
    expect(detectInstanceRollout(samples([T0 - 30, 'b']), 'b', T0, 60)).toEqual({ kind: 'upgraded', atMs: T0 - 30, early: false });
    expect(detectInstanceRollout(samples([T0 - 90, 'b'], [T0, 'b']), 'b', T0, 60)).toEqual({ kind: 'upgraded', atMs: T0 - 90, early: true });
  });

  it('reports a rollback when the instance ends on another version', () => {
    const result = detectInstanceRollout(samples([T0, 'a'], [T0 + 10, 'b'], [T0 + 20, 'b'], [T0 + 30, 'a']), 'b', T0, 60);
    expect(result).toEqual({ kind: 'upgraded', atMs: T0 + 10, early: false, rollback: { atMs: T0 + 30, version: 'a' } });
  });

  it('tolerates overlapping series during a restart without a false rollback', () => {
    const overlap = samples([T0, 'a'], [T0 + 10, 'a'], [T0 + 10, 'b'], [T0 + 20, 'a'], [T0 + 20, 'b'], [T0 + 30, 'b']);
    expect(detectInstanceRollout(overlap, 'b', T0, 60)).toEqual({ kind: 'upgraded', atMs: T0 + 10, early: false });
  });

  it('says which version an instance still runs when it never showed the new one', () => {
    expect(detectInstanceRollout(samples([T0, 'a'], [T0 + 10, 'x']), 'b', T0, 60)).toEqual({ kind: 'not-upgraded', lastVersion: 'x' });
  });
});
