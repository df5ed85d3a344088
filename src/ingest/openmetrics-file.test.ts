import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixturePath, SAMPLE_FIXTURE_OPTIONS } from '../../test/fixtures/ingest/generate-fixtures.js';
import { generateOpenMetrics } from '../../test/fixtures/ingest/openmetrics-generator.js';
import { labelsKey } from '../series/model.js';
import type { MetricsData, RawSeries } from '../series/model.js';
import { createFileMetricsSource, readOpenMetricsFiles } from './openmetrics-file.js';

const dir = mkdtempSync(join(tmpdir(), 'shiftguard-om-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
function writeTemp(content: string, name = `m${++counter}.om`): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const T0 = Date.UTC(2026, 3, 10, 12, 0, 0);
const ALL = { startMs: 0, endMs: 4e12 };

function find(data: MetricsData, name: string, labels: Record<string, string>): RawSeries {
  const s = data.series.find((x) => x.name === name && labelsKey(x.labels) === labelsKey(labels));
  if (s === undefined) throw new Error(`no series ${name} ${JSON.stringify(labels)} in ${data.series.map((x) => x.name).join(', ')}`);
  return s;
}

describe('readOpenMetricsFiles on the committed fixtures', () => {
  it('the fixtures are what the generator produces', () => {
    expect(readFileSync(fixturePath('sample.om'), 'utf8')).toBe(generateOpenMetrics({ ...SAMPLE_FIXTURE_OPTIONS, format: 'openmetrics' }));
    expect(readFileSync(fixturePath('sample.prom'), 'utf8')).toBe(generateOpenMetrics({ ...SAMPLE_FIXTURE_OPTIONS, format: 'prometheus' }));
  });

  it('reads the same series from OpenMetrics (seconds) and Prometheus text (ms)', async () => {
    const request = { metricNames: ['http_client_retries_total', 'http_server_request_duration_seconds_bucket', 'dten_build_info'], ...ALL };
    const om = await readOpenMetricsFiles([fixturePath('sample.om')], request);
    const prom = await readOpenMetricsFiles([fixturePath('sample.prom')], request);
    expect(om.series).toHaveLength(2 + 2 * 7 + 2);
    expect(prom.series.map((s) => [s.name, s.labels, [...s.timestampsMs], [...s.values]])).toEqual(
      om.series.map((s) => [s.name, s.labels, [...s.timestampsMs], [...s.values]]),
    );
    const retries = find(om, 'http_client_retries_total', { instance: 'sync-1:9100', peer: 'db', service: 'sync' });
    expect(retries.timestampsMs).toHaveLength(21);
    expect(retries.timestampsMs[0]).toBe(T0);
    expect(retries.timestampsMs[20]).toBe(T0 + 300_000);
    expect(retries.origin).toBe(`${fixturePath('sample.om')}:7`);
  });

  it('reports the counter resets of the first instance, once per series', async () => {
    const data = await readOpenMetricsFiles([fixturePath('sample.om')], { metricNames: ['http_client_retries_total'], ...ALL });
    expect(data.warnings).toHaveLength(1);
    expect(data.warnings[0]).toContain('counter resets');
    expect(data.warnings[0]).toContain('1 series: http_client_retries_total{instance="sync-1:9100",peer="db",service="sync"} ×1');
  });
});

describe('readOpenMetricsFiles selection and parsing', () => {
  const text = [
    '# TYPE up gauge',
    'up{job="a"} 1 1775822400',
    'up{job="a"} 0 1775822415.5',
    'down{job="a"} 5 1775822400',
    'up{job="a"} 1 1775822430',
    '# EOF',
    '',
  ].join('\n');

  it('keeps only requested names within [startMs, endMs], inclusive', async () => {
    const path = writeTemp(text);
    const data = await readOpenMetricsFiles([path], { metricNames: ['up'], startMs: T0 + 15_500, endMs: T0 + 30_000 });
    expect(data.series).toHaveLength(1);
    expect([...(data.series[0]?.timestampsMs ?? [])]).toEqual([T0 + 15_500, T0 + 30_000]);
    expect([...(data.series[0]?.values ?? [])]).toEqual([0, 1]);
    expect(data.warnings).toEqual([]);
  });

  it('decodes label escapes, special values, exponents, exemplars, CRLF and blank lines', async () => {
    const path = writeTemp(
      [
        '# TYPE g gauge',
        '',
        'g{path="C:\\\\dir",quote="say \\"hi\\"",multi="a\\nb"} NaN 1775822400\r',
        '   ',
        'g{path="C:\\\\dir",quote="say \\"hi\\"",multi="a\\nb"} +Inf 1775822415 # {trace_id="abc"} 1.0 1775822414',
        'g{path="C:\\\\dir",quote="say \\"hi\\"",multi="a\\nb"} -1.5e3 1775822430',
        'g{path="C:\\\\dir",quote="say \\"hi\\"",multi="a\\nb"} -Inf 1775822445',
        '# EOF',
      ].join('\n'),
    );
    const data = await readOpenMetricsFiles([path], { metricNames: ['g'], ...ALL });
    const s = find(data, 'g', { path: 'C:\\dir', quote: 'say "hi"', multi: 'a\nb' });
    expect([...s.values]).toEqual([NaN, Infinity, -1500, -Infinity]);
  });

  it('normalises le of buckets to one spelling and merges the spellings', async () => {
    const lines = ['# TYPE h histogram'];
    for (const [k, le] of [[0, '1e-1'], [1, '0.10'], [2, '0.1']] as const) lines.push(`h_bucket{le="${le}"} ${k} ${1775822400 + 15 * k}`);
    lines.push('h_bucket{le="1.0"} 3 1775822400', 'h_bucket{le="Inf"} 4 1775822400', 'h_bucket{le="+Inf"} 4 1775822415', '# EOF');
    const data = await readOpenMetricsFiles([writeTemp(lines.join('\n'))], { metricNames: ['h_bucket'], ...ALL });
    expect(data.series.map((s) => s.labels.le)).toEqual(['+Inf', '0.1', '1']);
    expect([...find(data, 'h_bucket', { le: '0.1' }).values]).toEqual([0, 1, 2]);
    expect([...find(data, 'h_bucket', { le: '+Inf' }).timestampsMs]).toEqual([T0, T0 + 15_000]);
  });

  it('skips NaN/±Inf in counters and buckets with one aggregated warning (first 3 places + count)', async () => {
    const lines = ['# TYPE c counter'];
    for (let k = 0; k < 6; k++) lines.push(`c_total ${k % 2 === 0 ? k : 'NaN'} ${1775822400 + k}`);
    lines.push('c_total +Inf 1775822410', '# EOF');
    const path = writeTemp(lines.join('\n'));
    const data = await readOpenMetricsFiles([path], { metricNames: ['c_total'], ...ALL });
    expect([...(data.series[0]?.values ?? [])]).toEqual([0, 2, 4]);
    expect(data.warnings).toEqual([
      `NaN or ±Inf value in a counter or histogram bucket, sample skipped: 4 samples: ${path}:3; ${path}:5; ${path}:7; and 1 more`,
    ]);
  });

  it('merges a series split over files, sorts by time and drops exact duplicates', async () => {
    const late = writeTemp('c_total{a="1"} 5 1775822430000\nc_total{a="1"} 7 1775822445000\n', 'late.prom');
    const early = writeTemp('c_total{a="1"} 1 1775822400000\nc_total{a="1"} 3 1775822415000\nc_total{a="1"} 5 1775822430000\n', 'early.prom');
    const data = await readOpenMetricsFiles([late, early], { metricNames: ['c_total'], ...ALL });
    expect(data.series).toHaveLength(1);
    expect([...(data.series[0]?.timestampsMs ?? [])]).toEqual([T0, T0 + 15_000, T0 + 30_000, T0 + 45_000]);
    expect([...(data.series[0]?.values ?? [])]).toEqual([1, 3, 5, 7]);
    expect(data.series[0]?.origin).toBe(`${late}:1`);
  });

  it('treats label order as irrelevant to series identity', async () => {
    const path = writeTemp('x{a="1",b="2"} 1 1775822400000\nx{b="2",a="1"} 2 1775822415000\n', 'order.prom');
    const data = await readOpenMetricsFiles([path], { metricNames: ['x'], ...ALL });
    expect(data.series).toHaveLength(1);
    expect([...(data.series[0]?.values ?? [])]).toEqual([1, 2]);
  });

  it('warns about a file without samples and still reads the others', async () => {
    const empty = writeTemp('# HELP nothing here\n', 'empty.prom');
    const data = await readOpenMetricsFiles([empty, writeTemp(text)], { metricNames: ['up'], ...ALL });
    expect(data.series).toHaveLength(1);
    expect(data.warnings).toEqual([`metrics file without any sample: 1 file: ${empty}`]);
  });

  it('reports progress in bytes of all files, and the file source re-reads on each call', async () => {
    const a = writeTemp(text);
    const b = writeTemp(text.replaceAll('job="a"', 'job="b"'));
    const calls: Array<[number, number]> = [];
    const source = createFileMetricsSource([a, b], { onProgress: (read, total) => calls.push([read, total]) });
    const first = await source.read({ metricNames: ['up'], ...ALL });
    const second = await source.read({ metricNames: ['down'], ...ALL });
    expect(first.series.map((s) => s.labels.job)).toEqual(['a', 'b']);
    expect(second.series.map((s) => s.name)).toEqual(['down', 'down']);
    const total = 2 * Buffer.byteLength(text);
    expect(calls.at(-1)).toEqual([total, total]);
  });
});
