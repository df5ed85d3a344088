import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { IngestSeries } from '../../series/model.js';
import { decodeOtlpMetrics } from './decode-otlp-metrics.js';
import { encodeOtlpTestRequest, nanosOf, stringAttribute } from './encode-otlp-test-request.js';
import type { OtlpEncoding } from './otlp-body.js';

const T0 = 1_775_822_400_000;
const LABELS = { instance: 'instance', service: 'service' };
const CONTENT_TYPES = { protobuf: 'application/x-protobuf', json: 'application/json' } as const;
const RESOURCE = {
  attributes: [
    stringAttribute('service.name', 'gateway'),
    stringAttribute('service.instance.id', 'gw-1'),
    stringAttribute('service.version', '4.3.0'),
    stringAttribute('host.name', 'host-a'),
    stringAttribute('cloud.region', 'eu-west-1'),
  ],
};
const BASE = { service: 'gateway', instance: 'gw-1', version: '4.3.0' };

function request(metrics: object[], resource: object = RESOURCE): object {
  return { resourceMetrics: [{ resource, scopeMetrics: [{ scope: { name: 'shiftguard.test', version: '1' }, metrics }] }] };
}

function decode(body: object, encoding: OtlpEncoding, options: { gzip?: boolean; exponentialScale?: number } = {}) {
  const bytes = encodeOtlpTestRequest(body, encoding);
  return decodeOtlpMetrics(
    options.gzip === true ? gzipSync(bytes) : bytes,
    { contentType: CONTENT_TYPES[encoding], contentEncoding: options.gzip === true ? 'gzip' : undefined },
    { maxDecodedBytes: 1 << 20, labels: LABELS, exponentialScale: options.exponentialScale },
  );
}

function series(all: readonly IngestSeries[], name: string, labels: Record<string, string> = {}): IngestSeries {
  const found = all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  expect(found, `${name} ${JSON.stringify(labels)} in ${all.map((s) => s.name).join(', ')}`).toHaveLength(1);
  return found[0] as IngestSeries;
}

function bucketValues(all: readonly IngestSeries[], name: string): Record<string, number[]> {
  return Object.fromEntries(all.filter((s) => s.name === name).map((s) => [s.labels.le ?? '?', [...s.values]]));
}

describe.each(['protobuf', 'json'] as const)('decodeOtlpMetrics (%s)', (encoding) => {
  it('maps a gauge with int and double points, point attributes and the three resource labels', () => {
    const body = request([
      {
        name: 'process.memory.usage',
        unit: 'By',
        gauge: {
          dataPoints: [
            { timeUnixNano: nanosOf(T0), asInt: '1048576', attributes: [stringAttribute('memory.type', 'heap')] },
            { timeUnixNano: nanosOf(T0 + 1000), asDouble: 0, attributes: [stringAttribute('memory.type', 'heap')] },
          ],
        },
      },
    ]);
    const result = decode(body, encoding);
    expect(result.rejectedDataPoints).toBe(0);
    expect(result.errorMessage).toBeUndefined();
    expect(result.batch.series).toEqual([
      {
        name: 'process_memory_usage_bytes',
        labels: { ...BASE, memory_type: 'heap' },
        temporality: 'gauge',
        timestampsMs: [T0, T0 + 1000],
        values: [1048576, 0],
      },
    ]);
  });

  it('maps monotonic sums to _total counters of either temporality and non-monotonic cumulative sums to gauges', () => {
    const point = (ms: number, value: number) => ({ timeUnixNano: nanosOf(ms), asDouble: value, attributes: [stringAttribute('peer', 'db')] });
    const body = request([
      { name: 'http.client.requests', unit: '{request}', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [point(T0, 10), point(T0 + 5000, 14)] } },
      { name: 'http.client.retries', unit: '{retry}', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [point(T0, 3)] } },
      { name: 'db.pool.connections', unit: '{connection}', sum: { aggregationTemporality: 2, isMonotonic: false, dataPoints: [point(T0, -2)] } },
    ]);
    const all = decode(body, encoding).batch.series;
    expect(series(all, 'http_client_requests_total')).toMatchObject({ temporality: 'cumulative', timestampsMs: [T0, T0 + 5000], values: [10, 14] });
    expect(series(all, 'http_client_retries_total')).toMatchObject({ temporality: 'delta', values: [3], labels: { ...BASE, peer: 'db' } });
    expect(series(all, 'db_pool_connections')).toMatchObject({ temporality: 'gauge', values: [-2] });
  });

  it('maps an explicit-bounds histogram to cumulative _bucket{le}, _count and _sum with its temporality', () => {
    const histogram = (temporality: number) => ({
      aggregationTemporality: temporality,
      dataPoints: [
        {
          timeUnixNano: nanosOf(T0),
          count: '10',
          sum: 1.25,
          bucketCounts: ['2', '5', '0', '3'],
          explicitBounds: [0.005, 0.1, 1],
          attributes: [stringAttribute('http.route', '/v1/route')],
        },
      ],
    });
    const body = request([
      { name: 'http.server.request.duration', unit: 's', histogram: histogram(2) },
      { name: 'rpc.client.duration', unit: 'ms', histogram: histogram(1) },
    ]);
    const all = decode(body, encoding).batch.series;
    expect(bucketValues(all, 'http_server_request_duration_seconds_bucket')).toEqual({ '0.005': [2], '0.1': [7], '1': [7], '+Inf': [10] });
    const count = series(all, 'http_server_request_duration_seconds_count');
    expect(count).toEqual({ name: count.name, labels: { ...BASE, http_route: '/v1/route' }, temporality: 'cumulative', timestampsMs: [T0], values: [10] });
    expect(series(all, 'http_server_request_duration_seconds_sum').values).toEqual([1.25]);
    expect(series(all, 'rpc_client_duration_milliseconds_count').temporality).toBe('delta');
    expect(series(all, 'rpc_client_duration_milliseconds_bucket', { le: '+Inf' }).temporality).toBe('delta');
  });

  it('maps an exponential histogram at the target scale, downscaling a finer point exactly', () => {
    const body = request([
      {
        name: 'queue.wait',
        unit: 's',
        exponentialHistogram: {
          aggregationTemporality: 2,
          dataPoints: [
            // scale 1: bucket i covers (2^(i/2), 2^((i+1)/2)]; downscaled to scale 0, index i → floor(i / 2).
            { timeUnixNano: nanosOf(T0), count: '12', sum: 9.5, scale: 1, zeroCount: '1', positive: { offset: -1, bucketCounts: ['2', '3', '4'] }, negative: { offset: 0, bucketCounts: ['2'] } },
          ],
        },
      },
    ]);
    const all = decode(body, encoding, { exponentialScale: 0 }).batch.series;
    // Downscaled to scale 0: positive -1 → -1 (ends at 1), 0 and 1 → 0 (ends at 2); negative 0 → 0 (ends at -1).
    expect(bucketValues(all, 'queue_wait_seconds_bucket')).toEqual({ '-1': [2], '0': [3], '1': [5], '2': [12], '+Inf': [12] });
    expect(series(all, 'queue_wait_seconds_count').values).toEqual([12]);
    expect(series(all, 'queue_wait_seconds_sum').values).toEqual([9.5]);
    expect(series(all, 'queue_wait_seconds_count').temporality).toBe('cumulative');
  });

  it('gives delta exponential histograms delta temporality and shares one le grid across scales', () => {
    const point = (ms: number, scale: number, offset: number, counts: string[]) => ({
      timeUnixNano: nanosOf(ms),
      count: String(counts.reduce((a, b) => a + Number(b), 0)),
      scale,
      positive: { offset, bucketCounts: counts },
    });
    const body = request([
      { name: 'job.duration', unit: 's', exponentialHistogram: { aggregationTemporality: 1, dataPoints: [point(T0, 5, 0, ['1', '1', '1', '1']), point(T0 + 1000, 3, 0, ['4'])] } },
    ]);
    const all = decode(body, encoding).batch.series;
    const bucket = series(all, 'job_duration_seconds_bucket', { le: String(2 ** (1 / 8)) });
    expect(bucket).toMatchObject({ temporality: 'delta', timestampsMs: [T0, T0 + 1000], values: [4, 4] });
  });

  it('rejects summaries, bad points and unspecified temporality, counting them for partial success', () => {
    const at = nanosOf(T0);
    const body = request([
      { name: 'rpc.latency', summary: { dataPoints: [{ timeUnixNano: at, count: '1', sum: 1 }, { timeUnixNano: at, count: '2', sum: 2 }] } },
      { name: 'ok.gauge', gauge: { dataPoints: [{ timeUnixNano: at, asDouble: 1 }] } },
      { name: 'no.time', gauge: { dataPoints: [{ asDouble: 1 }] } },
      { name: 'no.value', gauge: { dataPoints: [{ timeUnixNano: at }] } },
      { name: 'stale', gauge: { dataPoints: [{ timeUnixNano: at, asDouble: 1, flags: 1 }] } },
      { name: 'nan.counter', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ timeUnixNano: at, asDouble: encoding === 'json' ? 'NaN' : NaN }] } },
      { name: 'updown.delta', sum: { aggregationTemporality: 1, isMonotonic: false, dataPoints: [{ timeUnixNano: at, asDouble: 1 }] } },
      { name: 'no.temporality', histogram: { dataPoints: [{ timeUnixNano: at, count: '1' }] } },
      { name: 'bad.buckets', histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: at, count: '5', bucketCounts: ['1', '1'], explicitBounds: [1] }] } },
      { name: 'bad.bounds', histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: at, count: '2', bucketCounts: ['1', '1', '0'], explicitBounds: [2, 1] }] } },
      { name: 'inf.sum', histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: at, count: '1', sum: encoding === 'json' ? 'Infinity' : Infinity }] } },
      { name: 'bad.exp', exponentialHistogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: at, count: '3', scale: 2, positive: { offset: 0, bucketCounts: ['1'] } }] } },
      { name: 'bad.scale', exponentialHistogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: at, count: '0', scale: 21 }] } },
      { name: '', gauge: { dataPoints: [{ timeUnixNano: at, asDouble: 1 }] } },
    ]);
    const result = decode(body, encoding);
    expect(result.batch.series.map((s) => s.name)).toEqual(['ok_gauge']);
    expect(Object.fromEntries(result.batch.rejected)).toEqual({
      summary_unsupported: 2,
      missing_timestamp: 1,
      missing_value: 1,
      no_recorded_value: 1,
      non_finite_value: 2,
      non_monotonic_delta_sum: 1,
      unspecified_temporality: 1,
      invalid_buckets: 4,
      invalid_metric_name: 1,
    });
    expect(result.rejectedDataPoints).toBe(14);
    expect(result.errorMessage).toMatch(/^rejected 14 of 15 data points; summary_unsupported: 2 \(first in metric "rpc\.latency": Summary metrics are not supported/);
    expect(result.errorMessage).toContain('non_finite_value: 2 (first in metric "nan.counter"');
  });

  it('joins attributes that sanitise to one label name, stringifies non-string values and drops empty ones', () => {
    const body = request([
      {
        name: 'attrs',
        gauge: {
          dataPoints: [
            {
              timeUnixNano: nanosOf(T0),
              asDouble: 1,
              attributes: [
                stringAttribute('a_b', 'second'),
                stringAttribute('a.b', 'first'),
                { key: 'retries', value: { intValue: '3' } },
                { key: 'cached', value: { boolValue: false } },
                { key: 'ratio', value: { doubleValue: 0.25 } },
                { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'x' }, { intValue: '2' }] } } },
                { key: 'empty', value: { stringValue: '' } },
                { key: 'unset' },
                stringAttribute('service', 'from-point'),
              ],
            },
          ],
        },
      },
    ]);
    const [only] = decode(body, encoding).batch.series;
    expect(only?.labels).toEqual({ ...BASE, a_b: 'first;second', retries: '3', cached: 'false', ratio: '0.25', tags: '["x",2]' });
  });

  it('falls back to host.name for the instance label and rounds nanoseconds to the nearest millisecond', () => {
    const resource = { attributes: [stringAttribute('service.name', 'sync'), stringAttribute('host.name', 'sync-7')] };
    const nanos = ['1775822400123000000', '1775822400122999999', '1775822400123400000', '1775822400123600000', '1775822400001000000'];
    const body = request([{ name: 'g', gauge: { dataPoints: nanos.map((timeUnixNano) => ({ timeUnixNano, asDouble: 1 })) } }], resource);
    const [only] = decode(body, encoding).batch.series;
    expect(only).toMatchObject({ labels: { service: 'sync', instance: 'sync-7' } });
    expect(only?.timestampsMs).toEqual([1775822400123, 1775822400123, 1775822400123, 1775822400124, 1775822400001]);
  });

  it('rejects a point with more than 128 labels (attributes plus resource labels) as too_many_labels', () => {
    // Found by test/fuzz/otlp.fuzz.test.ts: each bucket series copies every label of its point, so a
    // point of 3,000 attributes and 3,000 buckets (89 kB) took 5 s and 600 MB to map.
    const attributes = (n: number) => Array.from({ length: n }, (_, i) => stringAttribute(`a${i}`, 'x'));
    const point = (n: number) => ({ timeUnixNano: nanosOf(T0), count: '1', bucketCounts: ['1', '0'], explicitBounds: [1], attributes: attributes(n) });
    const result = decode(request([{ name: 'h', histogram: { aggregationTemporality: 2, dataPoints: [point(125), point(126)] } }]), encoding);
    expect(Object.fromEntries(result.batch.rejected)).toEqual({ too_many_labels: 1 });
    expect(Object.keys(series(result.batch.series, 'h_count').labels)).toHaveLength(128);
    expect(result.errorMessage).toContain('too_many_labels: 1 (first in metric "h": the point has more than 128 labels');
  });

  it('reads a gzip-encoded body', () => {
    const body = request([{ name: 'g', gauge: { dataPoints: [{ timeUnixNano: nanosOf(T0), asDouble: 7 }] } }]);
    expect(decode(body, encoding, { gzip: true }).batch.series[0]?.values).toEqual([7]);
  });

  it('accepts an empty request', () => {
    const result = decode({}, encoding);
    expect(result).toEqual({ batch: { series: [], rejected: new Map() }, rejectedDataPoints: 0 });
  });
});

describe('decodeOtlpMetrics options', () => {
  it('refuses an exponential scale outside the data model range', () => {
    expect(() => decode({}, 'json', { exponentialScale: 21 })).toThrow(/exponentialScale must be an integer in \[-10, 20\], got 21/);
  });
});
