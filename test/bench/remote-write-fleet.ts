/**
 * The seeded fleet the remote-write benchmark pushes: instances of HTTP services, each exposing what
 * a Prometheus scrape of such a service returns. Per instance: a classic latency histogram
 * (12 `_bucket` series with `le`, `_count`, `_sum`) and request counters per status for each endpoint
 * and method, client request and retry counters per peer, and two gauges; 9–12 labels per series (`__name__` included),
 * label names sorted byte-wise as senders must send them.
 *
 * Values and timestamps are pure functions of (seed, series, scrape), so any scrape can be generated
 * on its own: counters and buckets only grow (buckets stay cumulative over `le`), and each instance
 * is scraped every `scrapeIntervalMs` at its own offset with a few ms of jitter, as Prometheus'
 * scrape loops spread targets over the interval.
 */
import { createRng } from '../../src/detect/random.js';
import { sortedLabels } from '../fixtures/remote-write/write-request-encoder.js';
import type { LabelInput } from '../fixtures/remote-write/write-request-encoder.js';

const BOUNDS = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];
/** Mid-point of each bucket, seconds, for `_sum`. */
const MIDPOINTS = [0.003, 0.008, 0.018, 0.038, 0.075, 0.18, 0.38, 0.75, 1.8, 3.8, 7.5, 15];
const ENDPOINTS = ['/api/v1/orders', '/api/v1/orders/{id}', '/api/v1/cart', '/healthz'];
const METHODS = ['GET', 'POST'];
const STATUSES = ['200', '404', '500'];
const PEERS = ['db', 'cache', 'payments'];
/** Scrapes before the first generated one, so counters start at realistic sizes, not 0. */
const UPTIME_SCRAPES = 1000;
/** Largest scrape-time jitter, ms. */
const JITTER_MS = 25;

/** Series each simulated instance exposes. */
export const SERIES_PER_INSTANCE = ENDPOINTS.length * METHODS.length * (BOUNDS.length + 2 + STATUSES.length) + PEERS.length * 2 + 2;

/** What a series' value is made of. */
export type FleetSeriesKind =
  | { readonly type: 'bucket'; readonly histogram: number; readonly le: number }
  | { readonly type: 'count'; readonly histogram: number }
  | { readonly type: 'sum'; readonly histogram: number }
  | { readonly type: 'counter'; readonly perScrape: number }
  | { readonly type: 'gauge'; readonly base: number; readonly spread: number };

/** One series of the fleet. */
export interface FleetSeries {
  readonly labels: readonly LabelInput[];
  readonly instance: number;
  readonly kind: FleetSeriesKind;
}

export interface FleetOptions {
  readonly seed: number;
  /** Active series wanted; the fleet has whole instances, so the smallest multiple of {@link SERIES_PER_INSTANCE} at or above it. */
  readonly targetSeries: number;
  readonly scrapeIntervalMs: number;
}

/** The simulated fleet: its series, in the order each instance's scrape returns them. */
export interface Fleet {
  readonly seed: number;
  readonly instances: number;
  readonly scrapeIntervalMs: number;
  readonly series: readonly FleetSeries[];
  /** Offset of each instance's scrapes within the interval, ms, in [0, scrapeIntervalMs − 25). */
  readonly instanceOffsetsMs: readonly number[];
  /** Per histogram, the observations per scrape falling into each bucket (not cumulative). */
  readonly bucketRates: readonly (readonly number[])[];
}

/**
 * Builds the fleet for `options`; deterministic for a seed.
 * @throws RangeError when the target series or the scrape interval is not positive.
 */
export function buildFleet(options: FleetOptions): Fleet {
  if (!(options.targetSeries > 0)) throw new RangeError(`buildFleet: targetSeries must be > 0, got ${options.targetSeries}`);
  if (!(options.scrapeIntervalMs > JITTER_MS)) throw new RangeError(`buildFleet: scrapeIntervalMs must be > ${JITTER_MS}, got ${options.scrapeIntervalMs}`);
  const rng = createRng(options.seed);
  const instances = Math.ceil(options.targetSeries / SERIES_PER_INSTANCE);
  const series: FleetSeries[] = [];
  const bucketRates: number[][] = [];
  const instanceOffsetsMs: number[] = [];
  for (let instance = 0; instance < instances; instance++) {
    instanceOffsetsMs.push(rng.int(options.scrapeIntervalMs - JITTER_MS));
    const base = instanceLabels(instance);
    for (const endpoint of ENDPOINTS) {
      for (const method of METHODS) {
        const labels = { ...base, endpoint, method };
        const histogram = bucketRates.length;
        bucketRates.push(BOUNDS.map((_, i) => rng.int(i < 8 ? 40 : 4)));
        BOUNDS.forEach((le, i) => series.push(fleetSeries(instance, { ...labels, __name__: 'http_server_request_duration_seconds_bucket', le }, { type: 'bucket', histogram, le: i })));
        series.push(fleetSeries(instance, { ...labels, __name__: 'http_server_request_duration_seconds_count' }, { type: 'count', histogram }));
        series.push(fleetSeries(instance, { ...labels, __name__: 'http_server_request_duration_seconds_sum' }, { type: 'sum', histogram }));
        for (const status_code of STATUSES) {
          const perScrape = status_code === '200' ? 50 + rng.int(400) : rng.int(5);
          series.push(fleetSeries(instance, { ...labels, __name__: 'http_server_requests_total', status_code }, { type: 'counter', perScrape }));
        }
      }
    }
    for (const peer of PEERS) {
      const requests = 20 + rng.int(200);
      series.push(fleetSeries(instance, { ...base, peer, __name__: 'http_client_requests_total' }, { type: 'counter', perScrape: requests }));
      series.push(fleetSeries(instance, { ...base, peer, __name__: 'http_client_retries_total' }, { type: 'counter', perScrape: rng.int(1 + requests / 20) }));
    }
    series.push(fleetSeries(instance, { ...base, __name__: 'process_resident_memory_bytes' }, { type: 'gauge', base: 2e8 + rng.int(1e8), spread: 5e6 }));
    series.push(fleetSeries(instance, { ...base, __name__: 'up' }, { type: 'gauge', base: 1, spread: 0 }));
  }
  return { seed: options.seed, instances, scrapeIntervalMs: options.scrapeIntervalMs, series, instanceOffsetsMs, bucketRates };
}

function instanceLabels(instance: number): Record<string, string> {
  const service = `svc-${instance % 17}`;
  return {
    job: 'kubernetes-pods',
    instance: `10.${(instance >> 8) & 255}.${instance & 255}.${(instance * 7) % 250}:8080`,
    service,
    namespace: `team-${instance % 5}`,
    pod: `${service}-7d9f8c6b5-${(instance * 7919 + 46_656).toString(36).slice(-5)}`,
    region: instance % 2 === 0 ? 'eu-west-1' : 'us-east-1',
    zone: `az-${instance % 3}`,
    version: `1.${instance % 4}.0`,
  };
}

function fleetSeries(instance: number, labels: Record<string, string>, kind: FleetSeriesKind): FleetSeries {
  return { labels: sortedLabels(labels), instance, kind };
}

/** Timestamp of `instance`'s scrape number `scrape` (0-based), ms: `startMs` + offset + interval × scrape + jitter. */
export function scrapeTimestampMs(fleet: Fleet, instance: number, scrape: number, startMs: number): number {
  const offset = fleet.instanceOffsetsMs[instance] ?? 0;
  return startMs + offset + scrape * fleet.scrapeIntervalMs + Math.floor(JITTER_MS * unit(fleet.seed, instance, scrape, 0x51));
}

/** Value of series number `index` at scrape number `scrape` (0-based). Counters and buckets never decrease. */
export function seriesValue(fleet: Fleet, index: number, scrape: number): number {
  const series = fleet.series[index];
  if (series === undefined) throw new RangeError(`seriesValue: no series ${index} in a fleet of ${fleet.series.length}`);
  const kind = series.kind;
  switch (kind.type) {
    case 'counter':
      return counterValue(fleet.seed, index, kind.perScrape, scrape);
    case 'gauge':
      return kind.spread === 0 ? kind.base : kind.base + Math.floor(kind.spread * unit(fleet.seed, index, scrape, 0x6a));
    case 'bucket':
      return cumulativeBuckets(fleet, kind.histogram, kind.le, scrape).count;
    case 'count':
      return cumulativeBuckets(fleet, kind.histogram, BOUNDS.length - 1, scrape).count;
    case 'sum':
      return cumulativeBuckets(fleet, kind.histogram, BOUNDS.length - 1, scrape).sum;
  }
}

/** Observations of histogram `histogram` up to bucket `le` (cumulative), and their sum, at `scrape`. */
function cumulativeBuckets(fleet: Fleet, histogram: number, le: number, scrape: number): { count: number; sum: number } {
  const rates = fleet.bucketRates[histogram] ?? [];
  let count = 0;
  let sum = 0;
  for (let i = 0; i <= le; i++) {
    const observations = counterValue(fleet.seed, histogram * BOUNDS.length + i, rates[i] ?? 0, scrape);
    count += observations;
    sum += observations * (MIDPOINTS[i] ?? 0);
  }
  return { count, sum };
}

/**
 * A counter growing by about `perScrape` per scrape: floor(perScrape × (n + 0.9 u)) with n the scrapes
 * since start and u uniform in [0, 1) per scrape; n + 0.9 u increases with n, so the counter never decreases.
 */
function counterValue(seed: number, key: number, perScrape: number, scrape: number): number {
  const n = UPTIME_SCRAPES + scrape;
  return Math.floor(perScrape * (n + 0.9 * unit(seed, key, scrape, 0x3c)));
}

/** A uniform number in [0, 1) from (seed, a, b, salt): {@link hashUnit} with the salt spread by the golden ratio. */
function unit(seed: number, a: number, b: number, salt: number): number {
  return hashUnit(seed, Math.imul(salt, 0x9e3779b9), a, b);
}

/** A uniform number in [0, 1) from (seed, salt, key, k), by a 32-bit integer hash (murmur3's finaliser). */
export function hashUnit(seed: number, salt: number, key: number, k: number): number {
  let h = mix(seed ^ salt);
  h = mix(h ^ key);
  h = mix(h ^ Math.imul(k + 1, 0x85ebca6b));
  return h / 2 ** 32;
}

function mix(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
