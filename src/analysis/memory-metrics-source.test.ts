import { describe, expect, it } from 'vitest';
import { createMemoryMetricsSource } from './memory-metrics-source.js';
import type { RawSeries } from '../series/model.js';

function series(name: string, timestampsMs: number[], instance = 'a'): RawSeries {
  return {
    name,
    labels: { instance },
    timestampsMs: Float64Array.from(timestampsMs),
    values: Float64Array.from(timestampsMs, (t) => t / 10),
    origin: 'memory',
  };
}

describe('createMemoryMetricsSource', () => {
  const source = createMemoryMetricsSource(
    [series('requests_total', [0, 100, 200, 300, 400]), series('retries_total', [100, 200]), series('latency_bucket', [50, 150]), series('requests_total', [500, 600], 'b')],
    ['scrape gap on a'],
  );

  it('returns only the requested names, cut to [startMs, endMs] inclusive', async () => {
    const data = await source.read({ metricNames: ['requests_total', 'retries_total'], startMs: 100, endMs: 300 });
    expect(data.series.map((s) => [s.name, s.labels['instance'], Array.from(s.timestampsMs), Array.from(s.values)])).toEqual([
      ['requests_total', 'a', [100, 200, 300], [10, 20, 30]],
      ['retries_total', 'a', [100, 200], [10, 20]],
    ]);
    expect(data.series[0]?.origin).toBe('memory');
  });

  it('drops series without samples in the range and copies the warnings', async () => {
    const data = await source.read({ metricNames: ['requests_total'], startMs: 450, endMs: 480 });
    expect(data.series).toEqual([]);
    expect(data.warnings).toEqual(['scrape gap on a']);
    data.warnings.push('mutated');
    expect((await source.read({ metricNames: [], startMs: 0, endMs: 1 })).warnings).toEqual(['scrape gap on a']);
  });

  it('returns nothing for unknown names', async () => {
    expect((await source.read({ metricNames: ['nope'], startMs: 0, endMs: 1e9 })).series).toEqual([]);
  });
});
