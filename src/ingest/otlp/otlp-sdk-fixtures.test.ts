import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { IngestSeries } from '../../series/model.js';
import { decodeOtlpMetrics } from './decode-otlp-metrics.js';

/** Requests captured from the OpenTelemetry JS SDK (see test/fixtures/otlp/README.md). */
const FIXTURES = [
  { file: 'sdk-cumulative.binpb', contentType: 'application/x-protobuf', temporality: 'cumulative' },
  { file: 'sdk-delta.json', contentType: 'application/json', temporality: 'delta' },
] as const;

const QUEUE_WAITS_MS = [0, 1, 2, 3, 5, 8, 13, 100];
const DURATIONS_S = [0.005, 0.05, 0.05, 0.5, 2];

function fixture(file: string): Uint8Array {
  return readFileSync(new URL(`../../../test/fixtures/otlp/${file}`, import.meta.url));
}

describe.each(FIXTURES)('captured SDK request $file', ({ file, contentType, temporality }) => {
  const result = decodeOtlpMetrics(fixture(file), { contentType }, { maxDecodedBytes: 1 << 20, labels: { instance: 'instance', service: 'service' } });
  const all = result.batch.series;

  function find(name: string, labels: Record<string, string> = {}): IngestSeries {
    const found = all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
    return found[0] as IngestSeries;
  }

  it('decodes without rejections, one timestamp for all series, the resource as three labels', () => {
    expect(result.rejectedDataPoints).toBe(0);
    const times = new Set(all.flatMap((s) => s.timestampsMs));
    expect(times.size).toBe(1);
    const [t] = [...times];
    expect(t).toBeGreaterThan(Date.UTC(2025, 0, 1));
    for (const s of all) expect(s.labels).toMatchObject({ service: 'gateway', instance: 'gw-1', version: '4.3.0' });
  });

  it('holds the counter, the up-down counter and the gauge', () => {
    expect(find('http_client_requests_total', { peer: 'db' })).toMatchObject({ temporality, values: [5] });
    expect(find('http_client_requests_total', { peer: 'cache' }).values).toEqual([1]);
    expect(find('db_pool_connections', { pool_name: 'main' })).toMatchObject({ temporality: 'gauge', values: [3] });
    expect(find('process_memory_usage_bytes', { memory_type: 'heap' })).toMatchObject({ temporality: 'gauge', values: [2048] });
  });

  it('holds the explicit histogram as cumulative buckets', () => {
    const route = { http_route: '/v1/route' };
    const buckets = Object.fromEntries(
      all.filter((s) => s.name === 'http_server_request_duration_seconds_bucket').map((s) => [s.labels.le, s.values]),
    );
    expect(buckets).toEqual({ '0.01': [1], '0.1': [3], '1': [4], '+Inf': [5] });
    expect(find('http_server_request_duration_seconds_count', route)).toMatchObject({ temporality, values: [5] });
    expect(find('http_server_request_duration_seconds_sum', route).values[0]).toBeCloseTo(DURATIONS_S.reduce((a, b) => a + b), 12);
  });

  it('holds the exponential histogram downscaled from scale 4 to 3, counting each recorded value exactly', () => {
    const buckets = all.filter((s) => s.name === 'queue_wait_milliseconds_bucket');
    const bounds = buckets.map((s) => s.labels.le);
    // The SDK's scale-4 buckets -1…106 merge into scale-3 buckets -1…53, whose upper bounds are
    // 2^(k/8) for k = 0…54 (1 ms … 107.6 ms); plus the zero bucket le="0" and "+Inf".
    expect(bounds[0]).toBe('0');
    expect(bounds[1]).toBe('1');
    expect(bounds.at(-2)).toBe(String(2 ** (54 / 8)));
    expect(bounds.at(-1)).toBe('+Inf');
    expect(buckets).toHaveLength(1 + 55 + 1);
    for (const bucket of buckets) {
      const le = bucket.labels.le === '+Inf' ? Infinity : Number(bucket.labels.le);
      expect(bucket.values, `le=${bucket.labels.le}`).toEqual([QUEUE_WAITS_MS.filter((ms) => ms <= le).length]);
      expect(bucket.temporality).toBe(temporality);
    }
    expect(find('queue_wait_milliseconds_sum').values).toEqual([132]);
  });
});
