import { describe, expect, it } from 'vitest';
import { IngestError } from '../ingest-error.js';
import { decodeRemoteWrite } from './decode-remote-write.js';
import { createMetricTypeMemory } from './remote-write-temporality.js';
import {
  PROMETHEUS_HEADERS,
  STALE_MARKER,
  remoteWriteBody,
  sortedLabels,
} from '../../../test/fixtures/remote-write/write-request-encoder.js';
import type { TimeSeriesInput, WriteRequestInput } from '../../../test/fixtures/remote-write/write-request-encoder.js';

const LIMITS = { maxDecodedBytes: 1 << 20 };
const T0 = Date.UTC(2026, 3, 10, 9, 0, 0);

function series(labels: Record<string, string>, values: number[]): TimeSeriesInput {
  return { labels: sortedLabels(labels), samples: values.map((value, i) => ({ value, timestamp: T0 + i * 15_000 })) };
}

function decode(request: WriteRequestInput, limits: { maxDecodedBytes: number; maxSeriesPerRequest?: number } = LIMITS) {
  return decodeRemoteWrite(remoteWriteBody(request), PROMETHEUS_HEADERS, limits);
}

function thrown(run: () => unknown): IngestError {
  try {
    run();
  } catch (error) {
    if (error instanceof IngestError) return error;
    throw error;
  }
  throw new Error('expected an IngestError');
}

describe('decodeRemoteWrite', () => {
  it('maps each TimeSeries to an IngestSeries: name from __name__, other labels, ms timestamps, values', () => {
    const batch = decode({
      timeseries: [
        series({ __name__: 'http_requests_total', job: 'api', instance: 'a:9100', status: '500' }, [3, 7]),
        series({ __name__: 'queue_depth', job: 'api', instance: 'a:9100' }, [4.5]),
      ],
    });
    expect(batch.series).toEqual([
      { name: 'http_requests_total', labels: { instance: 'a:9100', job: 'api', status: '500' }, temporality: 'cumulative', timestampsMs: [T0, T0 + 15_000], values: [3, 7] },
      { name: 'queue_depth', labels: { instance: 'a:9100', job: 'api' }, temporality: 'gauge', timestampsMs: [T0], values: [4.5] },
    ]);
    expect(batch.rejected.size).toBe(0);
  });

  it('keeps negative and far-future timestamps exact (int64 varints as numbers)', () => {
    const samples = [
      { value: 1, timestamp: -1 },
      { value: 2, timestamp: -1_000_000_000_000 },
      { value: 3, timestamp: 2 ** 53 - 1 },
    ];
    const batch = decode({ timeseries: [{ labels: sortedLabels({ __name__: 'g' }), samples }] });
    expect(batch.series[0]?.timestampsMs).toEqual([-1, -1_000_000_000_000, 2 ** 53 - 1]);
  });

  it('accepts an empty request', () => {
    expect(decode({})).toEqual({ series: [], rejected: new Map() });
  });

  it('drops labels with empty values (the same as absent in Prometheus) and keeps `le` of buckets', () => {
    const batch = decode({ timeseries: [series({ __name__: 'lat_bucket', le: '+Inf', pod: '' }, [1])] });
    expect(batch.series[0]?.labels).toEqual({ le: '+Inf' });
  });

  it('counts stale markers as rejected `stale_marker`, keeping the other samples', () => {
    const batch = decode({ timeseries: [series({ __name__: 'x_total' }, [1, STALE_MARKER, 2]), series({ __name__: 'g' }, [STALE_MARKER])] });
    expect(batch.series).toHaveLength(1);
    expect(batch.series[0]?.values).toEqual([1, 2]);
    expect(batch.series[0]?.timestampsMs).toEqual([T0, T0 + 30_000]);
    expect(batch.rejected).toEqual(new Map([['stale_marker', 2]]));
  });

  it('rejects NaN and ±Inf in cumulative series as `non_finite_value` and keeps them in gauges', () => {
    const batch = decode({
      timeseries: [series({ __name__: 'x_total' }, [1, NaN, Infinity, 4]), series({ __name__: 'temperature' }, [NaN, -Infinity, 3])],
    });
    expect(batch.series[0]).toMatchObject({ name: 'x_total', values: [1, 4], timestampsMs: [T0, T0 + 45_000] });
    expect(batch.series[1]?.values).toEqual([NaN, -Infinity, 3]);
    expect(batch.rejected).toEqual(new Map([['non_finite_value', 2]]));
  });

  it('rejects the samples of a series without __name__ as `missing_metric_name`', () => {
    const batch = decode({ timeseries: [series({ job: 'api' }, [1, 2]), series({ __name__: '', job: 'api' }, [3]), series({ __name__: 'ok' }, [1])] });
    expect(batch.series.map((s) => s.name)).toEqual(['ok']);
    expect(batch.rejected).toEqual(new Map([['missing_metric_name', 3]]));
  });

  it('counts native histogram samples as `native_histogram_unsupported` and ignores exemplars', () => {
    const histogram = { countInt: 3, sum: 1.5, schema: 0, zeroThreshold: 0, positiveSpans: [{ offset: 0, length: 1 }], positiveDeltas: [3], timestamp: T0 };
    const exemplar = { labels: [{ name: 'trace_id', value: 'abc' }], value: 0.2, timestamp: T0 };
    const batch = decode({
      timeseries: [
        { labels: sortedLabels({ __name__: 'native_seconds' }), histograms: [histogram, histogram] },
        { ...series({ __name__: 'plain_total' }, [5]), exemplars: [exemplar] },
      ],
    });
    expect(batch.series).toEqual([{ name: 'plain_total', labels: {}, temporality: 'cumulative', timestampsMs: [T0], values: [5] }]);
    expect(batch.rejected).toEqual(new Map([['native_histogram_unsupported', 2]]));
  });

  it('takes temporality from metadata in the same request', () => {
    const batch = decode({
      timeseries: [series({ __name__: 'jobs_done' }, [1]), series({ __name__: 'pool_count' }, [2]), series({ __name__: 'rpc_seconds_sum' }, [3])],
      metadata: [
        { type: 'COUNTER', metricFamilyName: 'jobs_done' },
        { type: 'GAUGE', metricFamilyName: 'pool_count' },
        { type: 'SUMMARY', metricFamilyName: 'rpc_seconds' },
      ],
    });
    expect(batch.series.map((s) => [s.name, s.temporality])).toEqual([
      ['jobs_done', 'cumulative'],
      ['pool_count', 'gauge'],
      ['rpc_seconds_sum', 'cumulative'],
    ]);
  });

  it('remembers metadata across requests in a MetricTypeMemory (Prometheus sends it separately)', () => {
    const memory = createMetricTypeMemory(10);
    const metadataOnly = decodeRemoteWrite(remoteWriteBody({ metadata: [{ type: 'COUNTER', metricFamilyName: 'jobs_done', help: 'Jobs.' }] }), PROMETHEUS_HEADERS, LIMITS, memory);
    expect(metadataOnly).toEqual({ series: [], rejected: new Map() });
    const body = remoteWriteBody({ timeseries: [series({ __name__: 'jobs_done' }, [1])] });
    expect(decodeRemoteWrite(body, PROMETHEUS_HEADERS, LIMITS, memory).series[0]?.temporality).toBe('cumulative');
    expect(decodeRemoteWrite(body, PROMETHEUS_HEADERS, LIMITS).series[0]?.temporality).toBe('gauge');
  });

  it('answers 413 `too_many_series` past maxSeriesPerRequest, and accepts exactly the limit', () => {
    const request = { timeseries: [1, 2, 3].map((i) => series({ __name__: `m${i}` }, [i])) };
    expect(decode(request, { ...LIMITS, maxSeriesPerRequest: 3 }).series).toHaveLength(3);
    const error = thrown(() => decode(request, { ...LIMITS, maxSeriesPerRequest: 2 }));
    expect([error.status, error.code]).toEqual([413, 'too_many_series']);
    expect(error.message).toBe('remote-write: the request has more than 2 time series (the per-request limit)');
  });

  it('answers 413 when the decoded size is over maxDecodedBytes', () => {
    const request = { timeseries: [series({ __name__: 'm', job: 'x'.repeat(200) }, [1])] };
    const error = thrown(() => decode(request, { maxDecodedBytes: 100 }));
    expect([error.status, error.code]).toEqual([413, 'payload_too_large']);
  });

  it('checks the headers first: 415 for remote-write 2.0 and unknown encodings', () => {
    const body = remoteWriteBody({});
    const v2 = thrown(() => decodeRemoteWrite(body, { ...PROMETHEUS_HEADERS, contentType: 'application/x-protobuf;proto=io.prometheus.write.v2.Request' }, LIMITS));
    expect([v2.status, v2.code]).toEqual([415, 'unsupported_remote_write_version']);
    const gzip = thrown(() => decodeRemoteWrite(body, { ...PROMETHEUS_HEADERS, contentEncoding: 'gzip' }, LIMITS));
    expect([gzip.status, gzip.code]).toEqual([415, 'unsupported_encoding']);
    const json = thrown(() => decodeRemoteWrite(body, { ...PROMETHEUS_HEADERS, contentType: 'application/json' }, LIMITS));
    expect([json.status, json.code]).toEqual([415, 'unsupported_media_type']);
  });
});
