import { describe, expect, it } from 'vitest';
import { createServiceMetrics, registerMonitorGauges } from '../telemetry/service-metrics.js';
import { groupGaugeWriter, groupLabel, setOpenFindings } from './monitor-gauges.js';
import { sampleReport } from '../../test/support/sample-report.js';
import type { FindingRecord } from '../store/state-store.js';

describe('monitor gauges', () => {
  it('writes each group and statistic of the latest report, and drops groups no longer reported', async () => {
    const metrics = createServiceMetrics();
    const write = groupGaugeWriter(registerMonitorGauges(metrics));
    const report = sampleReport();
    write('u1', report);
    let text = await metrics.registry.metrics();
    const first = report.groups[0];
    if (first === undefined) throw new Error('sample report has no groups');
    const label = groupLabel(first.labels);
    expect(text).toContain(`shiftguard_group_regression{upgrade="u1",signal="${first.signal}",group="${label}"} ${first.verdict === 'regression' ? 1 : 0}`);
    write('u1', { ...report, groups: [] });
    text = await metrics.registry.metrics();
    expect(text).not.toContain(`group="${label}"`);
  });

  it('counts open findings by signal and clears signals without any', async () => {
    const metrics = createServiceMetrics();
    const gauges = registerMonitorGauges(metrics);
    const finding = (signal: string): FindingRecord => ({ id: '1', upgradeId: 'u', signal, labels: {}, verdict: 'regression', statistics: [], suspects: [], openedAtMs: 0, updatedAtMs: 0, resolvedAtMs: null });
    setOpenFindings(gauges, [finding('latency'), finding('latency'), finding('retries')]);
    expect(await metrics.registry.metrics()).toContain('shiftguard_open_findings{signal="latency"} 2');
    setOpenFindings(gauges, []);
    expect(await metrics.registry.metrics()).not.toContain('shiftguard_open_findings{signal="latency"}');
  });

  it('labels a group by its sorted k=v pairs', () => {
    expect(groupLabel({ service: 'gateway', endpoint: '/v1/route' })).toBe('endpoint=/v1/route,service=gateway');
  });
});
