import { afterEach, describe, expect, it } from 'vitest';
import type { RawSeries } from '../series/model.js';
import { simulateFleet } from './fleet-simulator.js';
import { formatStep, planExposition, startLiveExporter, TEXT_FORMAT_CONTENT_TYPE } from './live-exporter.js';
import type { LiveExporter } from './live-exporter.js';
import { nullScenario } from './scenarios.js';

function series(name: string, labels: Record<string, string>, points: Array<[number, number]>): RawSeries {
  return { name, labels, timestampsMs: Float64Array.from(points.map((p) => p[0])), values: Float64Array.from(points.map((p) => p[1])), origin: 'test' };
}

/** A counter, a histogram (listed out of order) and a build-info gauge whose version changes at 3000 ms. */
const SMALL: RawSeries[] = [
  series('lat_sum', { instance: 'a' }, [[1000, 0.5], [2000, 1.25], [3000, 2]]),
  series('lat_bucket', { instance: 'a', le: '+Inf' }, [[1000, 4], [2000, 9], [3000, 12]]),
  series('lat_count', { instance: 'a' }, [[1000, 4], [2000, 9], [3000, 12]]),
  series('lat_bucket', { instance: 'a', le: '0.1' }, [[1000, 3], [2000, 7], [3000, 10]]),
  series('req_total', { instance: 'a', peer: 'db' }, [[1000, 10], [2000, 25], [3000, 31]]),
  series('build_info', { instance: 'a', version: '1' }, [[1000, 1], [2000, 1]]),
  series('build_info', { instance: 'a', version: '2' }, [[3000, 1]]),
];

describe('formatStep', () => {
  const plan = planExposition(SMALL);

  it('has one step per distinct sample time', () => {
    expect([...plan.stepTimesMs]).toEqual([1000, 2000, 3000]);
  });

  it('writes text format 0.0.4 with millisecond timestamps, counters typed by their sample name, histograms ordered by le', () => {
    expect(formatStep(plan, 0)).toBe(
      [
        '# TYPE lat histogram',
        'lat_bucket{instance="a",le="0.1"} 3 1000',
        'lat_bucket{instance="a",le="+Inf"} 4 1000',
        'lat_count{instance="a"} 4 1000',
        'lat_sum{instance="a"} 0.5 1000',
        '# TYPE req_total counter',
        'req_total{instance="a",peer="db"} 10 1000',
        '# TYPE build_info gauge',
        'build_info{instance="a",version="1"} 1 1000',
        '',
      ].join('\n'),
    );
  });

  it('leaves out series without a sample at the step', () => {
    const text = formatStep(plan, 2);
    expect(text).toContain('build_info{instance="a",version="2"} 1 3000\n');
    expect(text).not.toContain('version="1"');
  });

  it('refuses a step outside the plan', () => {
    expect(() => formatStep(plan, 3)).toThrow(RangeError);
    expect(() => formatStep(plan, -1)).toThrow(/outside the replay's 3 steps/);
  });

  it('refuses series whose timestamps do not increase', () => {
    expect(() => planExposition([series('x_total', {}, [[2000, 1], [2000, 2]])])).toThrow(/not strictly increasing/);
  });

  it('round-trips a simulated fleet: every sample appears once, at its own time, with its value', () => {
    const { scenario } = nullScenario(3, { instances: 2, baselineHours: 0.1, afterHours: 0.1 });
    const simulated = simulateFleet(scenario).series;
    const simPlan = planExposition(simulated);
    const seen = new Map<string, Array<[number, number]>>();
    for (let k = 0; k < simPlan.stepTimesMs.length; k++) {
      for (const line of formatStep(simPlan, k).split('\n')) {
        if (line === '' || line.startsWith('#')) continue;
        const match = /^(\S+) (\S+) (\d+)$/.exec(line);
        expect(match, line).not.toBeNull();
        const key = match?.[1] ?? '';
        seen.set(key, [...(seen.get(key) ?? []), [Number(match?.[3]), Number(match?.[2])]]);
      }
    }
    expect(seen.size).toBe(simulated.length);
    for (const s of simulated) {
      const key = `${s.name}{${Object.keys(s.labels)
        .filter((n) => n !== 'le')
        .concat('le' in s.labels ? ['le'] : [])
        .map((n) => `${n}="${s.labels[n]}"`)
        .join(',')}}`;
      expect(seen.get(key), key).toEqual([...s.timestampsMs].map((t, i) => [t, s.values[i]]));
    }
  });
});

describe('startLiveExporter', () => {
  let exporter: LiveExporter | undefined;

  afterEach(async () => {
    await exporter?.close();
    exporter = undefined;
  });

  const scrape = async (path = '/metrics', init: RequestInit = {}): Promise<Response> => fetch(`${exporter?.url}${path}`, init);

  it('serves one step per scrape, then empty expositions, and resolves done at the first scrape after the last step', async () => {
    exporter = await startLiveExporter({ series: SMALL });
    expect(exporter.steps).toBe(3);
    expect(exporter.lastStepTimeMs).toBe(3000);
    expect(exporter.target).toMatch(/^127\.0\.0\.1:\d+$/);
    const first = await scrape();
    expect(first.headers.get('content-type')).toBe(TEXT_FORMAT_CONTENT_TYPE);
    expect(await first.text()).toBe(formatStep(planExposition(SMALL), 0));
    expect(await (await scrape()).text()).toContain(' 2000\n');
    expect(Number.isNaN(exporter.lastStepServedAtMs())).toBe(true);
    expect(await (await scrape()).text()).toContain(' 3000\n');
    expect(exporter.served()).toBe(3);
    expect(Number.isFinite(exporter.lastStepServedAtMs())).toBe(true);
    let done = false;
    void exporter.done.then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    const after = await scrape();
    expect(after.status).toBe(200);
    expect(await after.text()).toBe('');
    await exporter.done;
    expect(exporter.served()).toBe(3);
  });

  it('answers 404 for other paths and 405 for other methods, without consuming a step', async () => {
    exporter = await startLiveExporter({ series: SMALL });
    expect((await scrape('/')).status).toBe(404);
    expect((await scrape('/metrics', { method: 'POST' })).status).toBe(405);
    expect(exporter.served()).toBe(0);
  });

  it('paced by a clock, serves a step only once the clock has reached its time', async () => {
    let nowMs = 1500;
    exporter = await startLiveExporter({ series: SMALL, clock: () => nowMs });
    expect(await (await scrape()).text()).toContain(' 1000\n');
    expect(await (await scrape()).text()).toBe('');
    nowMs = 2000;
    expect(await (await scrape()).text()).toContain(' 2000\n');
    nowMs = 10_000;
    expect(await (await scrape()).text()).toContain(' 3000\n');
    expect(exporter.served()).toBe(3);
  });
});
