import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { RawSeries } from '../series/model.js';
import { escapeLabelValue, formatTimestampSeconds, formatValue, groupFamilies } from './openmetrics-format.js';
import { writeOpenMetrics } from './openmetrics-writer.js';

function series(name: string, labels: Record<string, string>, points: Array<[number, number]>): RawSeries {
  return {
    name,
    labels,
    timestampsMs: Float64Array.from(points.map((p) => p[0])),
    values: Float64Array.from(points.map((p) => p[1])),
    origin: 'test.om:1',
  };
}

async function render(input: RawSeries[], options = {}): Promise<string> {
  let text = '';
  await writeOpenMetrics(input, { write: (chunk: string) => ((text += chunk), true) }, options);
  return text;
}

describe('OpenMetrics formatting', () => {
  it('escapes label values and renders numbers in shortest round-trip form', () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    expect(formatValue(0.1)).toBe('0.1');
    expect(formatValue(1e21)).toBe('1e+21');
    expect(formatValue(123456789)).toBe('123456789');
    expect(formatValue(Number.NaN)).toBe('NaN');
    expect(formatValue(Infinity)).toBe('+Inf');
    expect(formatValue(-Infinity)).toBe('-Inf');
  });

  it('renders timestamps in seconds with at most millisecond precision', () => {
    expect(formatTimestampSeconds(1775822400000)).toBe('1775822400');
    expect(formatTimestampSeconds(1775822400120)).toBe('1775822400.12');
    expect(formatTimestampSeconds(1775822400007)).toBe('1775822400.007');
    expect(formatTimestampSeconds(1775822400000.4)).toBe('1775822400');
    expect(formatTimestampSeconds(-1500)).toBe('-1.5');
  });

  it('groups counters without _total, histograms with their _count/_sum, and the rest as gauges', () => {
    const families = groupFamilies([
      series('req_total', {}, []),
      series('lat_sum', {}, []),
      series('lat_bucket', { le: '1' }, []),
      series('up', {}, []),
      series('other_count', {}, []),
    ]);
    expect(families.map((f) => [f.name, f.type, f.series.length])).toEqual([
      ['req', 'counter', 1],
      ['lat', 'histogram', 2],
      ['up', 'gauge', 1],
      ['other_count', 'gauge', 1],
    ]);
    expect(() => groupFamilies([series('x_total', {}, []), series('x', {}, [])])).toThrow(/both counter and gauge/);
  });
});

describe('writeOpenMetrics', () => {
  it('writes families with HELP/TYPE, histogram points per timestamp with buckets by le, and # EOF last', async () => {
    const text = await render(
      [
        series('lat_sum', { a: 'x' }, [[1000, 0.5], [2000, 1.25]]),
        series('lat_bucket', { le: '+Inf', a: 'x' }, [[1000, 3], [2000, 5]]),
        series('lat_count', { a: 'x' }, [[1000, 3], [2000, 5]]),
        series('lat_bucket', { a: 'x', le: '0.25' }, [[1000, 1], [2000, 2]]),
        series('req_total', { peer: 'p"1' }, [[1000, 7], [2500, 9]]),
      ],
      { help: { req: 'Requests\nsent.' } },
    );
    expect(text).toBe(
      [
        '# TYPE lat histogram',
        'lat_bucket{a="x",le="0.25"} 1 1',
        'lat_bucket{a="x",le="+Inf"} 3 1',
        'lat_count{a="x"} 3 1',
        'lat_sum{a="x"} 0.5 1',
        'lat_bucket{a="x",le="0.25"} 2 2',
        'lat_bucket{a="x",le="+Inf"} 5 2',
        'lat_count{a="x"} 5 2',
        'lat_sum{a="x"} 1.25 2',
        '# HELP req Requests\\nsent.',
        '# TYPE req counter',
        'req_total{peer="p\\"1"} 7 1',
        'req_total{peer="p\\"1"} 9 2.5',
        '# EOF',
        '',
      ].join('\n'),
    );
  });

  it('refuses series out of time order and invalid names, naming the origin', async () => {
    await expect(render([series('a', {}, [[2, 1], [1, 1]])])).rejects.toThrow(/test\.om:1: a timestamps are not strictly increasing/);
    await expect(render([series('a-b', {}, [[1, 1]])])).rejects.toThrow(/invalid metric name/);
    await expect(render([series('a', { 'x-y': '1' }, [[1, 1]])])).rejects.toThrow(/invalid label name/);
  });

  it('waits for drain when the stream applies backpressure and loses nothing', async () => {
    const chunks: string[] = [];
    let drains = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk.toString());
        setImmediate(callback);
      },
    });
    slow.on('drain', () => drains++);
    const points: Array<[number, number]> = Array.from({ length: 20_000 }, (_, i) => [i * 1000, i]);
    await writeOpenMetrics([series('big', { instance: 'gw-1' }, points)], slow);
    await new Promise<void>((resolve) => slow.end(resolve));
    const lines = chunks.join('').split('\n');
    expect(drains).toBeGreaterThan(0);
    expect(lines.filter((l) => l.startsWith('big{')).length).toBe(20_000);
    expect(lines.at(-2)).toBe('# EOF');
  });
});
