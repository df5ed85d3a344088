import { uncompressSync } from 'snappy';
import { describe, expect, it } from 'vitest';
import { decodeRemoteWrite } from '../../src/ingest/remote-write/decode-remote-write.js';
import { uncompressSnappyBlock } from '../../src/ingest/remote-write/snappy-block.js';
import { buildFleet } from './remote-write-fleet.js';
import { encodeSamples } from './remote-write-load.js';
import { encodeBatch } from './soak-encoder.js';
import { batchSamples, buildSoakFleet } from './soak-load.js';

const fleet = buildFleet({ seed: 5, targetSeries: 3000, scrapeIntervalMs: 15_000 });
const clock = { startMs: 1_760_000_000_000, intervalMs: 1.7 };

/** How many elements of each kind a snappy block has: literal, copy with a 1-, 2- or 4-byte offset. */
function elementKinds(block: Uint8Array): number[] {
  const kinds = [0, 0, 0, 0];
  let pos = 0;
  while ((block[pos++] as number) & 0x80);
  while (pos < block.length) {
    const tag = block[pos++] as number;
    const kind = tag & 3;
    kinds[kind] = (kinds[kind] ?? 0) + 1;
    if (kind === 0) {
      const extra = (tag >>> 2) - 59;
      let length = (tag >>> 2) + 1;
      if (extra > 0) {
        length = 1;
        for (let i = 0; i < extra; i++) length += (block[pos + i] as number) << (8 * i);
        pos += extra;
      }
      pos += length;
    } else pos += kind === 1 ? 1 : kind === 2 ? 2 : 4;
  }
  return kinds;
}

describe('encodeBatch', () => {
  // 200 shards: each series recurs within 64 KiB (2-byte copies); 10 shards: beyond it (4-byte
  // copies); 1 shard: a batch holds each series once (literals only).
  for (const [shards, kind] of [
    [200, 2],
    [10, 3],
    [1, 0],
  ] as const) {
    it(`makes a snappy block of exactly the bench encoder's WriteRequest (${shards} shards)`, () => {
      const soak = buildSoakFleet(fleet, shards);
      for (const [shard, b] of [
        [0, 0],
        [1 % shards, 3],
        [shards - 1, 17],
      ] as const) {
        const batch = encodeBatch(soak, clock, shard, b, 2000);
        const expected = Buffer.from(encodeSamples(batchSamples(soak, clock, shard, b, 2000), soak.labelBytes));
        expect(Buffer.from(uncompressSync(Buffer.from(batch.body)) as Buffer).equals(expected)).toBe(true);
        expect(Buffer.from(uncompressSnappyBlock(batch.body, 64 << 20)).equals(expected)).toBe(true);
        expect(batch).toMatchObject({ shard, index: b, samples: 2000 });
        const kinds = elementKinds(batch.body);
        expect(kinds[kind]).toBeGreaterThan(0);
        expect(kinds.filter((n, k) => k !== 0 && k !== kind && n > 0)).toEqual([]);
      }
    });
  }

  it('compresses a batch whose series recur (the soak runs 200 shards)', () => {
    const soak = buildSoakFleet(fleet, 200);
    const batch = encodeBatch(soak, clock, 5, 9, 2000);
    const raw = encodeSamples(batchSamples(soak, clock, 5, 9, 2000), soak.labelBytes);
    expect(batch.body.length).toBeLessThan(raw.length / 4);
  });

  it("is read by serve's decoder as the batch's samples", () => {
    const soak = buildSoakFleet(fleet, 200);
    const decoded = decodeRemoteWrite(encodeBatch(soak, clock, 7, 2, 500).body, { contentType: 'application/x-protobuf', contentEncoding: 'snappy' }, { maxDecodedBytes: 64 << 20 });
    const samples = batchSamples(soak, clock, 7, 2, 500);
    expect(decoded.series.reduce((n, s) => n + s.values.length, 0)).toBe(500);
    const first = samples[0];
    const labels = Object.fromEntries(fleet.series[first?.series ?? 0]?.labels.map((l) => [l.name, l.value]) ?? []);
    const { __name__: name, ...rest } = labels;
    const series = decoded.series.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(rest));
    expect(series?.timestampsMs[0]).toBe(first?.timestampMs);
    expect(series?.values[0]).toBe(first?.value);
  });
});
