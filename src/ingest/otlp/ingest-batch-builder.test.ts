import { describe, expect, it } from 'vitest';
import { IngestBatchBuilder, pointLabels, StringNumbers } from './ingest-batch-builder.js';

describe('pointLabels', () => {
  it('gives equal label sets one key whatever the order, and values cannot imitate separators', () => {
    const strings = new StringNumbers();
    expect(pointLabels({ a: '1', b: '2' }, strings).key).toBe(pointLabels({ b: '2', a: '1' }, strings).key);
    expect(pointLabels({ a: '1,b=1:x' }, strings).key).not.toBe(pointLabels({ a: '1', b: 'x' }, strings).key);
    expect(pointLabels({ a: '' }, strings).key).not.toBe(pointLabels({}, strings).key);
    expect(pointLabels({ a: 'x' }, strings).key).not.toBe(pointLabels({ b: 'y' }, strings).key);
  });

  it('keeps keys short however long the values: a shared long value is not copied into each key', () => {
    const strings = new StringNumbers();
    const long = 'v'.repeat(1 << 20);
    const keys = Array.from({ length: 100 }, (_, i) => pointLabels({ service: long, point: String(i) }, strings).key);
    expect(Math.max(...keys.map((key) => key.length))).toBeLessThan(20);
    expect(new Set(keys).size).toBe(100);
  });
});

describe('IngestBatchBuilder', () => {
  it('appends samples of one series in order and keeps series apart by name, labels, temporality and le', () => {
    const builder = new IngestBatchBuilder();
    const point = builder.pointLabels({ service: 'gw' });
    builder.group('x_total', point, 'cumulative').add(1, 10);
    builder.group('x_total', builder.pointLabels({ service: 'gw' }), 'cumulative').add(2, 12);
    builder.group('x_total', point, 'delta').add(1, 3);
    const buckets = builder.group('h_bucket', point, 'cumulative');
    buckets.add(1, 4, '0.5');
    buckets.add(1, 5, '+Inf');
    builder.accept();
    const { batch, rejectedDataPoints, errorMessage } = builder.build();
    expect(batch.series).toEqual([
      { name: 'x_total', labels: { service: 'gw' }, temporality: 'cumulative', timestampsMs: [1, 2], values: [10, 12] },
      { name: 'x_total', labels: { service: 'gw' }, temporality: 'delta', timestampsMs: [1], values: [3] },
      { name: 'h_bucket', labels: { service: 'gw', le: '0.5' }, temporality: 'cumulative', timestampsMs: [1], values: [4] },
      { name: 'h_bucket', labels: { service: 'gw', le: '+Inf' }, temporality: 'cumulative', timestampsMs: [1], values: [5] },
    ]);
    expect(rejectedDataPoints).toBe(0);
    expect(errorMessage).toBeUndefined();
  });

  it('sums rejections by reason and names the first metric of each in the message', () => {
    const builder = new IngestBatchBuilder();
    builder.reject('missing_timestamp', 'a');
    builder.reject('missing_timestamp', 'b', 2);
    builder.reject('summary_unsupported', 'c', 0);
    builder.accept();
    const result = builder.build();
    expect(result.rejectedDataPoints).toBe(3);
    expect(Object.fromEntries(result.batch.rejected)).toEqual({ missing_timestamp: 3 });
    expect(result.errorMessage).toBe('rejected 3 of 4 data points; missing_timestamp: 3 (first in metric "a": timeUnixNano is missing or 0)');
  });
});
