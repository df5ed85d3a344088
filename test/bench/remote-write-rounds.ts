/**
 * Measuring one receiver through one round: its CPU time (from `/proc`) and accepted-samples counter
 * (from its `/metrics`) before and after the round's requests, and memory snapshots.
 */
import type { IngestRun, MemorySnapshot } from './remote-write-figures.js';
import type { LoadRound } from './remote-write-load.js';
import { metricValue, readProcessStats } from './remote-write-process-stats.js';
import type { Receiver, ReceiverKind } from './remote-write-receivers.js';
import { sendRound } from './remote-write-sender.js';
import type { SendOutcome } from './remote-write-sender.js';

/** A metric and the labels its samples must carry. */
interface MetricRef {
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** Where each receiver reports what the benchmark reads. */
export const RECEIVER_METRICS: Readonly<Record<ReceiverKind, { readonly accepted: MetricRef; readonly activeSeries: MetricRef; readonly heapBytes: MetricRef; readonly storeBytes: MetricRef | null }>> = {
  shiftguard: {
    accepted: { name: 'shiftguard_samples_ingested_total', labels: { protocol: 'remote_write' } },
    activeSeries: { name: 'shiftguard_active_series' },
    heapBytes: { name: 'shiftguard_nodejs_heap_size_used_bytes' },
    storeBytes: { name: 'shiftguard_series_store_bytes' },
  },
  prometheus: {
    accepted: { name: 'prometheus_tsdb_head_samples_appended_total' },
    activeSeries: { name: 'prometheus_tsdb_head_series' },
    heapBytes: { name: 'go_memstats_alloc_bytes' },
    storeBytes: null,
  },
};

/** One measured round and what sending it produced. */
export interface MeasuredRound {
  readonly run: IngestRun;
  readonly outcome: SendOutcome;
}

/**
 * Sends `load` to `receiver` and measures it; `label` names the receiver in the figures.
 * @throws Error when the receiver's accepted-samples counter is missing from its `/metrics`.
 */
export async function measureRound(receiver: Receiver, label: string, load: LoadRound, round: number): Promise<MeasuredRound> {
  const accepted = RECEIVER_METRICS[receiver.kind].accepted;
  const acceptedBefore = requireMetric(await receiver.scrapeMetrics(), accepted, receiver.kind, 0);
  const before = readProcessStats(receiver.pid);
  const generatorBefore = process.cpuUsage();
  const outcome = await sendRound(receiver.writeUrl, receiver.headers, load);
  const generator = process.cpuUsage(generatorBefore);
  const after = readProcessStats(receiver.pid);
  const acceptedAfter = requireMetric(await receiver.scrapeMetrics(), accepted, receiver.kind, acceptedBefore);
  const run: IngestRun = {
    receiver: label,
    round,
    wallSeconds: outcome.wallSeconds,
    samplesSent: load.samples,
    samplesAccepted: acceptedAfter - acceptedBefore,
    requests: outcome.requests,
    failedRequests: outcome.requests - outcome.okRequests,
    receiverCpuSeconds: after.cpuSeconds - before.cpuSeconds,
    generatorCpuSeconds: (generator.user + generator.system) / 1e6,
  };
  return { run, outcome };
}

/** The receiver's RSS, peak RSS, reported heap, active series and store bytes now. */
export async function memorySnapshot(receiver: Receiver): Promise<MemorySnapshot> {
  const refs = RECEIVER_METRICS[receiver.kind];
  const text = await receiver.scrapeMetrics();
  const stats = readProcessStats(receiver.pid);
  const value = (ref: MetricRef | null): number | null => (ref === null ? null : metricValue(text, ref.name, ref.labels));
  return { rssBytes: stats.rssBytes, peakRssBytes: stats.peakRssBytes, heapBytes: value(refs.heapBytes), activeSeries: value(refs.activeSeries), storeBytes: value(refs.storeBytes) };
}

/**
 * The value of `ref` in `text`. prom-client exposes a labelled counter only once it was incremented,
 * so a missing counter counts as 0 while its `previous` value was 0; after that it is an error.
 */
function requireMetric(text: string, ref: MetricRef, kind: ReceiverKind, previous: number): number {
  const value = metricValue(text, ref.name, ref.labels);
  if (value !== null) return value;
  if (previous === 0) return 0;
  throw new Error(`${kind} /metrics has no ${ref.name}${JSON.stringify(ref.labels ?? {})} after a round of remote writes`);
}
