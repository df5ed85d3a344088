/**
 * Decodes request bodies captured from a real Prometheus 2.42 (see test/fixtures/remote-write/README.md):
 * one samples request from a scrape of the demo exporter, and one metadata-only request.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeRemoteWrite } from './decode-remote-write.js';
import { createMetricTypeMemory } from './remote-write-temporality.js';
import { exposition } from '../../../test/fixtures/remote-write/demo-exporter.js';
import { PROMETHEUS_HEADERS } from '../../../test/fixtures/remote-write/write-request-encoder.js';

const samplesBody = readFileSync(new URL('../../../test/fixtures/remote-write/prometheus-2.42.bin', import.meta.url));
const metadataBody = readFileSync(new URL('../../../test/fixtures/remote-write/prometheus-2.42-metadata.bin', import.meta.url));
const LIMITS = { maxDecodedBytes: 1 << 20 };

describe('requests captured from Prometheus 2.42', () => {
  it('decodes one scrape of the demo exporter with its labels, one timestamp and the exposed values', () => {
    const batch = decodeRemoteWrite(samplesBody, PROMETHEUS_HEADERS, LIMITS);
    expect(batch.rejected.size).toBe(0);
    const byKey = new Map(batch.series.map((s) => [`${s.name}${s.labels.le === undefined ? '' : `{le=${s.labels.le}}`}`, s]));
    expect([...byKey.keys()].sort()).toEqual([
      'demo_jobs_processed',
      'demo_latency_seconds_bucket{le=+Inf}',
      'demo_latency_seconds_bucket{le=0.1}',
      'demo_latency_seconds_bucket{le=0.5}',
      'demo_latency_seconds_count',
      'demo_latency_seconds_sum',
      'demo_queue_depth',
      'demo_requests_total',
      'scrape_duration_seconds',
      'scrape_samples_post_metric_relabeling',
      'scrape_samples_scraped',
      'scrape_series_added',
      'up',
    ]);
    const instance = byKey.get('up')?.labels.instance ?? '';
    expect(instance).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(byKey.get('demo_requests_total')?.labels).toEqual({ job: 'demo', instance, route: '/orders' });
    expect(byKey.get('demo_queue_depth')?.labels).toEqual({ job: 'demo', instance: 'worker-1', service: 'checkout' });
    expect(new Set(batch.series.flatMap((s) => s.timestampsMs)).size).toBe(1);

    // The values are those of the exporter's n-th scrape, for one n.
    const scrape = (byKey.get('demo_requests_total')?.values[0] ?? 0) / 10;
    const exposed = new Map(exposition(scrape).split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => [l.replace(/ \S+$/, ''), Number(l.split(' ').pop())]));
    expect(byKey.get('demo_latency_seconds_bucket{le=0.5}')?.values).toEqual([exposed.get('demo_latency_seconds_bucket{le="0.5"}')]);
    expect(byKey.get('demo_latency_seconds_sum')?.values).toEqual([exposed.get('demo_latency_seconds_sum')]);
    expect(byKey.get('demo_jobs_processed')?.values).toEqual([exposed.get('demo_jobs_processed')]);
    expect(byKey.get('up')?.values).toEqual([1]);
  });

  it('takes the temporality of a counter without `_total` from the separately sent metadata', () => {
    const memory = createMetricTypeMemory(100);
    expect(decodeRemoteWrite(metadataBody, PROMETHEUS_HEADERS, LIMITS, memory)).toEqual({ series: [], rejected: new Map() });
    expect(['demo_latency_seconds', 'demo_queue_depth', 'demo_requests_total', 'demo_jobs_processed'].map((f) => memory.get(f))).toEqual(['histogram', 'gauge', 'counter', 'counter']);
    const temporality = (batch: ReturnType<typeof decodeRemoteWrite>, name: string) => batch.series.find((s) => s.name === name)?.temporality;
    const withMetadata = decodeRemoteWrite(samplesBody, PROMETHEUS_HEADERS, LIMITS, memory);
    const withoutMetadata = decodeRemoteWrite(samplesBody, PROMETHEUS_HEADERS, LIMITS);
    expect(temporality(withMetadata, 'demo_jobs_processed')).toBe('cumulative');
    expect(temporality(withoutMetadata, 'demo_jobs_processed')).toBe('gauge');
    for (const batch of [withMetadata, withoutMetadata]) {
      expect(temporality(batch, 'demo_latency_seconds_bucket')).toBe('cumulative');
      expect(temporality(batch, 'demo_queue_depth')).toBe('gauge');
    }
  });
});
