/**
 * The soak's remote-write load: the remote-write benchmark's seeded fleet (same series, labels and
 * label bytes), sampled on a clock fast enough to offer the soak's rate, split over shards as
 * Prometheus' queue manager does (series number modulo shards); `soak-encoder.ts` encodes batches.
 *
 * The offered rate R over N series means one scrape of the whole fleet every N / R seconds: scrape
 * `k` is stamped `startMs + floor(k × intervalMs)`, so each series' timestamps strictly increase
 * as long as the interval is at least 1 ms ({@link planSoakClock} refuses less). A shard's stream is
 * its series' samples scrape by scrape; batch `b` is samples `[b × B, (b + 1) × B)` of that stream,
 * due once its last sample is scraped. Any batch is a pure function of (fleet, shard, b), so a shard
 * that falls behind can skip to the newest due batch, and the read-back can list a batch's samples again.
 *
 * Values follow the bench fleet's model (counters and buckets grow by about their per-scrape rate,
 * buckets stay cumulative over `le`) with one hash per histogram or series and scrape, so that a
 * value costs a few nanoseconds (the bench's per-bucket sums cost ~0.6 µs a sample, too much for a
 * generator that must keep pace with the receiver for minutes).
 */
import { encodeLabelSets } from './remote-write-load.js';
import { hashUnit } from './remote-write-fleet.js';
import type { Fleet } from './remote-write-fleet.js';

/** Scrapes before the first generated one, so counters start at realistic sizes, not 0 (as the bench fleet). */
const UPTIME_SCRAPES = 1000;
const COUNTER = 0;
const SUM = 1;
const GAUGE = 2;
/** Offset of histogram numbers among the noise keys, so they never meet series numbers. */
const HISTOGRAM_KEY_OFFSET = 1 << 24;

/** When scrape `k` of the soak happens: `startMs + floor(k × intervalMs)`. */
export interface SoakClock {
  readonly startMs: number;
  /** Time between two scrapes of the whole fleet, ms (at least 1, may be fractional). */
  readonly intervalMs: number;
}

/**
 * The clock that offers `samplesPerSecond` from a fleet of `series` series starting at `startMs`.
 * @throws RangeError when that needs more than one sample per series and millisecond (timestamps
 * would repeat): the message says how many series the rate needs.
 */
export function planSoakClock(series: number, samplesPerSecond: number, startMs: number): SoakClock {
  if (!(series > 0) || !(samplesPerSecond > 0)) throw new RangeError(`planSoakClock: series and samplesPerSecond must be > 0, got ${series} and ${samplesPerSecond}`);
  const intervalMs = (series / samplesPerSecond) * 1000;
  if (intervalMs < 1) throw new RangeError(`planSoakClock: ${samplesPerSecond.toFixed(0)} samples/s over ${series} series is more than one sample per series and ms; use at least ${Math.ceil(samplesPerSecond / 1000)} series`);
  return { startMs, intervalMs };
}

/** Timestamp of scrape `k`, epoch ms. */
export function scrapeTimeMs(clock: SoakClock, k: number): number {
  return clock.startMs + Math.floor(k * clock.intervalMs);
}

/** The last scrape that happened at or before `nowMs` (−1 before the first). */
export function lastScrapeAt(clock: SoakClock, nowMs: number): number {
  if (nowMs < clock.startMs) return -1;
  let k = Math.floor((nowMs - clock.startMs) / clock.intervalMs);
  while (scrapeTimeMs(clock, k + 1) <= nowMs) k++;
  while (k >= 0 && scrapeTimeMs(clock, k) > nowMs) k--;
  return k;
}

/** The newest batch of `batchSamples` samples complete once scrape `lastScrape` happened, for a shard of `shardSeries` series (−1: none). */
export function newestCompleteBatch(shardSeries: number, batchSamples: number, lastScrape: number): number {
  return Math.floor(((lastScrape + 1) * shardSeries) / batchSamples) - 1;
}

/** When batch `b` of a shard of `shardSeries` series is complete (its last sample scraped), epoch ms. */
export function batchDueMs(clock: SoakClock, shardSeries: number, batchSamples: number, b: number): number {
  return scrapeTimeMs(clock, Math.floor(((b + 1) * batchSamples - 1) / shardSeries));
}

/** The fleet with its value model in typed arrays and its series split over shards. */
export interface SoakFleet {
  readonly fleet: Fleet;
  /** Serialized `labels` fields of each series' `TimeSeries` (the bench's encoder). */
  readonly labelBytes: readonly Uint8Array[];
  /** Series numbers of each shard, ascending. */
  readonly shards: readonly Int32Array[];
  /** Per series: counter or cumulative bucket (0), histogram `_sum` (1), gauge (2). */
  readonly kind: Uint8Array;
  /** Per series: increase per scrape (counters, buckets cumulative over `le`, `_count`), sum per scrape (`_sum`), spread (gauges). */
  readonly rate: Float64Array;
  /** Per series: a gauge's base value. */
  readonly base: Float64Array;
  /** Per series: what its noise hashes (its histogram for `_bucket`, `_count`, `_sum`: one draw per histogram and scrape keeps buckets cumulative). */
  readonly noiseKey: Int32Array;
}

/** Splits `fleet` over `shards` shards and precomputes its value model. @throws RangeError on fewer than 1 shard or more shards than series. */
export function buildSoakFleet(fleet: Fleet, shards: number): SoakFleet {
  const n = fleet.series.length;
  if (!Number.isInteger(shards) || shards < 1 || shards > n) throw new RangeError(`buildSoakFleet: shards must be an integer in [1, ${n}], got ${shards}`);
  const kind = new Uint8Array(n);
  const rate = new Float64Array(n);
  const base = new Float64Array(n);
  const noiseKey = new Int32Array(n);
  const cumulativeRates = fleet.bucketRates.map((rates) => rates.reduce<number[]>((acc, r) => [...acc, (acc.at(-1) ?? 0) + r], []));
  const midpoints = bucketMidpoints(fleet);
  const sumRates = fleet.bucketRates.map((rates, h) => rates.reduce((sum, r, i) => sum + r * (midpoints.get(h)?.[i] ?? 0), 0));
  fleet.series.forEach((s, i) => {
    const k = s.kind;
    noiseKey[i] = k.type === 'bucket' || k.type === 'count' || k.type === 'sum' ? HISTOGRAM_KEY_OFFSET + k.histogram : i;
    if (k.type === 'counter') rate[i] = k.perScrape;
    else if (k.type === 'bucket') rate[i] = cumulativeRates[k.histogram]?.[k.le] ?? 0;
    else if (k.type === 'count') rate[i] = cumulativeRates[k.histogram]?.at(-1) ?? 0;
    else if (k.type === 'sum') [kind[i], rate[i]] = [SUM, sumRates[k.histogram] ?? 0];
    else [kind[i], rate[i], base[i]] = [GAUGE, k.spread, k.base];
  });
  const members: number[][] = Array.from({ length: shards }, () => []);
  for (let i = 0; i < n; i++) members[i % shards]?.push(i);
  return { fleet, labelBytes: encodeLabelSets(fleet), shards: members.map((m) => Int32Array.from(m)), kind, rate, base, noiseKey };
}

/**
 * Value of series `series` at scrape `k`: counters and cumulative buckets `rate × n + floor(0.9 × rate × u)`
 * (n = 1000 + k, u uniform per histogram or series and scrape: increasing in k, and over `le` since
 * the rate is cumulative and u shared), `_sum` `(n + 0.9 u) × rate`, gauges `base + floor(spread × u)`.
 */
export function soakValue(soak: SoakFleet, series: number, k: number): number {
  const n = UPTIME_SCRAPES + k;
  const u = hashUnit(soak.fleet.seed, FLEET_SALT, soak.noiseKey[series] as number, k);
  const rate = soak.rate[series] as number;
  switch (soak.kind[series]) {
    case COUNTER:
      return rate * n + Math.floor(0.9 * rate * u);
    case SUM:
      return (n + 0.9 * u) * rate;
    default:
      return (soak.base[series] as number) + Math.floor(rate * u);
  }
}

/** Per histogram, the middle of each bucket, seconds, from the `le` labels (+Inf: 1.5 × the last finite bound). */
function bucketMidpoints(fleet: Fleet): Map<number, number[]> {
  const bounds = new Map<number, number[]>();
  for (const s of fleet.series) {
    if (s.kind.type !== 'bucket') continue;
    const le = Number(s.labels.find((l) => l.name === 'le')?.value ?? NaN);
    const list = bounds.get(s.kind.histogram) ?? [];
    list[s.kind.le] = le;
    bounds.set(s.kind.histogram, list);
  }
  const midpoints = new Map<number, number[]>();
  for (const [h, les] of bounds) {
    midpoints.set(
      h,
      les.map((upper, i) => {
        const lower = i === 0 ? 0 : (les[i - 1] ?? 0);
        return Number.isFinite(upper) ? (lower + upper) / 2 : 1.5 * lower;
      }),
    );
  }
  return midpoints;
}

/** Salt of the remote-write fleet's noise in {@link hashUnit}. */
const FLEET_SALT = 0x2545f491;


/** One sample of a batch: series number, timestamp (ms) and value. */
export interface SoakSample {
  readonly series: number;
  readonly timestampMs: number;
  readonly value: number;
}

/** The samples of batch `b` of `shard`, in stream order; only those of the series `keep` accepts when given. */
export function batchSamples(soak: SoakFleet, clock: SoakClock, shard: number, b: number, batchSize: number, keep?: (series: number) => boolean): SoakSample[] {
  const members = soak.shards[shard];
  if (members === undefined) throw new RangeError(`batchSamples: no shard ${shard}`);
  const out: SoakSample[] = [];
  for (let j = b * batchSize; j < (b + 1) * batchSize; j++) {
    const k = Math.floor(j / members.length);
    const series = members[j % members.length] as number;
    if (keep === undefined || keep(series)) out.push({ series, timestampMs: scrapeTimeMs(clock, k), value: soakValue(soak, series, k) });
  }
  return out;
}
