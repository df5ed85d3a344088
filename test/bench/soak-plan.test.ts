import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { validateUpgrade } from '../../src/upgrades/load-upgrade.js';
import { PROMETHEUS_MAX_SHARDS, planSoak, serveRetentionMs, soakConfigYaml, soakUpgrade } from './soak-plan.js';

const options = { durationMs: 600_000, multiplier: 10, baseSamplesPerSecond: 800_000, series: 30_000, seriesPerInstance: 144, benchSenders: 4, samplesPerRequest: 2000 };

describe('planSoak', () => {
  it("offers the multiple of the sustained rate over Prometheus' most shards once above it", () => {
    const plan = planSoak(options);
    expect(plan.offeredSamplesPerSecond).toBe(8_000_000);
    expect(plan.shards).toBe(PROMETHEUS_MAX_SHARDS);
    expect(plan.series).toBe(30_096);
    expect(planSoak({ ...options, multiplier: 0.5 }).shards).toBe(2);
    expect(planSoak({ ...options, multiplier: 1 }).shards).toBe(4);
  });

  it('adds series when the rate needs them (at most 0.8 samples per series and ms), in whole instances', () => {
    const plan = planSoak({ ...options, series: 1000, baseSamplesPerSecond: 1_000_000 });
    expect(plan.series).toBe(12_528);
    expect(plan.series % 144).toBe(0);
  });

  it('keeps the upgrade monitored, one slice a time, through the whole load and a minute after it', () => {
    for (const durationMs of [20_000, 120_000, 600_000]) {
      const { windows, upgradeOffsetMs } = planSoak({ ...options, durationMs });
      expect(windows.sliceMs).toBe(durationMs <= 120_000 ? 1000 : 2000);
      expect(windows.baselineMs).toBeGreaterThanOrEqual(6 * windows.sliceMs);
      expect(upgradeOffsetMs).toBe(windows.baselineMs + windows.sliceMs);
      expect(upgradeOffsetMs + windows.settleMs + windows.afterMs).toBeGreaterThanOrEqual(durationMs + 60_000);
      expect(upgradeOffsetMs + windows.settleMs).toBeLessThan(durationMs);
    }
  });

  it('refuses a non-positive duration, multiplier, rate or series count', () => {
    expect(() => planSoak({ ...options, multiplier: 0 })).toThrow('planSoak: multiplier must be a positive number, got 0');
    expect(() => planSoak({ ...options, baseSamplesPerSecond: Number.NaN })).toThrow('baseSamplesPerSecond');
  });
});

describe("serve's configuration and upgrade", () => {
  it('is a configuration serve accepts, with the planned windows', () => {
    const { windows } = planSoak({ ...options, durationMs: 20_000 });
    const config = parseConfig(soakConfigYaml(windows, '/tmp/soak/shiftguard.db'), 'soak', { env: {} });
    expect(config.windows).toEqual({ baselineMs: windows.baselineMs, afterMs: windows.afterMs, settleMs: windows.settleMs, sliceMs: windows.sliceMs });
    expect(config.monitoring.delayMs).toBe(windows.delayMs);
    expect(config.store.url).toBe('sqlite:/tmp/soak/shiftguard.db');
    expect(serveRetentionMs(windows)).toBe(windows.baselineMs + windows.settleMs + windows.afterMs + 3_600_000);
  });

  it('is an upgrade serve accepts, upgrading every service of the load at its start', () => {
    const upgrade = validateUpgrade(soakUpgrade('soak', Date.UTC(2026, 3, 10, 12), ['svc-0', 'soak-otlp']), 'soak');
    expect(upgrade.startedAtMs).toBe(Date.UTC(2026, 3, 10, 12));
    expect(upgrade.binaries.map((b) => [b.name, b.changed, b.services])).toEqual([['soak-app', true, ['svc-0', 'soak-otlp']]]);
  });
});
