import { describe, expect, it } from 'vitest';
import { ByteProgress, PROGRESS_BYTES } from './byte-progress.js';
import { normalizeLe } from './histogram-buckets.js';
import { resolveMetricKind } from './metric-kind.js';
import { WarningCollector } from './warning-collector.js';

describe('normalizeLe', () => {
  it('gives one canonical spelling per bound', () => {
    expect(normalizeLe('0.1')).toBe('0.1');
    expect(normalizeLe('1e-1')).toBe('0.1');
    expect(normalizeLe('0.10')).toBe('0.1');
    expect(normalizeLe('1.0')).toBe('1');
    expect(normalizeLe('+Inf')).toBe('+Inf');
    expect(normalizeLe('Inf')).toBe('+Inf');
    expect(normalizeLe('NaN')).toBeUndefined();
    expect(normalizeLe('ten')).toBeUndefined();
  });
});

describe('resolveMetricKind', () => {
  it('follows OpenMetrics family names and Prometheus sample names', () => {
    const types = new Map([
      ['requests', 'counter'],
      ['errors_total', 'counter'],
      ['latency', 'histogram'],
      ['queue', 'gaugehistogram'],
      ['rpc', 'summary'],
      ['temperature', 'gauge'],
      ['odd_total', 'gauge'],
    ]);
    expect(resolveMetricKind('requests_total', types)).toEqual({ cumulative: true, bucket: false });
    expect(resolveMetricKind('requests_created', types)).toEqual({ cumulative: false, bucket: false });
    expect(resolveMetricKind('errors_total', types)).toEqual({ cumulative: true, bucket: false });
    expect(resolveMetricKind('latency_bucket', types)).toEqual({ cumulative: true, bucket: true });
    expect(resolveMetricKind('latency_count', types)).toEqual({ cumulative: true, bucket: false });
    expect(resolveMetricKind('latency_sum', types)).toEqual({ cumulative: false, bucket: false });
    expect(resolveMetricKind('queue_bucket', types)).toEqual({ cumulative: false, bucket: true });
    expect(resolveMetricKind('rpc_count', types)).toEqual({ cumulative: true, bucket: false });
    expect(resolveMetricKind('temperature', types)).toEqual({ cumulative: false, bucket: false });
    expect(resolveMetricKind('odd_total', types)).toEqual({ cumulative: false, bucket: false });
    expect(resolveMetricKind('untyped_total', types)).toEqual({ cumulative: true, bucket: false });
    expect(resolveMetricKind('untyped_bucket', types)).toEqual({ cumulative: true, bucket: true });
    expect(resolveMetricKind('untyped', types)).toEqual({ cumulative: false, bucket: false });
  });
});

describe('WarningCollector', () => {
  it('renders one line per kind with the first 3 places and a count', () => {
    const w = new WarningCollector();
    for (let i = 1; i <= 5; i++) w.add('a', 'bad thing', 'sample', `f:${i}`);
    w.add('b', 'other thing', 'series', 'x{}');
    expect(w.toStrings()).toEqual(['bad thing: 5 samples: f:1; f:2; f:3; and 2 more', 'other thing: 1 series: x{}']);
  });
});

describe('ByteProgress', () => {
  it('reports at most every 64 MB or 1 s, and once at the end', () => {
    let now = 0;
    const calls: Array<[number, number]> = [];
    const progress = new ByteProgress(200e6, (read, total) => calls.push([read, total]), () => now);
    progress.advance(1e6);
    now = 999;
    progress.advance(1e6);
    expect(calls).toEqual([]);
    now = 1000;
    progress.advance(1e6);
    expect(calls).toEqual([[3e6, 200e6]]);
    progress.advance(PROGRESS_BYTES);
    expect(calls.at(-1)).toEqual([3e6 + PROGRESS_BYTES, 200e6]);
    progress.finish();
    expect(calls).toHaveLength(2);
    progress.advance(5);
    progress.finish();
    expect(calls.at(-1)).toEqual([3e6 + PROGRESS_BYTES + 5, 200e6]);
  });
});
