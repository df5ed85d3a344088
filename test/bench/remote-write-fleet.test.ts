import { describe, expect, it } from 'vitest';
import { SERIES_PER_INSTANCE, buildFleet, scrapeTimestampMs, seriesValue } from './remote-write-fleet.js';
import type { Fleet } from './remote-write-fleet.js';

const fleet = buildFleet({ seed: 3, targetSeries: 1000, scrapeIntervalMs: 15_000 });

function labelOf(f: Fleet, index: number, name: string): string | undefined {
  return f.series[index]?.labels.find((l) => l.name === name)?.value;
}

describe('buildFleet', () => {
  it('has whole instances of 144 series, enough for the target', () => {
    expect(SERIES_PER_INSTANCE).toBe(144);
    expect(fleet.instances).toBe(7);
    expect(fleet.series).toHaveLength(7 * 144);
    expect(buildFleet({ seed: 3, targetSeries: 144, scrapeIntervalMs: 15_000 }).instances).toBe(1);
  });

  it('gives every series a distinct label set, names sorted byte-wise, 9 to 12 labels', () => {
    const keys = new Set(fleet.series.map((s) => JSON.stringify(s.labels)));
    expect(keys.size).toBe(fleet.series.length);
    for (const s of fleet.series) {
      const names = s.labels.map((l) => l.name);
      expect(names).toEqual([...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
      expect(names.length).toBeGreaterThanOrEqual(9);
      expect(names.length).toBeLessThanOrEqual(12);
    }
  });

  it('has histogram buckets with le, _count, _sum, counters and gauges', () => {
    const names = new Set(fleet.series.map((_, i) => labelOf(fleet, i, '__name__')));
    expect([...names].sort()).toEqual([
      'http_client_requests_total',
      'http_client_retries_total',
      'http_server_request_duration_seconds_bucket',
      'http_server_request_duration_seconds_count',
      'http_server_request_duration_seconds_sum',
      'http_server_requests_total',
      'process_resident_memory_bytes',
      'up',
    ]);
    const les = fleet.series.map((_, i) => labelOf(fleet, i, 'le')).filter((le) => le !== undefined);
    expect(les).toHaveLength(7 * 8 * 12);
  });

  it('is the same for the same seed and different for another', () => {
    const again = buildFleet({ seed: 3, targetSeries: 1000, scrapeIntervalMs: 15_000 });
    expect(again).toEqual(fleet);
    const other = buildFleet({ seed: 4, targetSeries: 1000, scrapeIntervalMs: 15_000 });
    expect(other.series.map((s) => s.labels)).toEqual(fleet.series.map((s) => s.labels));
    expect(other.instanceOffsetsMs).not.toEqual(fleet.instanceOffsetsMs);
  });

  it('refuses a target or an interval it cannot build', () => {
    expect(() => buildFleet({ seed: 1, targetSeries: 0, scrapeIntervalMs: 15_000 })).toThrow('targetSeries must be > 0, got 0');
    expect(() => buildFleet({ seed: 1, targetSeries: 10, scrapeIntervalMs: 10 })).toThrow('scrapeIntervalMs must be > 25, got 10');
  });
});

describe('seriesValue', () => {
  it('never lets a counter, bucket, _count or _sum decrease from scrape to scrape', () => {
    fleet.series.forEach((s, i) => {
      if (s.kind.type === 'gauge') return;
      for (let scrape = 0; scrape < 30; scrape++) expect(seriesValue(fleet, i, scrape + 1)).toBeGreaterThanOrEqual(seriesValue(fleet, i, scrape));
    });
  });

  it('keeps buckets cumulative over le, +Inf equal to _count', () => {
    const first = fleet.series.findIndex((s) => s.kind.type === 'bucket');
    for (const scrape of [0, 7, 100]) {
      const buckets = Array.from({ length: 12 }, (_, le) => seriesValue(fleet, first + le, scrape));
      expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
      expect(labelOf(fleet, first + 11, 'le')).toBe('+Inf');
      expect(seriesValue(fleet, first + 12, scrape)).toBe(buckets[11]);
      expect(labelOf(fleet, first + 12, '__name__')).toBe('http_server_request_duration_seconds_count');
    }
  });

  it('refuses a series the fleet does not have', () => {
    expect(() => seriesValue(fleet, fleet.series.length, 0)).toThrow(`no series ${fleet.series.length} in a fleet of ${fleet.series.length}`);
  });
});

describe('scrapeTimestampMs', () => {
  it('scrapes each instance once per interval at its offset, within 25 ms of jitter', () => {
    const startMs = 1_700_000_000_000;
    for (let instance = 0; instance < fleet.instances; instance++) {
      const offset = fleet.instanceOffsetsMs[instance] ?? -1;
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(15_000 - 25);
      for (let scrape = 0; scrape < 20; scrape++) {
        const t = scrapeTimestampMs(fleet, instance, scrape, startMs);
        expect(t - (startMs + offset + scrape * 15_000)).toBeGreaterThanOrEqual(0);
        expect(t - (startMs + offset + scrape * 15_000)).toBeLessThan(25);
        expect(Number.isInteger(t)).toBe(true);
      }
    }
  });
});
