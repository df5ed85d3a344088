/**
 * A live Prometheus exporter that replays pre-simulated series: each `GET /metrics` serves the next
 * simulated scrape step in the Prometheus text format 0.0.4 WITH explicit sample timestamps
 * (milliseconds), every series' timestamps strictly increasing. Two paces:
 *
 * - as fast as it is scraped (default): a real Prometheus (honor_timestamps, the default) scraping it
 *   every 100–200 ms stores an hour of simulated history in seconds. Its TSDB head takes samples in
 *   order down to an hour behind its newest one, and it stamps its own `up` series with the wall
 *   clock, so such history must lie within the last hour. Its remote-write, however, forwards only
 *   samples newer than the moment remote-write started: replayed history is never remote-written.
 * - paced by a clock (`clock`): a step is served only once the clock has reached its time, so a
 *   scenario whose timeline starts after the scraper did streams live, at most one scrape behind.
 *
 * A step is one distinct sample time across all series; a series appears in a step only when it has
 * a sample at that time (a build-info series of a version that no longer runs simply stops). Once
 * every step has been served the exporter answers `/metrics` with an empty exposition (200): repeating
 * the last step would only offer stale duplicates, and an error would mark the target down. Prometheus
 * writes no staleness markers for series exposed with explicit timestamps, so the replayed series end
 * at their last simulated sample.
 *
 * Serve one scraper only: every scrape, whoever sends it, consumes a step.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RawSeries } from '../series/model.js';
import { lowerBound } from '../series/lower-bound.js';
import { assertSeriesOrdered, formatSeriesPrefix, formatValue, groupFamilies, histogramGroupKey, type FamilyType } from './openmetrics-format.js';

/** The content type of the Prometheus text format 0.0.4. */
export const TEXT_FORMAT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** One metric family as served: its `# TYPE` line and its series with their line prefixes. */
interface PlannedFamily {
  readonly typeLine: string;
  readonly series: ReadonlyArray<{ readonly prefix: string; readonly source: RawSeries }>;
}

/** The replay of a set of series, step by step (built by {@link planExposition}). */
export interface ExpositionPlan {
  /** Sample time of each step, Unix epoch ms, strictly increasing. */
  readonly stepTimesMs: Float64Array;
  readonly families: readonly PlannedFamily[];
}

/**
 * Plans the replay of `series` (each with strictly increasing timestamps; throws naming the series
 * otherwise): one step per distinct sample time, families as {@link groupFamilies} forms them
 * (`types` sets the type of families that are neither histograms nor `_total` counters; default
 * gauge), histogram series per label set with buckets by increasing `le`, then `_count`, `_sum`.
 */
export function planExposition(series: readonly RawSeries[], types: Readonly<Record<string, FamilyType>> = {}): ExpositionPlan {
  const times = new Set<number>();
  for (const s of series) {
    assertSeriesOrdered(s);
    for (const t of s.timestampsMs) times.add(t);
  }
  const stepTimesMs = Float64Array.from([...times].sort((a, b) => a - b));
  const families = groupFamilies(series, types).map((family): PlannedFamily => {
    const ordered = family.type === 'histogram' ? [...family.series].sort(histogramOrder(family.name)) : family.series;
    // Text format 0.0.4 names a counter family by its sample name, `_total` included.
    const typeName = family.type === 'counter' ? `${family.name}_total` : family.name;
    return { typeLine: `# TYPE ${typeName} ${family.type}\n`, series: ordered.map((s) => ({ prefix: formatSeriesPrefix(s), source: s })) };
  });
  return { stepTimesMs, families };
}

/**
 * The exposition of step `k` (0-based): every sample whose time is the step's time, as
 * `name{labels} value timestampMs`, under its family's `# TYPE` line (families without a sample in
 * this step are left out). Throws a RangeError for a step outside the plan.
 */
export function formatStep(plan: ExpositionPlan, k: number): string {
  const timeMs = plan.stepTimesMs[k];
  if (!Number.isInteger(k) || timeMs === undefined) throw new RangeError(`step ${k} is outside the replay's ${plan.stepTimesMs.length} steps`);
  const timestamp = String(Math.round(timeMs));
  const lines: string[] = [];
  for (const family of plan.families) {
    let typed = false;
    for (const { prefix, source } of family.series) {
      const i = lowerBound(source.timestampsMs, timeMs);
      if (source.timestampsMs[i] !== timeMs) continue;
      if (!typed) {
        lines.push(family.typeLine);
        typed = true;
      }
      lines.push(`${prefix}${formatValue(source.values[i] ?? NaN)} ${timestamp}\n`);
    }
  }
  return lines.join('');
}

/** Options of {@link startLiveExporter}. */
export interface LiveExporterOptions {
  /** The simulated series to replay (e.g. `simulateFleet(scenario).series`). */
  readonly series: readonly RawSeries[];
  /** Family types for series that are neither histograms nor `_total` counters; default gauge. */
  readonly types?: Readonly<Record<string, FamilyType>>;
  /** Address to listen on; default 127.0.0.1. */
  readonly host?: string;
  /** Port; default 0 (a free port). */
  readonly port?: number;
  /**
   * Paces the replay: a step is served only once `clock()` (Unix epoch ms) has reached its time;
   * scrapes before that get an empty exposition. Default: every scrape advances one step.
   */
  readonly clock?: () => number;
}

/** A running {@link startLiveExporter}. */
export interface LiveExporter {
  /** `host:port` as a Prometheus static target. */
  readonly target: string;
  /** Base URL, `http://host:port`. */
  readonly url: string;
  /** Number of steps of the replay. */
  readonly steps: number;
  /** Sample time of the last step, Unix epoch ms. */
  readonly lastStepTimeMs: number;
  /** Steps served so far. */
  served(): number;
  /** Wall-clock time (Unix epoch ms) at which the last step was requested; NaN before. */
  lastStepServedAtMs(): number;
  /**
   * Resolves at the first scrape after the last step was served. Scrapes of one target are
   * sequential, so by then the scraper has finished with (and, for Prometheus, committed) every step.
   */
  readonly done: Promise<void>;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/**
 * Plans the replay of `options.series` and starts serving it at `/metrics`; other paths get 404,
 * other methods 405. Rejects when the address cannot be bound.
 */
export async function startLiveExporter(options: LiveExporterOptions): Promise<LiveExporter> {
  const plan = planExposition(options.series, options.types);
  const steps = plan.stepTimesMs.length;
  let next = 0;
  let lastServedAtMs = NaN;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(req.method === 'GET' ? 404 : 405, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`only GET /metrics is served\n`);
      return;
    }
    let body = '';
    if (next >= steps) {
      finish();
    } else if (options.clock === undefined || options.clock() >= (plan.stepTimesMs[next] ?? Infinity)) {
      body = formatStep(plan, next);
      next++;
      if (next === steps) lastServedAtMs = Date.now();
    }
    res.writeHead(200, { 'Content-Type': TEXT_FORMAT_CONTENT_TYPE }).end(body);
  };
  const server = createServer(handle);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    target,
    url: `http://${target}`,
    steps,
    lastStepTimeMs: plan.stepTimesMs[steps - 1] ?? NaN,
    served: () => next,
    lastStepServedAtMs: () => lastServedAtMs,
    done,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sort key inside one histogram: label set, then buckets by increasing `le`, then `_count`, then `_sum`. */
function histogramOrder(familyName: string): (a: RawSeries, b: RawSeries) => number {
  const rank = (s: RawSeries): [string, number, number] => {
    const group = histogramGroupKey(s.labels);
    if (s.name !== `${familyName}_bucket`) return [group, s.name === `${familyName}_count` ? 1 : 2, 0];
    const le = s.labels['le'] ?? '';
    return [group, 0, le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le)];
  };
  return (a, b) => {
    const [ga, ka, va] = rank(a);
    const [gb, kb, vb] = rank(b);
    if (ga !== gb) return ga < gb ? -1 : 1;
    if (ka !== kb) return ka - kb;
    return va === vb ? 0 : va < vb ? -1 : 1;
  };
}
