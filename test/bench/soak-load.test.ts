import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildFleet } from './remote-write-fleet.js';
import { batchDueMs, batchSamples, buildSoakFleet, lastScrapeAt, newestCompleteBatch, planSoakClock, scrapeTimeMs, soakValue } from './soak-load.js';

const fleet = buildFleet({ seed: 3, targetSeries: 2 * 144, scrapeIntervalMs: 15_000 });

describe('planSoakClock', () => {
  it('scrapes the fleet once per series / rate seconds', () => {
    expect(planSoakClock(30_000, 6_000_000, 1000)).toEqual({ startMs: 1000, intervalMs: 5 });
  });

  it('refuses a rate that needs more than one sample per series and ms, naming the series it needs', () => {
    expect(() => planSoakClock(4000, 8_000_000, 0)).toThrow('use at least 8000 series');
  });
});

describe('the shard schedule', () => {
  it('gives every series strictly increasing timestamps', () => {
    const clock = { startMs: 1_700_000_000_000, intervalMs: 1.37 };
    for (let k = 0; k < 2000; k++) expect(scrapeTimeMs(clock, k + 1)).toBeGreaterThan(scrapeTimeMs(clock, k));
  });

  it('finds the last scrape and the newest complete batch at any time, and when the next one is due', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 40, noNaN: true }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 0, max: 600_000 }), (intervalMs, shardSeries, batch, elapsedMs) => {
        const clock = { startMs: 1_000_000, intervalMs };
        const now = clock.startMs + elapsedMs;
        const k = lastScrapeAt(clock, now);
        expect(scrapeTimeMs(clock, k)).toBeLessThanOrEqual(now);
        expect(scrapeTimeMs(clock, k + 1)).toBeGreaterThan(now);
        const b = newestCompleteBatch(shardSeries, batch, k);
        if (b >= 0) expect(batchDueMs(clock, shardSeries, batch, b)).toBeLessThanOrEqual(now);
        expect(batchDueMs(clock, shardSeries, batch, b + 1)).toBeGreaterThan(now);
      }),
    );
  });

  it('has no scrape before the start', () => {
    expect(lastScrapeAt({ startMs: 5000, intervalMs: 2 }, 4999)).toBe(-1);
    expect(newestCompleteBatch(10, 2000, -1)).toBe(-1);
  });
});

describe('buildSoakFleet', () => {
  it('splits the series over the shards by series number modulo shards', () => {
    const soak = buildSoakFleet(fleet, 7);
    expect(soak.shards.flatMap((s) => [...s]).sort((a, b) => a - b)).toEqual(fleet.series.map((_, i) => i));
    soak.shards.forEach((members, shard) => expect([...members].every((s) => s % 7 === shard)).toBe(true));
  });

  it('refuses more shards than series', () => {
    expect(() => buildSoakFleet(fleet, fleet.series.length + 1)).toThrow('shards must be an integer in [1, 288]');
  });
});

describe('soakValue', () => {
  const soak = buildSoakFleet(fleet, 4);
  const kinds = fleet.series.map((s) => s.kind.type);

  it('lets counters, buckets, counts and sums only grow from scrape to scrape', () => {
    fleet.series.forEach((s, i) => {
      if (s.kind.type === 'gauge') return;
      for (let k = 0; k < 50; k++) expect(soakValue(soak, i, k + 1), `${kinds[i]} ${i} at ${k}`).toBeGreaterThanOrEqual(soakValue(soak, i, k));
    });
  });

  it('keeps each histogram cumulative over le, its +Inf bucket equal to its count', () => {
    const histograms = new Map<number, number[]>();
    fleet.series.forEach((s, i) => {
      if (s.kind.type === 'bucket') histograms.set(s.kind.histogram, [...(histograms.get(s.kind.histogram) ?? []), i]);
    });
    const countOf = new Map(fleet.series.flatMap((s, i) => (s.kind.type === 'count' ? [[s.kind.histogram, i] as const] : [])));
    for (const [h, buckets] of histograms) {
      for (const k of [0, 7, 123]) {
        const values = buckets.map((i) => soakValue(soak, i, k));
        expect(values).toEqual([...values].sort((a, b) => a - b));
        expect(values.at(-1)).toBe(soakValue(soak, countOf.get(h) as number, k));
      }
    }
  });

  it('is a pure function of the seed, series and scrape', () => {
    const again = buildSoakFleet(buildFleet({ seed: 3, targetSeries: 2 * 144, scrapeIntervalMs: 15_000 }), 4);
    expect(fleet.series.map((_, i) => soakValue(again, i, 9))).toEqual(fleet.series.map((_, i) => soakValue(soak, i, 9)));
  });
});

describe('batchSamples', () => {
  it("walks the shard's series scrape by scrape, and keeps only the series asked for", () => {
    const soak = buildSoakFleet(fleet, 4);
    const clock = { startMs: 1_000_000, intervalMs: 3 };
    const members = soak.shards[1] as Int32Array;
    const samples = batchSamples(soak, clock, 1, 2, 100);
    expect(samples).toHaveLength(100);
    expect(samples[0]).toEqual({ series: members[200 % members.length], timestampMs: scrapeTimeMs(clock, Math.floor(200 / members.length)), value: soakValue(soak, members[200 % members.length] as number, Math.floor(200 / members.length)) });
    expect(batchSamples(soak, clock, 1, 2, 100, (s) => s === members[0]).map((s) => s.series)).toEqual(samples.filter((s) => s.series === members[0]).map((s) => s.series));
  });
});
