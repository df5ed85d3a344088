/**
 * Turns simulated series (cumulative values per scrape, as a Prometheus scrape shows them) into what
 * an instrumented process would have recorded through the OpenTelemetry API per scrape interval:
 * counter increases, histogram observations per bucket, build-info attribute sets, and the times at
 * which each instance's process (re)started. Also gives the series the SDK's exports amount to, as
 * OpenMetrics would show them, for `analyze --metrics` on the same observations.
 */
import type { Labels, RawSeries } from '../../src/series/model.js';
import { lowerBound } from '../../src/series/lower-bound.js';
import type { FleetTruth } from '../../src/sim/fleet-simulator.js';

/** An OpenTelemetry instrument: name and UCUM unit. */
export interface InstrumentName {
  readonly name: string;
  readonly unit: string;
}

/**
 * The instruments of the simulator's metrics, named after the OpenTelemetry semantic conventions so
 * that shiftguard's OTLP mapping gives back the simulator's Prometheus names.
 */
export const SIM_INSTRUMENTS: Readonly<Record<string, InstrumentName>> = {
  http_server_request_duration_seconds: { name: 'http.server.request.duration', unit: 's' },
  http_client_requests_total: { name: 'http.client.requests', unit: '{request}' },
  http_client_retries_total: { name: 'http.client.retries', unit: '{retry}' },
  dten_build_info: { name: 'dten.build_info', unit: '' },
};

export interface HistogramTrack {
  readonly instrument: InstrumentName;
  readonly attributes: Readonly<Record<string, string>>;
  /** Finite bucket bounds, increasing. */
  readonly boundsSeconds: readonly number[];
  /** The value recorded for one observation in each bucket (the last is the overflow bucket). */
  readonly representativeSeconds: readonly number[];
  /** Per scrape, the new observations per bucket. */
  readonly newObservations: ReadonlyArray<readonly number[]>;
}

export interface CounterTrack {
  readonly instrument: InstrumentName;
  readonly attributes: Readonly<Record<string, string>>;
  /** Per scrape, the increase since the previous scrape (or since the process started). */
  readonly increments: Float64Array;
}

export interface BuildInfoTrack {
  readonly instrument: InstrumentName;
  /** Per build-info series: its attributes and, per scrape, 1 when it is reported. */
  readonly series: ReadonlyArray<{ readonly attributes: Readonly<Record<string, string>>; readonly present: Uint8Array }>;
}

/** One instance: one process at a time. */
export interface InstanceTrack {
  readonly service: string;
  readonly instance: string;
  /** Per scrape: the time a new process started before it (always at scrape 0), else undefined. */
  readonly processStartMs: ReadonlyArray<number | undefined>;
  readonly histograms: readonly HistogramTrack[];
  readonly counters: readonly CounterTrack[];
  readonly buildInfo?: BuildInfoTrack;
}

/** The whole replay. */
export interface OtlpReplayPlan {
  /** Simulated scrape times, Unix epoch ms. */
  readonly stepTimesMs: Float64Array;
  readonly scrapeIntervalMs: number;
  readonly instances: readonly InstanceTrack[];
  /**
   * What the exports amount to, as cumulative series: the input series, except each `_sum` is the
   * sum of the recorded representative values (accumulated as the SDK does).
   */
  readonly observed: RawSeries[];
}

const SERVICE = 'service';
const INSTANCE = 'instance';

/**
 * Plans the replay of `series` (the simulator's, every counter and histogram sampled at every scrape
 * of `truth.scrapeTimesMs`). Throws, naming the series and scrape, on data the SDK could not
 * reproduce point for point: an unknown metric, a decrease that is not a restart, a process whose
 * first interval has no observation for a histogram, or a version change without a restart.
 */
export function planOtlpReplay(series: readonly RawSeries[], truth: Pick<FleetTruth, 'scrapeTimesMs' | 'counterResets'>, scrapeIntervalMs: number): OtlpReplayPlan {
  const steps = truth.scrapeTimesMs;
  const byInstance = new Map<string, RawSeries[]>();
  for (const s of series) {
    const instance = s.labels[INSTANCE];
    if (instance === undefined || s.labels[SERVICE] === undefined) throw new Error(`${s.name} ${JSON.stringify(s.labels)}: no ${SERVICE} or ${INSTANCE} label`);
    byInstance.set(instance, [...(byInstance.get(instance) ?? []), s]);
  }
  const sums = new Map<RawSeries, RawSeries>();
  const instances = [...byInstance].map(([instance, own]) => {
    const processStartMs = processStarts(instance, steps, truth.counterResets, scrapeIntervalMs);
    const track = instanceTrack(instance, own, steps, processStartMs, sums);
    return track;
  });
  const observed = series.map((s) => sums.get(s) ?? s);
  return { stepTimesMs: steps, scrapeIntervalMs, instances, observed };
}

/** Per scrape, the start time of a process that started before it: scrape 0, and the last restart before each scrape. */
function processStarts(instance: string, steps: Float64Array, resets: FleetTruth['counterResets'], intervalMs: number): Array<number | undefined> {
  const starts: Array<number | undefined> = Array.from({ length: steps.length }, () => undefined);
  starts[0] = (steps[0] ?? 0) - intervalMs;
  for (const reset of resets) {
    if (reset.instance !== instance) continue;
    const k = lowerBound(steps, reset.atMs);
    if (k < steps.length) starts[k] = Math.max(starts[k] ?? -Infinity, reset.atMs);
  }
  return starts;
}

function instanceTrack(instance: string, own: readonly RawSeries[], steps: Float64Array, starts: ReadonlyArray<number | undefined>, sums: Map<RawSeries, RawSeries>): InstanceTrack {
  const service = own[0]?.labels[SERVICE] ?? '';
  const histograms: HistogramTrack[] = [];
  const counters: CounterTrack[] = [];
  const buildInfo: Array<{ attributes: Record<string, string>; present: Uint8Array }> = [];
  const claimed = new Set<RawSeries>();
  for (const [base, instrument] of Object.entries(SIM_INSTRUMENTS)) {
    const buckets = own.filter((s) => s.name === `${base}_bucket`);
    for (const group of groupByLabelsWithoutLe(buckets)) {
      const key = attributesOf(group[0]?.labels ?? {});
      const count = own.find((s) => s.name === `${base}_count` && sameAttributes(s.labels, key));
      const sum = own.find((s) => s.name === `${base}_sum` && sameAttributes(s.labels, key));
      if (count === undefined || sum === undefined) throw new Error(`${base} ${JSON.stringify(group[0]?.labels)}: _count or _sum missing`);
      histograms.push(histogramTrack(instrument, group, count, steps, starts, sums, sum));
      for (const s of [...group, count, sum]) claimed.add(s);
    }
    for (const s of own.filter((x) => x.name === base)) {
      if (base.endsWith('_total')) counters.push({ instrument, attributes: attributesOf(s.labels), increments: counterIncrements(s, steps, starts) });
      else buildInfo.push({ attributes: attributesOf(s.labels), present: presence(s, steps) });
      claimed.add(s);
    }
  }
  const unknown = own.find((s) => !claimed.has(s));
  if (unknown !== undefined) throw new Error(`${unknown.name} ${JSON.stringify(unknown.labels)}: no OpenTelemetry instrument for this metric`);
  const instrument = SIM_INSTRUMENTS['dten_build_info'] as InstrumentName;
  if (buildInfo.length > 0) checkVersionsChangeOnlyAtRestarts(instance, buildInfo, starts);
  return { service, instance, processStartMs: starts, histograms, counters, ...(buildInfo.length > 0 ? { buildInfo: { instrument, series: buildInfo } } : {}) };
}

function histogramTrack(
  instrument: InstrumentName,
  buckets: RawSeries[],
  count: RawSeries,
  steps: Float64Array,
  starts: ReadonlyArray<number | undefined>,
  sums: Map<RawSeries, RawSeries>,
  sum: RawSeries,
): HistogramTrack {
  const le = (s: RawSeries): number => (s.labels['le'] === '+Inf' ? Infinity : Number(s.labels['le']));
  const ordered = [...buckets].sort((a, b) => le(a) - le(b));
  const bounds = ordered.map(le).filter(Number.isFinite);
  const representative = [...bounds.map((b, i) => ((bounds[i - 1] ?? 0) + b) / 2), 2 * (bounds.at(-1) ?? 1)];
  for (const s of [...ordered, count]) expectEveryStep(s, steps);
  const perBucket = (k: number): number[] => ordered.map((s, b) => (s.values[k] ?? 0) - (b === 0 ? 0 : (ordered[b - 1]?.values[k] ?? 0)));
  const newObservations: number[][] = [];
  const sumValues = new Float64Array(steps.length);
  let cumulativeSum = 0;
  for (let k = 0; k < steps.length; k++) {
    const now = perBucket(k);
    const before = starts[k] !== undefined ? now.map(() => 0) : perBucket(k - 1);
    const fresh = now.map((n, b) => n - (before[b] ?? 0));
    const where = `${count.name} ${JSON.stringify(count.labels)} at scrape ${k}`;
    if (fresh.some((n) => !Number.isInteger(n) || n < 0)) throw new Error(`${where}: bucket counts decrease without a restart`);
    if (starts[k] !== undefined && fresh.every((n) => n === 0)) throw new Error(`${where}: no observation in a new process' first interval, so the SDK would export no point`);
    if (count.values[k] !== ordered.at(-1)?.values[k]) throw new Error(`${where}: _count differs from the +Inf bucket`);
    let intervalSum = 0;
    fresh.forEach((n, b) => {
      for (let i = 0; i < n; i++) intervalSum += representative[b] ?? NaN;
    });
    cumulativeSum = starts[k] !== undefined ? intervalSum : cumulativeSum + intervalSum;
    sumValues[k] = cumulativeSum;
    newObservations.push(fresh);
  }
  sums.set(sum, { ...sum, timestampsMs: steps.slice(), values: sumValues, origin: 'otlp-replay' });
  return { instrument, attributes: attributesOf(count.labels), boundsSeconds: bounds, representativeSeconds: representative, newObservations };
}

function counterIncrements(s: RawSeries, steps: Float64Array, starts: ReadonlyArray<number | undefined>): Float64Array {
  expectEveryStep(s, steps);
  const out = new Float64Array(steps.length);
  for (let k = 0; k < steps.length; k++) {
    const value = s.values[k] ?? NaN;
    const increase = starts[k] !== undefined ? value : value - (s.values[k - 1] ?? NaN);
    if (!(increase >= 0)) throw new Error(`${s.name} ${JSON.stringify(s.labels)} at scrape ${k}: decreases without a restart`);
    out[k] = increase;
  }
  return out;
}

function presence(s: RawSeries, steps: Float64Array): Uint8Array {
  const present = new Uint8Array(steps.length);
  s.timestampsMs.forEach((t, i) => {
    const k = lowerBound(steps, t);
    if (steps[k] !== t) throw new Error(`${s.name} ${JSON.stringify(s.labels)}: sample at ${t} is not at a scrape`);
    if (s.values[i] !== 1) throw new Error(`${s.name} ${JSON.stringify(s.labels)}: value ${s.values[i]} at ${t}, expected 1`);
    present[k] = 1;
  });
  return present;
}

function checkVersionsChangeOnlyAtRestarts(instance: string, series: ReadonlyArray<{ present: Uint8Array }>, starts: ReadonlyArray<number | undefined>): void {
  for (let k = 1; k < starts.length; k++) {
    if (starts[k] !== undefined) continue;
    if (series.some((s) => s.present[k] !== s.present[k - 1])) throw new Error(`build info of ${instance} changes at scrape ${k} without a restart`);
  }
}

function expectEveryStep(s: RawSeries, steps: Float64Array): void {
  const same = s.timestampsMs.length === steps.length && s.timestampsMs.every((t, i) => t === steps[i]);
  if (!same) throw new Error(`${s.name} ${JSON.stringify(s.labels)}: not sampled at every scrape`);
}

/** Labels without service, instance and le: the data point attributes. */
function attributesOf(labels: Labels): Record<string, string> {
  const { [SERVICE]: _service, [INSTANCE]: _instance, le: _le, ...rest } = labels;
  return rest;
}

function sameAttributes(labels: Labels, attributes: Readonly<Record<string, string>>): boolean {
  return JSON.stringify(Object.entries(attributesOf(labels)).sort()) === JSON.stringify(Object.entries(attributes).sort());
}

function groupByLabelsWithoutLe(buckets: readonly RawSeries[]): RawSeries[][] {
  const groups = new Map<string, RawSeries[]>();
  for (const s of buckets) {
    const key = JSON.stringify(Object.entries(attributesOf(s.labels)).sort());
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.values()];
}
