/**
 * The remote-write benchmark's load: request bodies a Prometheus 2.x sender would send for some
 * scrapes of the fleet, encoded ahead of time so that sending costs the load generator almost nothing.
 *
 * As Prometheus' queue manager does, series are spread over `senders` shards by series number
 * (Prometheus: series ref modulo shards), each shard batches its samples in scrape order, one
 * `TimeSeries` per sample, `samplesPerRequest` samples per request (the last batch of a round may be
 * smaller, as a batch-send deadline flushes it), and sends its requests one at a time. Each series'
 * samples therefore arrive in time order.
 *
 * Bodies are remote-write 1.0: the snappy block of a `prometheus.WriteRequest`. Each series' labels
 * are serialized once by the fixture encoder (protobufjs reflection over the repository's
 * `remote-write-v1.proto`); samples are appended with the same field layout, so a body is byte for
 * byte what `encodeWriteRequest` makes of the same request (checked by the unit test) at a fraction
 * of the cost.
 */
import { snappyBlock, remoteWriteType } from '../fixtures/remote-write/write-request-encoder.js';
import { scrapeTimestampMs, seriesValue } from './remote-write-fleet.js';
import type { Fleet } from './remote-write-fleet.js';

/** Which scrapes one round sends, and how. */
export interface RoundPlan {
  /** First scrape number of the round (0-based over the whole benchmark). */
  readonly firstScrape: number;
  readonly scrapes: number;
  /** Time of scrape 0, epoch ms (instance offsets and jitter come on top). */
  readonly startMs: number;
  readonly senders: number;
  readonly samplesPerRequest: number;
}

/** One encoded request. */
export interface EncodedRequest {
  /** Snappy block of the `WriteRequest`. */
  readonly body: Uint8Array;
  readonly samples: number;
  /** Size of the serialized protobuf before compression, bytes. */
  readonly decodedBytes: number;
}

/** A round's requests, one queue per sender in send order. */
export interface LoadRound {
  readonly plan: RoundPlan;
  readonly queues: readonly (readonly EncodedRequest[])[];
  readonly samples: number;
  readonly requests: number;
  /** Compressed bytes of all bodies. */
  readonly bodyBytes: number;
  /** Earliest and latest sample timestamp of the round, epoch ms. */
  readonly firstMs: number;
  readonly lastMs: number;
}

/** One sample as a shard queues it: series number, timestamp (ms) and value. */
export interface QueuedSample {
  readonly series: number;
  readonly timestampMs: number;
  readonly value: number;
}

/**
 * The samples of `plan`'s scrapes for each shard, in the order the shard sends them: scrape by
 * scrape, instances in the order their scrapes happen within the interval, then each instance's
 * series. @throws RangeError on a plan without scrapes, senders or samples per request.
 */
export function shardSamples(fleet: Fleet, plan: RoundPlan): QueuedSample[][] {
  checkPlan(plan);
  const byInstance = seriesByInstance(fleet);
  const instanceOrder = [...byInstance.keys()].sort((a, b) => (fleet.instanceOffsetsMs[a] ?? 0) - (fleet.instanceOffsetsMs[b] ?? 0) || a - b);
  const shards: QueuedSample[][] = Array.from({ length: plan.senders }, () => []);
  for (let scrape = plan.firstScrape; scrape < plan.firstScrape + plan.scrapes; scrape++) {
    for (const instance of instanceOrder) {
      const timestampMs = scrapeTimestampMs(fleet, instance, scrape, plan.startMs);
      for (const series of byInstance.get(instance) ?? []) {
        shards[series % plan.senders]?.push({ series, timestampMs, value: seriesValue(fleet, series, scrape) });
      }
    }
  }
  return shards;
}

/** Encodes every request of `plan`: each shard's samples cut into batches of `samplesPerRequest`. */
export function encodeRound(fleet: Fleet, plan: RoundPlan, labelBytes: readonly Uint8Array[] = encodeLabelSets(fleet)): LoadRound {
  let firstMs = Infinity;
  let lastMs = -Infinity;
  const queues = shardSamples(fleet, plan).map((samples) => {
    const requests: EncodedRequest[] = [];
    for (const sample of samples) {
      firstMs = Math.min(firstMs, sample.timestampMs);
      lastMs = Math.max(lastMs, sample.timestampMs);
    }
    for (let from = 0; from < samples.length; from += plan.samplesPerRequest) {
      const protobufBytes = encodeSamples(samples.slice(from, from + plan.samplesPerRequest), labelBytes);
      requests.push({ body: snappyBlock(protobufBytes), samples: Math.min(plan.samplesPerRequest, samples.length - from), decodedBytes: protobufBytes.length });
    }
    return requests;
  });
  const all = queues.flat();
  return {
    plan,
    queues,
    samples: all.reduce((sum, r) => sum + r.samples, 0),
    requests: all.length,
    bodyBytes: all.reduce((sum, r) => sum + r.body.length, 0),
    firstMs,
    lastMs,
  };
}

/**
 * The serialized `labels` fields of each fleet series' `TimeSeries` (field 1, repeated `Label`), made
 * by protobufjs' reflection encoder; a request reuses them for every sample of the series.
 */
export function encodeLabelSets(fleet: Fleet): Uint8Array[] {
  const type = remoteWriteType('TimeSeries');
  return fleet.series.map((s) => type.encode(type.fromObject({ labels: s.labels })).finish());
}

/**
 * The serialized `WriteRequest` of `samples`, one `TimeSeries` each (field 1): the series' label
 * fields, then its one `Sample` (field 2: value as double, field 1; timestamp as int64 varint, field 2).
 * Zero values are left out, as proto3 encoders (protobufjs, Prometheus' gogo-protobuf) do.
 */
export function encodeSamples(samples: readonly QueuedSample[], labelBytes: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let size = 0;
  for (const sample of samples) {
    const labels = labelBytes[sample.series];
    if (labels === undefined) throw new RangeError(`encodeSamples: no label set for series ${sample.series}`);
    const fields = [...valueField(sample.value), ...(sample.timestampMs === 0 ? [] : [0x10, ...varint(sample.timestampMs)])];
    const seriesLength = labels.length + 1 + varint(fields.length).length + fields.length;
    const head = Uint8Array.of(0x0a, ...varint(seriesLength));
    const tail = Uint8Array.of(0x12, ...varint(fields.length), ...fields);
    parts.push(head, labels, tail);
    size += head.length + labels.length + tail.length;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Field 1 of `Sample` (tag 0x09, little-endian double), or nothing for 0. */
function valueField(value: number): number[] {
  if (value === 0) return [];
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setFloat64(0, value, true);
  return [0x09, ...bytes];
}

/** The protobuf base-128 varint of a non-negative safe integer. */
export function varint(value: number): number[] {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint: expected a non-negative safe integer, got ${value}`);
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}

function seriesByInstance(fleet: Fleet): Map<number, number[]> {
  const byInstance = new Map<number, number[]>();
  fleet.series.forEach((s, index) => {
    const list = byInstance.get(s.instance);
    if (list === undefined) byInstance.set(s.instance, [index]);
    else list.push(index);
  });
  return byInstance;
}

function checkPlan(plan: RoundPlan): void {
  for (const [name, value, min] of [
    ['scrapes', plan.scrapes, 1],
    ['senders', plan.senders, 1],
    ['samplesPerRequest', plan.samplesPerRequest, 1],
    ['firstScrape', plan.firstScrape, 0],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`round plan: ${name} must be an integer >= ${min}, got ${value}`);
  }
}
