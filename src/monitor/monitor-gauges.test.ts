import { describe, expect, it } from 'vitest';
import { createServiceMetrics, registerMonitorGauges } from '../telemetry/service-metrics.js';
import { groupGaugeWriter, groupLabel, setOpenFindings } from './monitor-gauges.js';
import { reportGroup, reportStatistic, sampleReport } from '../../test/support/sample-report.js';
import type { FindingRecord } from '../store/state-store.js';

/** The exposition lines of `name` (without HELP/TYPE), in registry order. */
async function samples(metrics: ReturnType<typeof createServiceMetrics>, name: string): Promise<string[]> {
  return (await metrics.registry.getSingleMetricAsString(name)).split('\n').filter((line) => line.startsWith(`${name}{`));
}

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

  it('exports the baseline and after value of every finite statistic, and removes them with the group', async () => {
    const metrics = createServiceMetrics();
    const write = groupGaugeWriter(registerMonitorGauges(metrics));
    const latency = reportGroup({
      labels: { service: 'gateway', endpoint: '/v1/route' },
      statistics: [reportStatistic({ name: 'p50', baseline: 0.05, after: 0.051 }), reportStatistic({ name: 'p99', baseline: 0.25, after: 0.4 })],
    });
    const retries = reportGroup({ signal: 'retries', labels: { service: 'sync', peer: 'partner-api' }, statistics: [reportStatistic({ name: 'ratio', baseline: 0.04, after: 0.06, relativeChange: 0.5 })] });
    const thin = reportGroup({ labels: { service: 'search' }, statistics: [reportStatistic({ name: 'p99', baseline: 0.3, after: Infinity, relativeChange: NaN })] });
    write('u1', { ...sampleReport(), groups: [latency, retries, thin] });
    const route = 'upgrade="u1",signal="latency",group="endpoint=/v1/route,service=gateway"';
    expect(await samples(metrics, 'shiftguard_group_statistic')).toEqual([
      `shiftguard_group_statistic{${route},statistic="p50",window="baseline"} 0.05`,
      `shiftguard_group_statistic{${route},statistic="p50",window="after"} 0.051`,
      `shiftguard_group_statistic{${route},statistic="p99",window="baseline"} 0.25`,
      `shiftguard_group_statistic{${route},statistic="p99",window="after"} 0.4`,
      'shiftguard_group_statistic{upgrade="u1",signal="retries",group="peer=partner-api,service=sync",statistic="ratio",window="baseline"} 0.04',
      'shiftguard_group_statistic{upgrade="u1",signal="retries",group="peer=partner-api,service=sync",statistic="ratio",window="after"} 0.06',
      // Too little data after the upgrade: the infinite after value and the NaN change are left out.
      'shiftguard_group_statistic{upgrade="u1",signal="latency",group="service=search",statistic="p99",window="baseline"} 0.3',
    ]);
    expect(await samples(metrics, 'shiftguard_group_relative_change')).not.toContainEqual(expect.stringContaining('service=search'));

    write('u2', { ...sampleReport(), groups: [retries] });
    write('u1', { ...sampleReport(), groups: [retries] });
    const left = await samples(metrics, 'shiftguard_group_statistic');
    expect(left).toHaveLength(4);
    expect(left.every((line) => line.includes('statistic="ratio"'))).toBe(true);
    expect(left.filter((line) => line.includes('upgrade="u2"'))).toHaveLength(2);
  });

  it('counts open findings by signal and keeps a signal at 0 once its findings are resolved', async () => {
    const metrics = createServiceMetrics();
    const gauges = registerMonitorGauges(metrics);
    const finding = (signal: string): FindingRecord => ({ id: '1', upgradeId: 'u', signal, labels: {}, verdict: 'regression', statistics: [], suspects: [], openedAtMs: 0, updatedAtMs: 0, resolvedAtMs: null });
    setOpenFindings(gauges, [finding('latency'), finding('latency'), finding('retries')]);
    expect(await samples(metrics, 'shiftguard_open_findings')).toEqual(['shiftguard_open_findings{signal="latency"} 2', 'shiftguard_open_findings{signal="retries"} 1']);
    setOpenFindings(gauges, [finding('retries')]);
    expect(await samples(metrics, 'shiftguard_open_findings')).toEqual(['shiftguard_open_findings{signal="latency"} 0', 'shiftguard_open_findings{signal="retries"} 1']);
    // Another registry's gauges start from nothing.
    const other = createServiceMetrics();
    setOpenFindings(registerMonitorGauges(other), []);
    expect(await samples(other, 'shiftguard_open_findings')).toEqual([]);
  });

  it('labels a group by its sorted k=v pairs', () => {
    expect(groupLabel({ service: 'gateway', endpoint: '/v1/route' })).toBe('endpoint=/v1/route,service=gateway');
  });
});
