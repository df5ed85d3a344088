import { describe, expect, it } from 'vitest';
import type { RawSeries } from '../series/model.js';
import { validateUpgrade } from './load-upgrade.js';
import { resolveRollout } from './resolve-rollout.js';
import type { RolloutInput } from './resolve-rollout.js';
import { changedBinariesOfService, changedBinariesOnInstance, instancesOfBinary, rolloutTimeMs } from './rollout-plan.js';

const T0 = Date.UTC(2026, 3, 10, 12);
const MIN = 60_000;
const iso = (ms: number): string => new Date(ms).toISOString();

/** A build-info gauge sampled every 15 s over [fromMs, toMs). */
function buildInfo(binary: string, version: string, instance: string, fromMs: number, toMs: number, extra: Record<string, string> = {}): RawSeries {
  const times: number[] = [];
  for (let t = fromMs; t < toMs; t += 15_000) times.push(t);
  return {
    name: 'dten_build_info',
    labels: { binary, version, instance, ...extra },
    timestampsMs: Float64Array.from(times),
    values: new Float64Array(times.length).fill(1),
    origin: 'test',
  };
}

function upgradeOf(binaries: object[]) {
  return validateUpgrade({ id: 'u', startedAt: iso(T0), binaries }, 'test');
}

function inputOf(series: RawSeries[], overrides: Partial<RolloutInput> = {}): RolloutInput {
  return {
    buildInfo: series,
    buildInfoConfig: { metric: 'dten_build_info', binaryLabel: 'binary', versionLabel: 'version' },
    instanceLabel: 'instance',
    serviceLabel: 'service',
    knownInstances: new Set(['gw-1', 'gw-2', 'gw-3']),
    ...overrides,
  };
}

const gateway = { name: 'dten-gateway', from: '4.2.1', to: '4.3.0' };
const START = T0 - 2 * 60 * MIN;
const END = T0 + 60 * MIN;

describe('resolveRollout', () => {
  it('prefers the explicit rollout and warns about instances without series', () => {
    const upgrade = upgradeOf([{ ...gateway, services: ['gateway'], rollout: [{ instance: 'gw-1', at: iso(T0 + 5 * MIN) }, { instance: 'gw-9', at: iso(T0 + 9 * MIN) }] }]);
    const series = [buildInfo('dten-gateway', '4.2.1', 'gw-2', START, END)];
    const plan = resolveRollout(upgrade, inputOf(series));
    expect(plan.binaries[0]).toEqual({
      name: 'dten-gateway', from: '4.2.1', to: '4.3.0', changed: true,
      services: ['gateway'], servicesSource: 'manifest',
      rolloutAtMs: new Map([['gw-1', T0 + 5 * MIN], ['gw-9', T0 + 9 * MIN]]), rolloutSource: 'manifest',
      instances: ['gw-1', 'gw-2', 'gw-9'],
    });
    expect(plan.warnings).toEqual(['instance gw-9 in rollout of dten-gateway has no series']);
  });

  it('derives per-instance times from build-info switches', () => {
    const series = [
      buildInfo('dten-gateway', '4.2.1', 'gw-1', START, T0 + 5 * MIN, { service: 'gateway' }),
      buildInfo('dten-gateway', '4.3.0', 'gw-1', T0 + 5 * MIN, END, { service: 'gateway' }),
      buildInfo('dten-gateway', '4.2.1', 'gw-2', START, T0 + 15 * MIN, { service: 'gateway' }),
      buildInfo('dten-gateway', '4.3.0', 'gw-2', T0 + 15 * MIN, END, { service: 'gateway' }),
    ];
    const plan = resolveRollout(upgradeOf([gateway]), inputOf(series));
    expect(plan.binaries[0]?.rolloutSource).toBe('build-info');
    expect(plan.binaries[0]?.rolloutAtMs).toEqual(new Map([['gw-1', T0 + 5 * MIN], ['gw-2', T0 + 15 * MIN]]));
    expect(plan.binaries[0]?.instances).toEqual(['gw-1', 'gw-2']);
    expect(plan.binaries[0]?.services).toEqual(['gateway']);
    expect(plan.binaries[0]?.servicesSource).toBe('build-info');
    expect(plan.warnings).toEqual([]);
  });

  it('handles new instances, early upgrades and instances left behind', () => {
    const series = [
      buildInfo('dten-gateway', '4.3.0', 'gw-1', T0 + 10 * MIN, END), // new instance during the upgrade
      buildInfo('dten-gateway', '4.3.0', 'gw-2', START, END), // already upgraded long before
      buildInfo('dten-gateway', '4.3.0', 'gw-3', T0 - 30_000, END), // within one slice of startedAt
      buildInfo('dten-gateway', '4.2.1', 'gw-10', START, END), // never upgraded
    ];
    const plan = resolveRollout(upgradeOf([gateway]), inputOf(series));
    expect(plan.binaries[0]?.rolloutAtMs).toEqual(new Map([['gw-1', T0 + 10 * MIN], ['gw-2', START], ['gw-3', T0]]));
    expect(plan.binaries[0]?.instances).toEqual(['gw-1', 'gw-2', 'gw-3', 'gw-10']);
    expect(plan.warnings).toEqual([
      `instance gw-2 already ran dten-gateway 4.3.0 at ${iso(START).replace('.000Z', 'Z')}, before the upgrade started (2026-04-10T12:00:00Z): it was upgraded earlier and has no baseline for this upgrade`,
      'instance gw-10 still runs dten-gateway 4.2.1; it never showed 4.3.0',
    ]);
  });

  it('treats a switch up to one slice before startedAt as part of the upgrade, earlier ones as early', () => {
    const series = [
      buildInfo('dten-gateway', '4.2.1', 'gw-1', START, T0 - 45_000),
      buildInfo('dten-gateway', '4.3.0', 'gw-1', T0 - 45_000, END),
      buildInfo('dten-gateway', '4.2.1', 'gw-2', START, T0 - 2 * MIN),
      buildInfo('dten-gateway', '4.3.0', 'gw-2', T0 - 2 * MIN, END),
    ];
    const plan = resolveRollout(upgradeOf([gateway]), inputOf(series, { sliceMs: MIN }));
    expect(plan.binaries[0]?.rolloutAtMs).toEqual(new Map([['gw-1', T0 - 45_000], ['gw-2', T0 - 2 * MIN]]));
    expect(plan.warnings).toHaveLength(1);
    expect(plan.warnings[0]).toMatch(/^instance gw-2 already ran dten-gateway 4.3.0 at 2026-04-10T11:58:00Z/);
  });

  it('warns about versions that are neither from nor to, and about rollbacks', () => {
    const series = [
      buildInfo('dten-gateway', '4.2.1', 'gw-1', START, T0 + 5 * MIN),
      buildInfo('dten-gateway', '4.3.0', 'gw-1', T0 + 5 * MIN, T0 + 20 * MIN),
      buildInfo('dten-gateway', '4.2.1', 'gw-1', T0 + 20 * MIN, END),
      buildInfo('dten-gateway', '4.1.0', 'gw-2', START, T0),
      buildInfo('dten-gateway', '4.3.0', 'gw-2', T0 + 2 * MIN, END),
    ];
    const plan = resolveRollout(upgradeOf([gateway]), inputOf(series));
    expect(plan.binaries[0]?.rolloutAtMs).toEqual(new Map([['gw-1', T0 + 5 * MIN], ['gw-2', T0 + 2 * MIN]]));
    expect(plan.warnings).toEqual([
      'build-info shows dten-gateway 4.1.0 on gw-2, which is neither from (4.2.1) nor to (4.3.0)',
      'instance gw-1 went back from dten-gateway 4.3.0 to 4.2.1 at 2026-04-10T12:20:00Z',
    ]);
  });

  it('falls back to startedAt without rollout and build-info, with a warning', () => {
    const upgrade = upgradeOf([gateway, { name: 'dten-auth', from: '3.1.4', to: '3.1.4' }]);
    const plan = resolveRollout(upgrade, inputOf([]));
    expect(plan.binaries.map((b) => [b.name, b.rolloutSource, b.rolloutAtMs.size, b.instances, b.servicesSource])).toEqual([
      ['dten-gateway', 'startedAt', 0, [], 'none'],
      ['dten-auth', 'startedAt', 0, [], 'none'],
    ]);
    expect(plan.warnings).toEqual([
      'dten-gateway has no rollout times in the upgrade and there are no dten_build_info series for it; every instance counts as upgraded at startedAt (2026-04-10T12:00:00Z)',
    ]);
    const disabled = resolveRollout(upgradeOf([gateway]), inputOf([buildInfo('dten-gateway', '4.3.0', 'gw-1', START, END)], { buildInfoConfig: null }));
    expect(disabled.warnings).toEqual([
      'dten-gateway has no rollout times in the upgrade and build-info is not configured; every instance counts as upgraded at startedAt (2026-04-10T12:00:00Z)',
    ]);
  });

  it('falls back to startedAt when build-info never shows the new version', () => {
    const plan = resolveRollout(upgradeOf([gateway]), inputOf([buildInfo('dten-gateway', '4.2.1', 'gw-1', START, END)]));
    expect(plan.binaries[0]?.rolloutSource).toBe('startedAt');
    expect(plan.binaries[0]?.instances).toEqual(['gw-1']);
    expect(plan.warnings).toEqual([
      'instance gw-1 still runs dten-gateway 4.2.1; it never showed 4.3.0',
      'build-info never shows dten-gateway 4.3.0 on any instance; every instance counts as upgraded at startedAt (2026-04-10T12:00:00Z)',
    ]);
  });

  it('uses the instances of the upgrade description when nothing else says where a binary runs', () => {
    const plan = resolveRollout(upgradeOf([{ ...gateway, instances: ['gw-2', 'gw-1'] }]), inputOf([]));
    expect(plan.binaries[0]?.instances).toEqual(['gw-1', 'gw-2']);
  });

  it('ties services through the instances when build-info has no service label', () => {
    const series = [buildInfo('dten-sync', '2.8.0', 'sync-1', T0 + MIN, END)];
    const instanceServices = new Map([['sync-1', new Set(['sync', 'sync-admin'])], ['gw-1', new Set(['gateway'])]]);
    const plan = resolveRollout(upgradeOf([{ name: 'dten-sync', from: '2.7.0', to: '2.8.0' }]), inputOf(series, { instanceServices }));
    expect(plan.binaries[0]?.services).toEqual(['sync', 'sync-admin']);
    expect(plan.binaries[0]?.servicesSource).toBe('build-info');
  });

  it('ignores other metrics, zero and stale samples', () => {
    const stale = buildInfo('dten-gateway', '4.3.0', 'gw-1', START, END);
    stale.values.fill(0);
    stale.values[stale.values.length - 1] = Number.NaN;
    const other = { ...buildInfo('dten-gateway', '4.3.0', 'gw-2', START, END), name: 'other_info' };
    const plan = resolveRollout(upgradeOf([gateway]), inputOf([stale, other]));
    expect(plan.binaries[0]?.rolloutSource).toBe('startedAt');
    expect(plan.binaries[0]?.rolloutAtMs.size).toBe(0);
  });
});

describe('rollout plan queries', () => {
  const upgrade = upgradeOf([
    { ...gateway, services: ['gateway'], rollout: [{ instance: 'gw-1', at: iso(T0 + 5 * MIN) }] },
    { name: 'dten-agent', from: '1.12.0', to: '1.12.1' },
    { name: 'dten-auth', from: '3.1.4', to: '3.1.4', services: ['auth'] },
  ]);
  const plan = resolveRollout(upgrade, inputOf([buildInfo('dten-gateway', '4.2.1', 'gw-2', START, END)]));
  const [gw, agent, auth] = plan.binaries;

  it('gives rollout times per instance', () => {
    expect(gw && rolloutTimeMs(gw, 'gw-1', T0)).toBe(T0 + 5 * MIN);
    expect(gw && rolloutTimeMs(gw, 'gw-2', T0)).toBeUndefined();
    expect(agent && rolloutTimeMs(agent, 'anything', T0)).toBe(T0);
    expect(auth && rolloutTimeMs(auth, 'gw-1', T0)).toBeUndefined();
  });

  it('lists changed binaries that may explain an instance or a service', () => {
    expect(instancesOfBinary(plan, 'dten-gateway')).toEqual(['gw-1', 'gw-2']);
    expect(changedBinariesOnInstance(plan, 'gw-2').map((b) => b.name)).toEqual(['dten-gateway', 'dten-agent']);
    expect(changedBinariesOnInstance(plan, 'auth-1').map((b) => b.name)).toEqual(['dten-agent']);
    expect(changedBinariesOfService(plan, 'gateway').map((b) => b.name)).toEqual(['dten-gateway', 'dten-agent']);
    expect(changedBinariesOfService(plan, 'auth').map((b) => b.name)).toEqual(['dten-agent']);
  });
});
