import { describe, expect, it } from 'vitest';
import { createMetricTypeMemory, metricTypeOf, resolveTemporality } from './remote-write-temporality.js';
import type { MetricType } from './remote-write-temporality.js';

function lookupOf(types: Record<string, MetricType>): (family: string) => MetricType | undefined {
  return (family) => types[family];
}

describe('resolveTemporality', () => {
  it('infers from the name without metadata: _total, _bucket, _count, _sum are cumulative', () => {
    const none = lookupOf({});
    for (const name of ['a_total', 'a_bucket', 'a_count', 'a_sum']) expect(resolveTemporality(name, none)).toBe('cumulative');
    for (const name of ['up', 'a_created', 'a_total_bytes', 'a_info']) expect(resolveTemporality(name, none)).toBe('gauge');
  });

  it('follows the declared type of the series itself (Prometheus text format names the sample)', () => {
    const types = lookupOf({ jobs_done: 'counter', pool_count: 'gauge', weird_total: 'gauge', x_sum: 'unknown' });
    expect(resolveTemporality('jobs_done', types)).toBe('cumulative');
    expect(resolveTemporality('pool_count', types)).toBe('gauge');
    expect(resolveTemporality('weird_total', types)).toBe('gauge');
    expect(resolveTemporality('x_sum', types)).toBe('cumulative');
  });

  it('resolves the parts of a declared family (OpenMetrics naming)', () => {
    const types = lookupOf({ req: 'counter', lat: 'histogram', rpc: 'summary', queue: 'gaugehistogram', build: 'info' });
    const cases: Array<[string, string]> = [
      ['req_total', 'cumulative'],
      ['req_created', 'gauge'],
      ['lat_bucket', 'cumulative'],
      ['lat_count', 'cumulative'],
      ['lat_sum', 'cumulative'],
      ['lat_created', 'gauge'],
      ['rpc', 'gauge'],
      ['rpc_count', 'cumulative'],
      ['rpc_sum', 'cumulative'],
      ['queue_bucket', 'gauge'],
      ['queue_gcount', 'gauge'],
      ['build_info', 'gauge'],
    ];
    for (const [name, temporality] of cases) expect([name, resolveTemporality(name, types)]).toEqual([name, temporality]);
  });
});

describe('metricTypeOf', () => {
  it('maps MetricMetadata.MetricType enum numbers, undefined past the known ones', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map(metricTypeOf)).toEqual(['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset', undefined]);
  });
});

describe('createMetricTypeMemory', () => {
  it('keeps at most maxFamilies, forgetting the family recorded longest ago', () => {
    const memory = createMetricTypeMemory(2);
    memory.set('a', 'counter');
    memory.set('b', 'gauge');
    memory.set('a', 'counter');
    memory.set('c', 'histogram');
    expect([memory.get('a'), memory.get('b'), memory.get('c')]).toEqual(['counter', undefined, 'histogram']);
  });

  it('refuses a non-positive size', () => {
    expect(() => createMetricTypeMemory(0)).toThrow('maxFamilies must be a positive integer, got 0');
  });
});
