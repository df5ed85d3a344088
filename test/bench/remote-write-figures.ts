/**
 * The remote-write benchmark's arithmetic and printed tables: ingest rates per receiver over the
 * measured rounds, memory per active series, the shiftguard/Prometheus ratios and the issue's
 * targets (at least 1.5× Prometheus' samples/s; at most 2 KiB per active series).
 */
import { summarizeRuns } from './run-stats.js';
import type { RunSummary } from './run-stats.js';

/** The throughput target: shiftguard ingests at least this many times Prometheus' samples/s. */
export const THROUGHPUT_TARGET_RATIO = 1.5;
/** The memory target: at most this many bytes per active series. */
export const MEMORY_TARGET_BYTES_PER_SERIES = 2048;

/** One round of requests sent to one receiver. */
export interface IngestRun {
  readonly receiver: string;
  /** Round number; warm-ups are numbered < 1 and excluded from the figures. */
  readonly round: number;
  readonly wallSeconds: number;
  readonly samplesSent: number;
  /** Samples the receiver counted as accepted (its own counter's increase over the round). */
  readonly samplesAccepted: number;
  readonly requests: number;
  /** Requests answered other than 2xx, or not at all. */
  readonly failedRequests: number;
  /** Receiver's user + system CPU time over the round, seconds. */
  readonly receiverCpuSeconds: number;
  /** The load generator's (this process') CPU time over the round, seconds. */
  readonly generatorCpuSeconds: number;
}

/** Ingest figures of one receiver over its measured rounds. */
export interface IngestFigures {
  readonly receiver: string;
  /** Accepted samples per wall-clock second, per round. */
  readonly samplesPerSecond: RunSummary;
  readonly requestsPerSecond: RunSummary;
  /** Receiver CPU seconds per million accepted samples, per round that accepted any; `null` when none did. */
  readonly cpuSecondsPerMillionSamples: RunSummary | null;
  /** Receiver CPU seconds per wall second (cores kept busy), per round. */
  readonly coresBusy: RunSummary;
  /** Failed requests over the measured rounds. */
  readonly failedRequests: number;
  /** Samples sent but not accepted over the measured rounds. */
  readonly rejectedSamples: number;
}

/** The receiver's memory before any data and after the benchmark's data. */
export interface MemorySnapshot {
  readonly rssBytes: number;
  readonly peakRssBytes: number;
  /** Heap in use as the receiver reports it (V8 heap used; Go `alloc_bytes`); `null` when not reported. */
  readonly heapBytes: number | null;
  /** Active series as the receiver counts them; `null` when not reported. */
  readonly activeSeries: number | null;
  /** Bytes its series store says it holds; `null` when it has no such figure. */
  readonly storeBytes: number | null;
}

/** Memory per active series of one receiver. */
export interface MemoryFigures {
  readonly receiver: string;
  readonly activeSeries: number;
  readonly idleRssBytes: number;
  readonly rssBytes: number;
  readonly peakRssBytes: number;
  /** (RSS after − idle RSS) / active series. */
  readonly rssBytesPerSeries: number;
  /** (heap after − idle heap) / active series; `null` when the heap is not reported. */
  readonly heapBytesPerSeries: number | null;
  /** The series store's own accounting / active series; `null` when it has none. */
  readonly storeBytesPerSeries: number | null;
}

/** shiftguard against Prometheus, and the targets. */
export interface IngestComparison {
  /** shiftguard's median samples/s / Prometheus' median samples/s: the figure the target is judged on. */
  readonly throughputRatio: number;
  /** Median over rounds of the per-round ratio (both receivers got the same requests in the same round). */
  readonly pairedThroughputRatio: number;
  /** Prometheus' CPU per sample / shiftguard's (> 1: shiftguard spends less CPU per sample); `null` when either accepted nothing. */
  readonly cpuEfficiencyRatio: number | null;
  readonly throughputTargetMet: boolean;
  /** Judged on RSS growth per active series. */
  readonly memoryTargetMet: boolean;
  /** The store's own accounting against the same target; `null` when it has none. */
  readonly storeMemoryTargetMet: boolean | null;
}

/**
 * Summarizes the measured rounds (round >= 1) of one receiver.
 * @throws RangeError when there is no measured round or a round has no positive wall time.
 */
export function ingestFigures(receiver: string, runs: readonly IngestRun[]): IngestFigures {
  const measured = runs.filter((r) => r.round >= 1);
  if (measured.length === 0) throw new RangeError(`ingestFigures: no measured round for ${receiver}`);
  const bad = measured.find((r) => !(r.wallSeconds > 0));
  if (bad !== undefined) throw new RangeError(`ingestFigures: round ${bad.round} of ${receiver} has wall time ${bad.wallSeconds} s, expected > 0`);
  const accepting = measured.filter((r) => r.samplesAccepted > 0);
  return {
    receiver,
    samplesPerSecond: summarizeRuns(measured.map((r) => r.samplesAccepted / r.wallSeconds)),
    requestsPerSecond: summarizeRuns(measured.map((r) => r.requests / r.wallSeconds)),
    cpuSecondsPerMillionSamples: accepting.length === 0 ? null : summarizeRuns(accepting.map((r) => (r.receiverCpuSeconds * 1e6) / r.samplesAccepted)),
    coresBusy: summarizeRuns(measured.map((r) => r.receiverCpuSeconds / r.wallSeconds)),
    failedRequests: measured.reduce((sum, r) => sum + r.failedRequests, 0),
    rejectedSamples: measured.reduce((sum, r) => sum + Math.max(0, r.samplesSent - r.samplesAccepted), 0),
  };
}

/**
 * Memory per active series from an idle snapshot (before any data) and one after the data.
 * @throws RangeError when the receiver reports no active series.
 */
export function memoryFigures(receiver: string, idle: MemorySnapshot, after: MemorySnapshot): MemoryFigures {
  const series = after.activeSeries;
  if (series === null || !(series > 0)) throw new RangeError(`memoryFigures: ${receiver} reports ${series ?? 'no'} active series, expected > 0`);
  return {
    receiver,
    activeSeries: series,
    idleRssBytes: idle.rssBytes,
    rssBytes: after.rssBytes,
    peakRssBytes: after.peakRssBytes,
    rssBytesPerSeries: (after.rssBytes - idle.rssBytes) / series,
    heapBytesPerSeries: after.heapBytes === null || idle.heapBytes === null ? null : (after.heapBytes - idle.heapBytes) / series,
    storeBytesPerSeries: after.storeBytes === null ? null : after.storeBytes / series,
  };
}

/**
 * Compares shiftguard with Prometheus. `paired` are both receivers' measured runs: rounds present for
 * both give the per-round ratios. @throws RangeError when Prometheus' median rate is not positive.
 */
export function compareIngest(shiftguard: IngestFigures, prometheus: IngestFigures, memory: MemoryFigures, paired: { readonly shiftguard: readonly IngestRun[]; readonly prometheus: readonly IngestRun[] }): IngestComparison {
  if (!(prometheus.samplesPerSecond.median > 0)) throw new RangeError(`compareIngest: Prometheus' median rate must be > 0 samples/s, got ${prometheus.samplesPerSecond.median}`);
  const throughputRatio = shiftguard.samplesPerSecond.median / prometheus.samplesPerSecond.median;
  const rate = (r: IngestRun): number => r.samplesAccepted / r.wallSeconds;
  const roundRatios = paired.shiftguard
    .filter((r) => r.round >= 1)
    .flatMap((s) => {
      const p = paired.prometheus.find((q) => q.round === s.round);
      return p === undefined || !(rate(p) > 0) ? [] : [rate(s) / rate(p)];
    });
  return {
    throughputRatio,
    pairedThroughputRatio: roundRatios.length === 0 ? throughputRatio : summarizeRuns(roundRatios).median,
    cpuEfficiencyRatio: cpuRatio(prometheus.cpuSecondsPerMillionSamples, shiftguard.cpuSecondsPerMillionSamples),
    throughputTargetMet: throughputRatio >= THROUGHPUT_TARGET_RATIO,
    memoryTargetMet: memory.rssBytesPerSeries <= MEMORY_TARGET_BYTES_PER_SERIES,
    storeMemoryTargetMet: memory.storeBytesPerSeries === null ? null : memory.storeBytesPerSeries <= MEMORY_TARGET_BYTES_PER_SERIES,
  };
}

function cpuRatio(prometheus: RunSummary | null, shiftguard: RunSummary | null): number | null {
  return prometheus === null || shiftguard === null || !(shiftguard.median > 0) ? null : prometheus.median / shiftguard.median;
}

const INGEST_HEADERS = ['receiver', 'median samples/s', 'min samples/s', 'max samples/s', 'requests/s', 'CPU s per 1M samples', 'cores busy', 'failed requests', 'rejected samples'];
const MEMORY_HEADERS = ['receiver', 'active series', 'idle RSS MB', 'RSS after MB', 'peak RSS MB', 'RSS B/series', 'heap B/series', 'store B/series'];

/** The ingest table: rates from the measured rounds (median, min, max), CPU per sample, errors. */
export function formatIngestTable(rows: readonly IngestFigures[]): string {
  return formatTextTable(
    INGEST_HEADERS,
    rows.map((r) => [
      r.receiver,
      r.samplesPerSecond.median.toFixed(0),
      r.samplesPerSecond.min.toFixed(0),
      r.samplesPerSecond.max.toFixed(0),
      r.requestsPerSecond.median.toFixed(1),
      r.cpuSecondsPerMillionSamples === null ? '-' : r.cpuSecondsPerMillionSamples.median.toFixed(2),
      r.coresBusy.median.toFixed(2),
      String(r.failedRequests),
      String(r.rejectedSamples),
    ]),
  );
}

/** The memory table: RSS in MB (10^6 bytes), growth per active series in bytes; `-` where not reported. */
export function formatMemoryTable(rows: readonly MemoryFigures[]): string {
  const perSeries = (v: number | null): string => (v === null ? '-' : v.toFixed(0));
  return formatTextTable(
    MEMORY_HEADERS,
    rows.map((r) => [
      r.receiver,
      String(r.activeSeries),
      (r.idleRssBytes / 1e6).toFixed(1),
      (r.rssBytes / 1e6).toFixed(1),
      (r.peakRssBytes / 1e6).toFixed(1),
      perSeries(r.rssBytesPerSeries),
      perSeries(r.heapBytesPerSeries),
      perSeries(r.storeBytesPerSeries),
    ]),
  );
}

/** The ratio lines and one PASS/MISS line per target. */
export function formatIngestComparison(c: IngestComparison, shiftguardMemory: MemoryFigures): string {
  const verdict = (met: boolean): string => (met ? 'PASS' : 'MISS');
  const lines = [
    `ratio shiftguard/Prometheus, median samples/s:            ${c.throughputRatio.toFixed(2)}`,
    `ratio shiftguard/Prometheus, median of per-round ratios:  ${c.pairedThroughputRatio.toFixed(2)}`,
    `CPU per sample, Prometheus/shiftguard:                    ${c.cpuEfficiencyRatio === null ? 'not measured' : c.cpuEfficiencyRatio.toFixed(2)}`,
    `${verdict(c.throughputTargetMet)}: throughput target (shiftguard >= ${THROUGHPUT_TARGET_RATIO.toFixed(1)}x Prometheus' samples/s): ${c.throughputRatio.toFixed(2)}x`,
    `${verdict(c.memoryTargetMet)}: memory target (<= ${MEMORY_TARGET_BYTES_PER_SERIES} bytes per active series, RSS growth): ${shiftguardMemory.rssBytesPerSeries.toFixed(0)} bytes`,
  ];
  if (c.storeMemoryTargetMet !== null && shiftguardMemory.storeBytesPerSeries !== null) {
    lines.push(`${verdict(c.storeMemoryTargetMet)}: the same target on the series store's own accounting (everything it allocates): ${shiftguardMemory.storeBytesPerSeries.toFixed(0)} bytes`);
  }
  return lines.join('\n');
}

/** A fixed-width text table: first column left-aligned, the others right-aligned, a rule under the headers. */
export function formatTextTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = [headers, ...rows];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(headers), rule, ...rows.map(line)].join('\n');
}
