import { describe, expect, it } from 'vitest';
import { createServiceMetrics, registerMonitorGauges, registerStateGauges } from './service-metrics.js';

describe('createServiceMetrics', () => {
  it('exports the ingest counters of both push protocols at 0 before the first push', async () => {
    const metrics = createServiceMetrics();
    const text = await metrics.registry.metrics();
    for (const protocol of ['remote_write', 'otlp']) {
      expect(text).toContain(`shiftguard_samples_ingested_total{protocol="${protocol}"} 0`);
      for (const reason of ['in_flight', 'memory_budget', 'event_loop', 'detection']) expect(text).toContain(`shiftguard_ingest_overloaded_total{protocol="${protocol}",reason="${reason}"} 0`);
    }
    metrics.samplesIngested.inc({ protocol: 'otlp' }, 5);
    expect(await metrics.registry.metrics()).toContain('shiftguard_samples_ingested_total{protocol="otlp"} 5');
  });

  it('exports the detection histogram and the evaluation counter at 0 for every outcome and phase', async () => {
    const metrics = createServiceMetrics();
    registerMonitorGauges(metrics);
    const text = await metrics.registry.metrics();
    for (const outcome of ['ok', 'error']) {
      expect(text).toContain(`shiftguard_detection_run_duration_seconds_count{outcome="${outcome}"} 0`);
      for (const phase of ['sequential', 'final']) expect(text).toContain(`shiftguard_monitor_evaluations_total{phase="${phase}",outcome="${outcome}"} 0`);
    }
  });
});

describe('registerStateGauges', () => {
  it('counts upgrades and decisions by status at scrape time, every known status included', async () => {
    const metrics = createServiceMetrics();
    let decisions = [{ status: 'proposed' }, { status: 'approved' }, { status: 'approved' }];
    const upgrades = [{ id: 'u1', status: 'monitoring', registeredAtMs: 1_795_000_000_000 }, { id: 'u2', status: 'finished', registeredAtMs: 1_795_000_060_500 }];
    registerStateGauges(metrics, { listUpgrades: () => Promise.resolve(upgrades), listDecisions: () => Promise.resolve(decisions) });
    let text = await metrics.registry.metrics();
    // Registration times for Grafana annotations (value = the time, in seconds).
    expect(text).toContain('shiftguard_upgrade_registered_timestamp_seconds{upgrade="u1"} 1795000000');
    expect(text).toContain('shiftguard_upgrade_registered_timestamp_seconds{upgrade="u2"} 1795000060.5');
    expect(text).toContain('shiftguard_decisions{status="approved"} 2');
    expect(text).toContain('shiftguard_decisions{status="reverted"} 0');
    expect(text).toContain('shiftguard_upgrades{status="monitoring"} 1');
    decisions = [{ status: 'rejected' }];
    text = await metrics.registry.metrics();
    expect(text).toContain('shiftguard_decisions{status="rejected"} 1');
    expect(text).toContain('shiftguard_decisions{status="approved"} 0');
  });

  it('exports 0 for every status while the store is empty', async () => {
    const metrics = createServiceMetrics();
    registerStateGauges(metrics, { listUpgrades: () => Promise.resolve([]), listDecisions: () => Promise.resolve([]) });
    const lines = (await metrics.registry.metrics()).split('\n');
    expect(lines.filter((l) => l.startsWith('shiftguard_upgrades{'))).toEqual(['shiftguard_upgrades{status="monitoring"} 0', 'shiftguard_upgrades{status="finished"} 0']);
    expect(lines.filter((l) => l.startsWith('shiftguard_decisions{'))).toHaveLength(9);
  });
});
