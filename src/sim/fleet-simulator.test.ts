import { describe, expect, it } from 'vitest';
import type { RawSeries } from '../series/model.js';
import type { EndpointSpec, FleetScenario, ServiceSpec, SimBinary } from './fleet-scenario.js';
import { simulateFleet } from './fleet-simulator.js';
import { counterIncrease } from './readout.js';
import { InvalidScenarioError } from './scenario-validation.js';
import { nullScenario } from './scenarios.js';

const T0 = Date.parse('2026-04-10T10:00:00Z');
const MIN = 60_000;

function smallScenario(binary: Partial<SimBinary> = {}, extra: Partial<FleetScenario> = {}): FleetScenario {
  return {
    startMs: T0,
    endMs: T0 + 60 * MIN,
    scrapeIntervalMs: MIN,
    seed: 5,
    services: [
      {
        name: 'gateway',
        instances: ['gw-1', 'gw-2'],
        endpoints: [{ endpoint: '/v1/route', traffic: { ratePerSecond: 50 }, latency: { medianSeconds: 0.08, logSigma: 0.5 } }],
        peers: [{ peer: 'storage', traffic: { ratePerSecond: 20 }, retry: { probability: 0.05 } }],
      },
    ],
    upgrade: {
      startedAtMs: T0 + 20 * MIN,
      binaries: [{ name: 'dten-gateway', from: '1.0', to: '1.1', instances: ['gw-1', 'gw-2'], rolloutMs: { 'gw-1': T0 + 30 * MIN + 20_000 }, ...binary }],
    },
    ...extra,
  };
}

function find(series: readonly RawSeries[], name: string, labels: Record<string, string>): RawSeries {
  const found = series.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found === undefined) throw new Error(`no series ${name} ${JSON.stringify(labels)}`);
  return found;
}

const valueAt = (s: RawSeries, tMs: number): number => s.values[s.timestampsMs.indexOf(tMs)]!;

describe('simulateFleet determinism', () => {
  it('yields identical series for the same seed and different ones for another seed', () => {
    const a = simulateFleet(nullScenario(7).scenario).series;
    const b = simulateFleet(nullScenario(7).scenario).series;
    const c = simulateFleet(nullScenario(8).scenario).series;
    expect(b.map((s) => [s.name, s.labels, Array.from(s.values)])).toEqual(a.map((s) => [s.name, s.labels, Array.from(s.values)]));
    const differing = a.filter((s, i) => Array.from(s.values).some((v, j) => v !== c[i]!.values[j]));
    expect(differing.length).toBeGreaterThan(a.length / 2);
  });

  it('keeps other streams, and a stream before its effect starts, unchanged when an effect is added', () => {
    const plain = simulateFleet(smallScenario()).series;
    const effects = [{ kind: 'latency' as const, service: 'gateway', endpoint: '/v1/route', scale: 1.5 }];
    const shifted = simulateFleet(smallScenario({ effects })).series;
    const peer = { instance: 'gw-1', peer: 'storage' };
    expect(Array.from(find(shifted, 'http_client_retries_total', peer).values)).toEqual(Array.from(find(plain, 'http_client_retries_total', peer).values));
    const sumBefore = (series: RawSeries[]): number[] =>
      Array.from(find(series, 'http_server_request_duration_seconds_sum', { instance: 'gw-1' }).values.slice(0, 30));
    expect(sumBefore(shifted)).toEqual(sumBefore(plain));
    const untouched = (series: RawSeries[]): number[] => Array.from(find(series, 'http_server_request_duration_seconds_sum', { instance: 'gw-2' }).values);
    expect(untouched(shifted)).toEqual(untouched(plain));
  });
});

describe('simulateFleet output shape', () => {
  it('exposes histogram, client counters and build info with the configured labels and origin', () => {
    const { series, truth } = simulateFleet(smallScenario());
    expect(truth.scrapeTimesMs.length).toBe(61);
    const bucket = find(series, 'http_server_request_duration_seconds_bucket', { instance: 'gw-2', le: '+Inf' });
    expect(bucket.labels).toEqual({ service: 'gateway', instance: 'gw-2', endpoint: '/v1/route', le: '+Inf' });
    expect(bucket.origin).toBe('sim:gateway');
    const count = find(series, 'http_server_request_duration_seconds_count', { instance: 'gw-2' });
    expect(Array.from(count.values)).toEqual(Array.from(bucket.values));
    const les = series.filter((s) => s.name.endsWith('_bucket') && s.labels['instance'] === 'gw-2').map((s) => s.labels['le']);
    expect(les).toEqual(['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']);
    expect(find(series, 'http_client_requests_total', { instance: 'gw-1', peer: 'storage' }).values.length).toBe(61);
  });

  it('counts about rate × interval requests and _sum/_count near the lognormal mean', () => {
    const { series } = simulateFleet(smallScenario());
    const count = find(series, 'http_server_request_duration_seconds_count', { instance: 'gw-2' });
    const sum = find(series, 'http_server_request_duration_seconds_sum', { instance: 'gw-2' });
    const n = counterIncrease(count, T0, T0 + 60 * MIN);
    const expected = 50 * 3600;
    expect(Math.abs(n - expected)).toBeLessThan(5 * Math.sqrt(expected));
    expect(counterIncrease(sum, T0, T0 + 60 * MIN) / n / (0.08 * Math.exp(0.125))).toBeCloseTo(1, 2);
  });

  it('honours custom label and metric names', () => {
    const { series } = simulateFleet(smallScenario({}, { labelNames: { instance: 'pod' }, metricNames: { buildInfo: 'app_build_info' } }));
    expect(series.some((s) => s.labels['pod'] === 'gw-1' && !('instance' in s.labels))).toBe(true);
    expect(series.filter((s) => s.name === 'app_build_info').length).toBe(3);
  });
});

describe('restarts at rollout', () => {
  it('resets every counter of the instance at its rollout, mid-interval', () => {
    const { series, truth } = simulateFleet(smallScenario());
    const requests = find(series, 'http_client_requests_total', { instance: 'gw-1' });
    const before = valueAt(requests, T0 + 30 * MIN);
    const after = valueAt(requests, T0 + 31 * MIN);
    expect(before).toBeGreaterThan(20 * 60 * 25);
    // only the 40 s after the restart at +30:20 are counted
    expect(Math.abs(after - 20 * 40)).toBeLessThan(5 * Math.sqrt(800));
    const gw2 = find(series, 'http_client_requests_total', { instance: 'gw-2' });
    expect(Array.from(gw2.values).every((v, i) => i === 0 || v >= gw2.values[i - 1]!)).toBe(true);
    expect(truth.counterResets).toEqual([{ service: 'gateway', instance: 'gw-1', atMs: T0 + 30 * MIN + 20_000 }]);
  });

  it('shows 0 at a scrape exactly at the rollout', () => {
    const { series } = simulateFleet(smallScenario({ rolloutMs: { 'gw-1': T0 + 30 * MIN } }));
    const bucket = find(series, 'http_server_request_duration_seconds_bucket', { instance: 'gw-1', le: '+Inf' });
    expect(valueAt(bucket, T0 + 30 * MIN)).toBe(0);
    expect(valueAt(bucket, T0 + 29 * MIN)).toBeGreaterThan(0);
    expect(valueAt(find(series, 'http_server_request_duration_seconds_sum', { instance: 'gw-1' }), T0 + 30 * MIN)).toBe(0);
  });

  it('does not reset when the binary does not restart the process or restarts are off', () => {
    for (const scenario of [smallScenario({ resetsCounters: false }), smallScenario({}, { restartAtRollout: false })]) {
      const { series, truth } = simulateFleet(scenario);
      const requests = find(series, 'http_client_requests_total', { instance: 'gw-1' });
      expect(Array.from(requests.values).every((v, i) => i === 0 || v >= requests.values[i - 1]!)).toBe(true);
      expect(truth.counterResets).toEqual([]);
    }
  });
});

describe('build info', () => {
  it('switches version at the rollout and keeps never-upgraded instances on the old one', () => {
    const rolloutMs = T0 + 30 * MIN + 20_000;
    const { series, truth } = simulateFleet(smallScenario());
    const old = find(series, 'dten_build_info', { instance: 'gw-1', version: '1.0' });
    const next = find(series, 'dten_build_info', { instance: 'gw-1', version: '1.1' });
    expect(old.labels).toEqual({ binary: 'dten-gateway', version: '1.0', service: 'gateway', instance: 'gw-1' });
    expect(old.timestampsMs.at(-1)).toBe(T0 + 30 * MIN);
    expect(next.timestampsMs[0]).toBe(T0 + 31 * MIN);
    expect(Array.from(next.values).every((v) => v === 1)).toBe(true);
    expect(old.values.length + next.values.length).toBe(61);
    expect(series.filter((s) => s.name === 'dten_build_info' && s.labels['instance'] === 'gw-2').map((s) => s.labels['version'])).toEqual(['1.0']);
    expect(truth.rollouts).toEqual([
      { binary: 'dten-gateway', service: 'gateway', instance: 'gw-1', from: '1.0', to: '1.1', atMs: rolloutMs, resetsCounters: true },
    ]);
  });
});

describe('validation', () => {
  const withService = (patch: Partial<ServiceSpec>): FleetScenario => ({ ...smallScenario(), services: [{ ...smallScenario().services[0]!, ...patch }] });
  const unsortedBuckets: EndpointSpec = {
    endpoint: '/x',
    traffic: { ratePerSecond: 1 },
    latency: { medianSeconds: 0.1, logSigma: 0.5, bucketsSeconds: [0.5, 0.1] },
  };

  it.each<[string, FleetScenario, RegExp]>([
    ['duplicate instance', withService({ instances: ['gw-1', 'gw-1'] }), /services\[0\]\.instances\[1\]/],
    ['unknown endpoint', smallScenario({ effects: [{ kind: 'latency', service: 'gateway', endpoint: '/nope', scale: 2 }] }), /effects\[0\]\.endpoint/],
    ['rollout on a foreign instance', smallScenario({ rolloutMs: { 'gw-9': T0 } }), /rolloutMs\.gw-9/],
    ['rollout of an unchanged binary', smallScenario({ to: '1.0' }), /no rollout for a binary with from == to/],
    ['extra label clashing with a simulator label', withService({ extraLabels: { instance: 'x' } }), /extraLabels\.instance/],
    ['bad scrape interval', { ...smallScenario(), scrapeIntervalMs: 0 }, /scrapeIntervalMs/],
    ['unsorted buckets', withService({ endpoints: [unsortedBuckets] }), /bucketsSeconds/],
  ])('refuses %s with the JSON path', (_what, scenario, message) => {
    expect(() => simulateFleet(scenario)).toThrow(InvalidScenarioError);
    expect(() => simulateFleet(scenario)).toThrow(message);
  });
});
