import { describe, expect, it } from 'vitest';
import { createAnalysisSource } from './analysis-source.js';
import type { MetricsSource, RawSeries, SeriesRequest } from '../series/model.js';

const T = Date.parse('2026-04-10T12:00:00Z');
const REQUEST: SeriesRequest = { metricNames: ['x_total'], startMs: T - 3_600_000, endMs: T };
const series = (name: string): RawSeries => ({ name, labels: { instance: 'a' }, timestamps: new Float64Array([T]), values: new Float64Array([1]) }) as unknown as RawSeries;
const sourceOf = (names: string[], log: string[], tag: string): MetricsSource => ({
  read: (request) => {
    log.push(`${tag}:${request.startMs}`);
    return Promise.resolve({ series: names.map(series), warnings: [] });
  },
});

describe('createAnalysisSource', () => {
  it('uses pushed data when it holds the series and the window began after the start', async () => {
    const log: string[] = [];
    const source = createAnalysisSource({ pushed: sourceOf(['pushed'], log, 'push'), pull: sourceOf(['pulled'], log, 'pull'), pushedSinceMs: () => T - 7_200_000 });
    expect((await source.read(REQUEST)).series.map((s) => s.name)).toEqual(['pushed']);
    expect(log).toEqual([`push:${REQUEST.startMs}`]);
  });

  it('counts pushed data as covering when it starts within the look-back margin before the window', async () => {
    const log: string[] = [];
    const source = createAnalysisSource({ pushed: sourceOf(['pushed'], log, 'push'), pull: sourceOf(['pulled'], log, 'pull'), pushedSinceMs: () => REQUEST.startMs + 5 * 60_000 });
    expect((await source.read(REQUEST)).series.map((s) => s.name)).toEqual(['pushed']);
  });

  it('rebuilds a window that began before a restart from the pull source', async () => {
    const log: string[] = [];
    const source = createAnalysisSource({ pushed: sourceOf(['pushed'], log, 'push'), pull: sourceOf(['pulled'], log, 'pull'), pushedSinceMs: () => T - 60_000 });
    expect((await source.read(REQUEST)).series.map((s) => s.name)).toEqual(['pulled']);
  });

  it('reads the pull source when nothing was pushed', async () => {
    const log: string[] = [];
    const source = createAnalysisSource({ pushed: sourceOf([], log, 'push'), pull: sourceOf(['pulled'], log, 'pull'), pushedSinceMs: () => T - 7_200_000 });
    expect((await source.read(REQUEST)).series.map((s) => s.name)).toEqual(['pulled']);
  });

  it('without a pull source, uses partial pushed data and says what is missing', async () => {
    const source = createAnalysisSource({ pushed: sourceOf(['pushed'], [], 'push'), pull: null, pushedSinceMs: () => T - 60_000 });
    const data = await source.read(REQUEST);
    expect(data.series.map((s) => s.name)).toEqual(['pushed']);
    expect(data.warnings[0]).toContain('pushed data only goes back to 2026-04-10T11:59:00.000Z');
  });
});
