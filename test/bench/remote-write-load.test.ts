import protobuf from 'protobufjs/minimal.js';
import { describe, expect, it } from 'vitest';
import { decodeRemoteWrite } from '../../src/ingest/remote-write/decode-remote-write.js';
import { PROMETHEUS_HEADERS, encodeWriteRequest } from '../fixtures/remote-write/write-request-encoder.js';
import { buildFleet, scrapeTimestampMs, seriesValue } from './remote-write-fleet.js';
import { encodeLabelSets, encodeRound, encodeSamples, shardSamples, varint } from './remote-write-load.js';
import type { RoundPlan } from './remote-write-load.js';

const fleet = buildFleet({ seed: 5, targetSeries: 600, scrapeIntervalMs: 15_000 });
const labelBytes = encodeLabelSets(fleet);
const START_MS = Date.UTC(2026, 3, 10, 9, 0, 0);
const plan: RoundPlan = { firstScrape: 2, scrapes: 3, startMs: START_MS, senders: 3, samplesPerRequest: 500 };

/** Canonical key of a fleet series: its labels as the decoder maps them (name apart). */
function fleetKey(index: number): string {
  const labels = fleet.series[index]?.labels ?? [];
  const name = labels.find((l) => l.name === '__name__')?.value ?? '';
  const rest = Object.fromEntries(labels.filter((l) => l.name !== '__name__').map((l) => [l.name, l.value]));
  return `${name}${JSON.stringify(rest, Object.keys(rest).sort())}`;
}

describe('shardSamples', () => {
  const shards = shardSamples(fleet, plan);

  it('puts each series in shard series modulo senders, once per scrape', () => {
    expect(shards).toHaveLength(3);
    shards.forEach((samples, shard) => {
      for (const s of samples) expect(s.series % 3).toBe(shard);
    });
    expect(shards.reduce((n, s) => n + s.length, 0)).toBe(fleet.series.length * 3);
  });

  it('sends each shard in time order, so every series gets its samples in order', () => {
    for (const samples of shards) {
      for (let i = 1; i < samples.length; i++) expect(samples[i]?.timestampMs).toBeGreaterThanOrEqual(samples[i - 1]?.timestampMs ?? 0);
    }
  });

  it('carries the fleet values and timestamps of the plan scrapes', () => {
    const first = shards[0]?.[0];
    const instance = fleet.series[first?.series ?? 0]?.instance ?? -1;
    expect(first?.value).toBe(seriesValue(fleet, first?.series ?? 0, 2));
    expect(first?.timestampMs).toBe(scrapeTimestampMs(fleet, instance, 2, START_MS));
  });

  it('refuses a plan without scrapes, senders or samples per request', () => {
    expect(() => shardSamples(fleet, { ...plan, scrapes: 0 })).toThrow('scrapes must be an integer >= 1, got 0');
    expect(() => shardSamples(fleet, { ...plan, senders: 1.5 })).toThrow('senders must be an integer >= 1, got 1.5');
    expect(() => shardSamples(fleet, { ...plan, samplesPerRequest: 0 })).toThrow('samplesPerRequest must be an integer >= 1, got 0');
  });
});

describe('encodeSamples', () => {
  it('is byte for byte what the reflection encoder makes of the same WriteRequest, zero values included', () => {
    const samples = (shardSamples(fleet, { ...plan, senders: 1 })[0] ?? []).slice(0, 400);
    samples.push({ series: 0, timestampMs: START_MS + 1e6, value: 0 }, { series: 1, timestampMs: START_MS + 1e6, value: 0.1 });
    const reference = encodeWriteRequest({
      timeseries: samples.map((s) => ({ labels: fleet.series[s.series]?.labels ?? [], samples: [{ value: s.value, timestamp: s.timestampMs }] })),
    });
    expect(Buffer.from(encodeSamples(samples, labelBytes)).equals(Buffer.from(reference))).toBe(true);
  });

  it('refuses a series without a label set', () => {
    expect(() => encodeSamples([{ series: fleet.series.length, timestampMs: 1, value: 1 }], labelBytes)).toThrow(`no label set for series ${fleet.series.length}`);
  });
});

describe('varint', () => {
  it('matches protobufjs Writer for small, multi-byte and 48-bit values, and refuses negatives', () => {
    for (const value of [0, 1, 127, 128, 300, 16_384, 2 ** 31, START_MS, Number.MAX_SAFE_INTEGER]) {
      const writer = protobuf.Writer.create();
      writer.uint64(value);
      expect(varint(value)).toEqual([...writer.finish()]);
    }
    expect(() => varint(-1)).toThrow('expected a non-negative safe integer, got -1');
  });
});

describe('encodeRound', () => {
  const round = encodeRound(fleet, plan, labelBytes);

  it('cuts each shard into requests of samplesPerRequest, the last one of a shard possibly smaller', () => {
    expect(round.samples).toBe(fleet.series.length * 3);
    for (const queue of round.queues) {
      queue.slice(0, -1).forEach((r) => expect(r.samples).toBe(500));
      expect(queue.at(-1)?.samples).toBeLessThanOrEqual(500);
    }
    expect(round.requests).toBe(round.queues.reduce((n, q) => n + q.length, 0));
    expect(round.bodyBytes).toBe(round.queues.flat().reduce((n, r) => n + r.body.length, 0));
  });

  it('is deterministic for a seed', () => {
    const again = encodeRound(buildFleet({ seed: 5, targetSeries: 600, scrapeIntervalMs: 15_000 }), plan);
    expect(again.queues.flat().map((r) => Buffer.from(r.body).toString('base64'))).toEqual(round.queues.flat().map((r) => Buffer.from(r.body).toString('base64')));
  });

  it('decodes with the repository decoder into the fleet series, values and timestamps', () => {
    const expected = new Map<string, { t: number; v: number }[]>();
    for (const samples of shardSamples(fleet, plan)) {
      for (const s of samples) expected.set(fleetKey(s.series), [...(expected.get(fleetKey(s.series)) ?? []), { t: s.timestampMs, v: s.value }]);
    }
    const decoded = new Map<string, { t: number; v: number }[]>();
    for (const request of round.queues.flat()) {
      const batch = decodeRemoteWrite(request.body, PROMETHEUS_HEADERS, { maxDecodedBytes: 16 << 20 });
      expect(batch.rejected.size).toBe(0);
      expect(batch.series.reduce((n, s) => n + s.values.length, 0)).toBe(request.samples);
      for (const s of batch.series) {
        const key = `${s.name}${JSON.stringify(s.labels, Object.keys(s.labels).sort())}`;
        decoded.set(key, [...(decoded.get(key) ?? []), ...s.values.map((v, i) => ({ t: s.timestampsMs[i] ?? NaN, v }))]);
      }
    }
    expect(decoded.size).toBe(fleet.series.length);
    for (const [key, samples] of expected) expect(decoded.get(key)).toEqual(samples);
  });

  it('spans the plan scrapes: first and last timestamps', () => {
    const stamps = fleet.instanceOffsetsMs.flatMap((_, i) => [2, 4].map((s) => scrapeTimestampMs(fleet, i, s, START_MS)));
    expect(round.firstMs).toBe(Math.min(...stamps));
    expect(round.lastMs).toBe(Math.max(...stamps));
  });
});
