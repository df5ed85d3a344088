import { describe, expect, it } from 'vitest';
import { groupRollout } from './group-rollout.js';
import type { ResolvedBinary, RolloutPlan } from '../upgrades/resolve-rollout.js';

const STARTED_AT_MS = Date.UTC(2026, 3, 1, 12, 0, 0);
const min = (k: number): number => STARTED_AT_MS + k * 60_000;

function binary(name: string, overrides: Partial<ResolvedBinary> = {}): ResolvedBinary {
  return {
    name,
    from: '1.0',
    to: '1.1',
    changed: true,
    services: [],
    servicesSource: 'none',
    rolloutAtMs: new Map(),
    rolloutSource: 'manifest',
    instances: [],
    ...overrides,
  };
}

const plan = (...binaries: ResolvedBinary[]): RolloutPlan => ({ binaries, warnings: [] });

describe('groupRollout', () => {
  it('ties binaries serving the group’s service, even when they run elsewhere', () => {
    const gateway = binary('gateway', { services: ['api'], servicesSource: 'manifest', rolloutSource: 'startedAt' });
    const other = binary('billing', { services: ['billing'], instances: ['x'], rolloutAtMs: new Map([['x', min(3)]]) });
    const { candidates, rollouts } = groupRollout(plan(gateway, other), 'api', ['a', 'b'], STARTED_AT_MS);
    expect(candidates.map((c) => c.binary)).toEqual(['gateway']);
    expect([...(candidates[0]?.rolloutAtMs ?? [])]).toEqual([
      ['a', STARTED_AT_MS],
      ['b', STARTED_AT_MS],
    ]);
    expect(candidates[0]?.notes).toEqual(['no per-instance rollout times for gateway: every instance counted as upgraded when the upgrade started']);
    expect(rollouts).toEqual([
      { instance: 'a', fromMs: STARTED_AT_MS, toMs: STARTED_AT_MS },
      { instance: 'b', fromMs: STARTED_AT_MS, toMs: STARTED_AT_MS },
    ]);
  });

  it('ties binaries rolled out on, or running on, one of the group’s instances', () => {
    const rolled = binary('libfoo', { rolloutAtMs: new Map([['a', min(2)]]), rolloutSource: 'build-info' });
    const running = binary('sidecar', { instances: ['b'] });
    const elsewhere = binary('db', { instances: ['z'], rolloutAtMs: new Map([['z', min(1)]]) });
    const { candidates, rollouts } = groupRollout(plan(rolled, running, elsewhere), undefined, ['a', 'b', 'c'], STARTED_AT_MS);
    expect(candidates.map((c) => c.binary)).toEqual(['libfoo', 'sidecar']);
    expect(candidates[0]?.notes).toEqual(['rollout times of libfoo read from build-info']);
    // sidecar runs on b but was not upgraded there (no rollout time): b is a natural control.
    expect([...(candidates[1]?.rolloutAtMs.keys() ?? [])]).toEqual([]);
    expect(rollouts.map((r) => [r.instance, r.fromMs, r.toMs])).toEqual([
      ['a', min(2), min(2)],
      ['b', null, null],
      ['c', null, null],
    ]);
  });

  it('takes each instance’s earliest and latest changed-binary rollout as from and to', () => {
    const first = binary('first', { rolloutAtMs: new Map([['a', min(5)], ['b', min(1)]]) });
    const second = binary('second', { rolloutAtMs: new Map([['a', min(2)], ['b', min(9)]]) });
    const { rollouts } = groupRollout(plan(first, second), undefined, ['a', 'b'], STARTED_AT_MS);
    expect(rollouts).toEqual([
      { instance: 'a', fromMs: min(2), toMs: min(5) },
      { instance: 'b', fromMs: min(1), toMs: min(9) },
    ]);
  });

  it('ignores unchanged binaries', () => {
    const same = binary('same', { changed: false, services: ['api'] });
    const changed = binary('changed', { services: ['api'] });
    expect(groupRollout(plan(same, changed), 'api', ['a'], STARTED_AT_MS).candidates.map((c) => c.binary)).toEqual(['changed']);
  });

  it('falls back to every changed binary, rolled out at the upgrade start everywhere, with a note', () => {
    const x = binary('x', { services: ['other'], rolloutAtMs: new Map([['z', min(4)]]), instances: ['z'] });
    const y = binary('y', { changed: true });
    const unchanged = binary('u', { changed: false });
    const { candidates, rollouts } = groupRollout(plan(x, y, unchanged), 'api', ['a', 'b'], STARTED_AT_MS);
    expect(candidates.map((c) => c.binary)).toEqual(['x', 'y']);
    for (const c of candidates) {
      expect([...c.rolloutAtMs]).toEqual([
        ['a', STARTED_AT_MS],
        ['b', STARTED_AT_MS],
      ]);
      expect(c.notes[0]).toBe('no changed binary is tied to service api; all changed binaries were considered');
    }
    expect(rollouts.every((r) => r.fromMs === STARTED_AT_MS && r.toMs === STARTED_AT_MS)).toBe(true);
    const untiedInstances = groupRollout(plan(x), undefined, ['a'], STARTED_AT_MS).candidates[0]?.notes[0];
    expect(untiedInstances).toBe('no changed binary is tied to these instances; all changed binaries were considered');
  });

  it('leaves every instance un-upgraded when nothing changed', () => {
    const { candidates, rollouts } = groupRollout(plan(binary('u', { changed: false })), 'api', ['a'], STARTED_AT_MS);
    expect(candidates).toEqual([]);
    expect(rollouts).toEqual([{ instance: 'a', fromMs: null, toMs: null }]);
  });
});
