import { describe, expect, it } from 'vitest';
import {
  MEMORY_TARGET_BYTES_PER_SERIES,
  THROUGHPUT_TARGET_RATIO,
  compareIngest,
  formatIngestComparison,
  formatIngestTable,
  formatMemoryTable,
  formatTextTable,
  ingestFigures,
  memoryFigures,
} from './remote-write-figures.js';
import type { IngestRun, MemoryFigures, MemorySnapshot } from './remote-write-figures.js';

function run(receiver: string, round: number, wallSeconds: number, accepted: number, extra: Partial<IngestRun> = {}): IngestRun {
  return { receiver, round, wallSeconds, samplesSent: 600_000, samplesAccepted: accepted, requests: 300, failedRequests: 0, receiverCpuSeconds: 3, generatorCpuSeconds: 0.1, ...extra };
}

const snapshot = (rss: number, heap: number | null, series: number | null, store: number | null): MemorySnapshot => ({ rssBytes: rss, peakRssBytes: rss + 1e6, heapBytes: heap, activeSeries: series, storeBytes: store });

describe('ingestFigures', () => {
  it('summarizes only the measured rounds: accepted samples and requests per wall second, CPU per million samples', () => {
    const f = ingestFigures('sg', [run('sg', 0, 1, 600_000), run('sg', 1, 2, 600_000), run('sg', 2, 3, 600_000), run('sg', 3, 6, 600_000, { failedRequests: 2, samplesAccepted: 596_000 })]);
    expect(f.samplesPerSecond).toEqual({ median: 200_000, min: 596_000 / 6, max: 300_000, runs: 3 });
    expect(f.requestsPerSecond.median).toBe(100);
    expect(f.cpuSecondsPerMillionSamples?.median).toBe(5);
    expect(f.coresBusy.median).toBe(1);
    expect(f.failedRequests).toBe(2);
    expect(f.rejectedSamples).toBe(4000);
  });

  it('has no CPU per sample when nothing was accepted, and refuses no measured round or a zero wall time', () => {
    expect(ingestFigures('p', [run('p', 1, 1, 0)]).cpuSecondsPerMillionSamples).toBeNull();
    expect(() => ingestFigures('p', [run('p', 0, 1, 1)])).toThrow('no measured round for p');
    expect(() => ingestFigures('p', [run('p', 1, 0, 1)])).toThrow('round 1 of p has wall time 0 s, expected > 0');
  });
});

describe('memoryFigures', () => {
  it('divides RSS and heap growth and the store accounting by the active series', () => {
    const m = memoryFigures('sg', snapshot(100e6, 20e6, 0, 0), snapshot(160e6, 50e6, 30_000, 29.4e6));
    expect(m).toEqual({ receiver: 'sg', activeSeries: 30_000, idleRssBytes: 100e6, rssBytes: 160e6, peakRssBytes: 161e6, rssBytesPerSeries: 2000, heapBytesPerSeries: 1000, storeBytesPerSeries: 980 });
  });

  it('leaves unreported figures null and refuses a receiver without active series', () => {
    const m = memoryFigures('p', snapshot(40e6, null, null, null), snapshot(100e6, null, 20_000, null));
    expect(m.heapBytesPerSeries).toBeNull();
    expect(m.storeBytesPerSeries).toBeNull();
    expect(() => memoryFigures('p', snapshot(1, null, null, null), snapshot(2, null, 0, null))).toThrow('p reports 0 active series, expected > 0');
    expect(() => memoryFigures('p', snapshot(1, null, null, null), snapshot(2, null, null, null))).toThrow('p reports no active series');
  });
});

describe('compareIngest', () => {
  const memory = (rssPerSeries: number, storePerSeries: number | null): MemoryFigures => ({
    receiver: 'sg',
    activeSeries: 1000,
    idleRssBytes: 0,
    rssBytes: rssPerSeries * 1000,
    peakRssBytes: rssPerSeries * 1000,
    rssBytesPerSeries: rssPerSeries,
    heapBytesPerSeries: null,
    storeBytesPerSeries: storePerSeries,
  });
  const sgRuns = [run('sg', 0, 1, 1), run('sg', 1, 2, 600_000), run('sg', 2, 4, 600_000)];
  const promRuns = [run('p', 0, 1, 1), run('p', 1, 4, 600_000, { receiverCpuSeconds: 6 }), run('p', 2, 4, 600_000, { receiverCpuSeconds: 6 })];

  it('divides shiftguard by Prometheus: medians, per-round ratios, CPU per sample', () => {
    const c = compareIngest(ingestFigures('sg', sgRuns), ingestFigures('p', promRuns), memory(1500, 980), { shiftguard: sgRuns, prometheus: promRuns });
    // medians: sg (300k + 150k) / 2 = 225k, prometheus 150k; per round 2.0 and 1.0.
    expect(c.throughputRatio).toBe(1.5);
    expect(c.pairedThroughputRatio).toBe(1.5);
    expect(c.cpuEfficiencyRatio).toBe(2);
    expect(c).toMatchObject({ throughputTargetMet: true, memoryTargetMet: true, storeMemoryTargetMet: true });
  });

  it('meets the targets at exactly 1.5x and 2048 bytes and misses them beyond', () => {
    expect(THROUGHPUT_TARGET_RATIO).toBe(1.5);
    expect(MEMORY_TARGET_BYTES_PER_SERIES).toBe(2048);
    const slower = [run('sg', 1, 4, 600_000)];
    const c = compareIngest(ingestFigures('sg', slower), ingestFigures('p', promRuns), memory(2049, null), { shiftguard: slower, prometheus: promRuns });
    expect(c).toMatchObject({ throughputRatio: 1, throughputTargetMet: false, memoryTargetMet: false, storeMemoryTargetMet: null });
    expect(compareIngest(ingestFigures('sg', sgRuns), ingestFigures('p', promRuns), memory(2048, 2048), { shiftguard: sgRuns, prometheus: promRuns }).memoryTargetMet).toBe(true);
  });

  it('refuses a Prometheus that accepted nothing', () => {
    const none = [run('p', 1, 1, 0)];
    expect(() => compareIngest(ingestFigures('sg', sgRuns), ingestFigures('p', none), memory(1, 1), { shiftguard: sgRuns, prometheus: none })).toThrow("Prometheus' median rate must be > 0");
  });
});

describe('formatting', () => {
  it('prints the ingest table with rates from the measured rounds and - for an unmeasured CPU figure', () => {
    const lines = formatIngestTable([ingestFigures('shiftguard serve', [run('s', 1, 2, 600_000)]), ingestFigures('prometheus', [run('p', 1, 1, 0, { failedRequests: 300 })])]).split('\n');
    expect(lines[0]?.split(/\s{2,}/)).toEqual(['receiver', 'median samples/s', 'min samples/s', 'max samples/s', 'requests/s', 'CPU s per 1M samples', 'cores busy', 'failed requests', 'rejected samples']);
    expect(lines[1]).toMatch(/^-+( +-+){8}$/);
    expect(lines[2]?.split(/\s{2,}/)).toEqual(['shiftguard serve', '300000', '300000', '300000', '150.0', '5.00', '1.50', '0', '0']);
    expect(lines[3]?.split(/\s{2,}/)).toEqual(['prometheus', '0', '0', '0', '300.0', '-', '3.00', '300', '600000']);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });

  it('prints the memory table in MB and bytes per series', () => {
    const lines = formatMemoryTable([memoryFigures('sg', snapshot(100e6, 20e6, 0, 0), snapshot(160e6, 50e6, 30_000, 29.4e6)), memoryFigures('p', snapshot(40e6, null, null, null), snapshot(100e6, null, 20_000, null))]).split('\n');
    expect(lines[2]?.split(/\s+/)).toEqual(['sg', '30000', '100.0', '160.0', '161.0', '2000', '1000', '980']);
    expect(lines[3]?.split(/\s+/)).toEqual(['p', '20000', '40.0', '100.0', '101.0', '3000', '-', '-']);
  });

  it('prints the ratios and a PASS or MISS line per target', () => {
    const m = memoryFigures('sg', snapshot(100e6, 20e6, 0, 0), snapshot(190e6, 50e6, 30_000, 29.4e6));
    const text = formatIngestComparison({ throughputRatio: 1.62, pairedThroughputRatio: 1.58, cpuEfficiencyRatio: null, throughputTargetMet: true, memoryTargetMet: false, storeMemoryTargetMet: true }, m);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/median samples\/s: +1\.62$/);
    expect(lines[1]).toMatch(/per-round ratios: +1\.58$/);
    expect(lines[2]).toMatch(/not measured$/);
    expect(lines[3]).toMatch(/^PASS: throughput target .*1\.62x$/);
    expect(lines[4]).toMatch(/^MISS: memory target .*: 3000 bytes$/);
    expect(lines[5]).toMatch(/^PASS: .*own accounting.*: 980 bytes$/);
  });

  it('aligns a text table: first column left, the others right', () => {
    expect(formatTextTable(['a', 'bb'], [['xyz', '1'], ['q', '12345']]).split('\n')).toEqual(['a       bb', '---  -----', 'xyz      1', 'q    12345']);
  });
});
