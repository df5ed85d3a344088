import { describe, expect, it } from 'vitest';
import { simulateFleet } from './fleet-simulator.js';
import { bucketQuantile, windowBuckets, windowIncrease } from './readout.js';
import { bigScenario, dtenStory, nullScenario, partialRolloutScenario, powerScenario, preExistingShiftScenario, twoBinariesScenario } from './scenarios.js';
import { writeOpenMetrics } from './openmetrics-writer.js';

const at = (hhmm: string): number => Date.parse(`2026-04-10T${hhmm}:00Z`);

describe('dtenStory', () => {
  const story = dtenStory();

  it('describes the upgrade as contract §4 expects', () => {
    const u = story.upgrade;
    expect(u).toMatchObject({
      id: 'dten-2026.04',
      package: 'Full-upgrade-package-dten.zip',
      startedAt: '2026-04-10T12:00:00Z',
      finishedAt: '2026-04-10T12:40:00Z',
      configChanges: [{ key: 'dten.hybrid.enable', from: null, to: 'true' }],
      flags: [{ name: 'dten.sync.backoff-v2', binary: 'dten-sync' }],
    });
    expect(u.binaries.map((b) => [b.name, b.from, b.to, b.services])).toEqual([
      ['dten-gateway', '4.2.1', '4.3.0', ['gateway']],
      ['dten-sync', '2.7.0', '2.8.0', ['sync']],
      ['dten-agent', '1.9.0', '1.9.1', ['gateway', 'sync']],
      ['dten-auth', '3.1.0', '3.1.0', ['gateway']],
    ]);
    expect(u.binaries[0]!.rollout).toEqual([
      { instance: 'gw-1', at: '2026-04-10T12:05:00Z' },
      { instance: 'gw-2', at: '2026-04-10T12:12:00Z' },
      { instance: 'gw-3', at: '2026-04-10T12:20:00Z' },
      { instance: 'gw-4', at: '2026-04-10T12:28:00Z' },
    ]);
    expect(u.binaries[1]!.rollout?.map((r) => r.at)).toEqual(['2026-04-10T12:08:00Z', '2026-04-10T12:18:00Z', '2026-04-10T12:33:00Z']);
    expect(u.binaries[3]!.rollout).toBeUndefined();
    expect(u.binaries.every((b) => /^[0-9a-f]{64}$/.test(b.sha256 ?? ''))).toBe(true);
    expect(story.scenario).toMatchObject({ startMs: at('09:30'), endMs: at('13:45'), scrapeIntervalMs: 15_000 });
  });

  const { series } = simulateFleet(story.scenario);

  it('carries a tail regression on /v1/route: p99 ≈ +40 %, median nearly unchanged', () => {
    const quantile = (q: number, from: string, to: string): number =>
      bucketQuantile(q, windowBuckets(series, 'http_server_request_duration_seconds', { endpoint: '/v1/route' }, at(from), at(to)));
    const p99 = quantile(0.99, '12:34', '13:45') / quantile(0.99, '09:30', '12:00');
    expect(p99).toBeGreaterThan(1.28);
    expect(p99).toBeLessThan(1.52);
    expect(Math.abs(quantile(0.5, '12:34', '13:45') / quantile(0.5, '09:30', '12:00') - 1)).toBeLessThan(0.05);
    const auth = (from: string, to: string): number =>
      bucketQuantile(0.99, windowBuckets(series, 'http_server_request_duration_seconds', { endpoint: '/v1/auth' }, at(from), at(to)));
    expect(Math.abs(auth('12:34', '13:45') / auth('09:30', '12:00') - 1)).toBeLessThan(0.08);
  });

  it('raises sync retries to partner-api from ~4 % to ~9 % and leaves storage alone', () => {
    const fraction = (peer: string, from: string, to: string): number =>
      windowIncrease(series, 'http_client_retries_total', { service: 'sync', peer }, at(from), at(to)) /
      windowIncrease(series, 'http_client_requests_total', { service: 'sync', peer }, at(from), at(to));
    expect(Math.abs(fraction('partner-api', '09:30', '12:00') - 0.04)).toBeLessThan(0.006);
    expect(Math.abs(fraction('partner-api', '12:39', '13:45') - 0.09)).toBeLessThan(0.012);
    expect(Math.abs(fraction('storage', '12:39', '13:45') / fraction('storage', '09:30', '12:00') - 1)).toBeLessThan(0.25);
  });

  it('shows every binary in build info: dten-auth unchanged, dten-agent switching at its own times', () => {
    const versions = (binary: string, instance: string): string[] =>
      series.filter((s) => s.name === 'dten_build_info' && s.labels['binary'] === binary && s.labels['instance'] === instance).map((s) => s.labels['version']!);
    expect(versions('dten-auth', 'gw-3')).toEqual(['3.1.0']);
    expect(versions('dten-agent', 'sync-2')).toEqual(['1.9.0', '1.9.1']);
    const agentNew = series.find((s) => s.name === 'dten_build_info' && s.labels['binary'] === 'dten-agent' && s.labels['instance'] === 'gw-2' && s.labels['version'] === '1.9.1');
    expect(agentNew?.timestampsMs[0]).toBe(at('12:15'));
  });
});

describe('calibration scenarios', () => {
  it('nullScenario has no effect, ~3.5 h of data, 4 staggered instances, coarse buckets on request', () => {
    const { scenario, upgrade } = nullScenario(1, { coarseBuckets: true });
    expect(scenario.upgrade?.binaries.flatMap((b) => b.effects ?? [])).toEqual([]);
    expect((scenario.endMs - scenario.startMs) / 3_600_000).toBeGreaterThan(3.4);
    expect(upgrade.binaries[0]!.rollout?.map((r) => r.at)).toEqual(['12:05', '12:13', '12:20', '12:28'].map((t) => `2026-04-10T${t}:00Z`));
    const les = simulateFleet(scenario).series.filter((s) => s.name.endsWith('_bucket') && s.labels['instance'] === 'gw-1').map((s) => s.labels['le']);
    expect(les).toEqual(['0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf']);
  });

  it('nullScenario can roll out simultaneously without restarts', () => {
    const { scenario } = nullScenario(1, { rollout: 'simultaneous', restartAtRollout: false });
    expect(new Set(Object.values(scenario.upgrade!.binaries[0]!.rolloutMs)).size).toBe(1);
    expect(simulateFleet(scenario).truth.counterResets).toEqual([]);
  });

  it('powerScenario carries the requested shifts', () => {
    const tail = powerScenario(1, { p99Shift: 0.1, retryShift: 0.5 }).scenario.upgrade!.binaries[0]!.effects!;
    expect(tail[0]).toMatchObject({ kind: 'latency', endpoint: '/v1/route', tail: { fraction: 0.02 } });
    expect(tail[1]).toMatchObject({ kind: 'retries', peer: 'storage', probabilityFactor: 1.5 });
    const scale = powerScenario(1, { p99Shift: -0.1, shiftKind: 'scale' }).scenario.upgrade!.binaries[0]!.effects!;
    expect(scale).toEqual([{ kind: 'latency', service: 'gateway', endpoint: '/v1/route', scale: 0.9 }]);
    expect(() => powerScenario(1, { p99Shift: -0.1 })).toThrow(/tail shift must be > 0/);
    const { scenario } = powerScenario(1, { afterHours: 2 });
    expect(scenario.endMs).toBe(at('12:28') + (5 + 120 + 2) * 60_000);
  });

  it('partialRolloutScenario upgrades only gw-1 and gw-2 under a load ramp on all instances', () => {
    const { scenario, upgrade } = partialRolloutScenario(2);
    expect(upgrade.binaries[0]!.rollout?.map((r) => r.instance)).toEqual(['gw-1', 'gw-2']);
    expect(scenario.loadRamps).toHaveLength(1);
    const { truth } = simulateFleet(scenario);
    expect(new Set(truth.effects.map((e) => e.instance))).toEqual(new Set(['gw-1', 'gw-2']));
  });

  it('preExistingShiftScenario starts the shift 40 min before the upgrade', () => {
    const { truth } = simulateFleet(preExistingShiftScenario(3).scenario);
    expect(truth.effects.map((e) => e.startMs)).toEqual(Array(4).fill(at('11:20')));
    expect(truth.effects.every((e) => e.source === 'timed')).toBe(true);
  });

  it('twoBinariesScenario rolls the agent apart from, or together with, the gateway', () => {
    const apart = twoBinariesScenario(4, { sameTimes: false }).scenario.upgrade!.binaries;
    const together = twoBinariesScenario(4, { sameTimes: true }).scenario.upgrade!.binaries;
    expect(together[1]!.rolloutMs).toEqual(together[0]!.rolloutMs);
    for (const instance of ['gw-1', 'gw-2', 'gw-3', 'gw-4']) {
      expect(Math.abs(apart[1]!.rolloutMs[instance]! - apart[0]!.rolloutMs[instance]!)).toBeGreaterThanOrEqual(2 * 60_000);
    }
    expect(apart.map((b) => [b.name, (b.effects ?? []).length, b.resetsCounters ?? true])).toEqual([
      ['dten-gateway', 1, true],
      ['dten-agent', 0, false],
    ]);
  });
});

describe('bigScenario', () => {
  it('sizes the fleet so the OpenMetrics text is close to the target', async () => {
    const target = 2_000_000;
    const { scenario } = bigScenario({ targetBytes: target, services: 3, hours: 2 });
    let bytes = 0;
    await writeOpenMetrics(simulateFleet(scenario).series, { write: (chunk: string) => ((bytes += Buffer.byteLength(chunk)), true) });
    expect(Math.abs(bytes / target - 1)).toBeLessThan(0.15);
  });
});
