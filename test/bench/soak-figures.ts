/**
 * The soak's figures and the properties it checks, computed from what the senders counted, the
 * readings of `serve`'s `/metrics` and `/proc`, the read-back and the checks after the load. Pure:
 * the bench prints them and the end-to-end test asserts them.
 */
import type { ReadbackResult } from './soak-readback.js';
import type { DeliveryTally } from './soak-sender.js';
import type { ServeReading } from './soak-watch.js';

/** `serve`'s push limit on concurrent requests (`INGEST.maxInFlight` in `src/main.ts`): more concurrent pushes than this must see 503s. */
export const SERVE_MAX_IN_FLIGHT = 32;
/** How far behind `serve`'s event loop may be before it refuses pushes, ms (`INGEST.maxEventLoopDelayMs` in `src/main.ts`). */
export const SERVE_MAX_EVENT_LOOP_DELAY_MS = 1000;

/** One protocol's figures over the load. */
export interface ProtocolFigures {
  /** Samples the load offered (due during the load), sent or not. */
  readonly offeredSamples: number;
  readonly tally: DeliveryTally;
  /** Growth of `shiftguard_samples_ingested_total{protocol}` over the load. */
  readonly ingestedSamples: number;
}

/** Detection's cadence over the load, from the evaluations counter. */
export interface Cadence {
  readonly sliceMs: number;
  /** Evaluations (both outcomes) counted during the load. */
  readonly evaluations: number;
  readonly perMinute: number;
  /** Time between evaluations `serve` is configured for, ms (see {@link evaluationPeriodMs}). */
  readonly periodMs: number;
  readonly expectedPerMinute: number;
  /** Largest time between two readings that saw the counter grow (the load's start and end count as such), ms; resolution: the watch interval. */
  readonly maxGapMs: number;
}

/** What one push after the load came to. */
export interface FreshPush {
  readonly status: number;
  readonly samples: number;
  /** Growth of the protocol's ingested counter it caused. */
  readonly ingestedSamples: number;
}

/** Everything the checks and the printed figures are made of. */
export interface SoakFigures {
  readonly loadSeconds: number;
  /** Concurrent pushers: remote-write shards plus OTLP exporters. */
  readonly concurrency: number;
  readonly remoteWrite: ProtocolFigures;
  readonly otlp: ProtocolFigures;
  /** Growth over the load of `shiftguard_ingest_overloaded_total`, `_samples_rejected_total` and `_ingest_requests_failed_total`. */
  readonly serverOverloaded: number;
  /** The same by reason. */
  readonly serverOverloadedByReason: Readonly<Record<string, number>>;
  readonly serverRejected: number;
  readonly serverFailedPushes: number;
  readonly memory: {
    readonly budgetBytes: number;
    /** Allowance over the budget for Node itself (see {@link RSS_ALLOWANCE_BYTES}). */
    readonly allowanceBytes: number;
    readonly idleRssBytes: number;
    readonly peakRssBytes: number;
    readonly maxStoreBytes: number;
    readonly activeSeries: number;
  };
  readonly lag: { readonly maxSeconds: number; readonly medianP99Seconds: number } | null;
  readonly cadence: Cadence;
  readonly cadenceLimitMs: number;
  readonly evaluationErrors: number;
  /** Mean time of one analysis during the load (`shiftguard_detection_run_duration_seconds`), seconds; null when none ran. */
  readonly meanAnalysisSeconds: number | null;
  readonly readback: ReadbackResult | { readonly error: string };
  readonly referenceRejected: number;
  readonly after: { readonly readyzStatus: number; readonly remoteWrite: FreshPush; readonly otlp: FreshPush };
  /** Readings whose `/metrics` did not answer. */
  readonly watchFailures: number;
}

/**
 * Memory `serve` may use beyond its series store's budget: Node's own baseline (about 100 MB idle:
 * code, JIT, the V8 heap of an empty service) and headroom for the heap, the request bodies in
 * flight and detection's working set. Peak RSS must stay under budget + allowance.
 */
export const RSS_ALLOWANCE_BYTES = 256 << 20;

/**
 * Time between two evaluations of a monitored upgrade, ms, as `serve`'s monitor schedules them
 * (`src/monitor/upgrade-monitor.ts`): a slice is evaluated `monitoring.delay` plus 1 s (clock skew)
 * after it ends, on the newest complete slice; so one per slice when slices are longer than 1 s,
 * and with 1 s slices every other slice.
 */
export function evaluationPeriodMs(sliceMs: number): number {
  return sliceMs + Math.floor(1000 / sliceMs) * sliceMs;
}

/**
 * The largest gap between evaluations the cadence check allows, ms: two periods (an evaluation that
 * takes longer than a period is followed by one on the newest slice, not by one per slice missed),
 * plus the event-loop delay beyond which `serve` refuses pushes (1 s: the evaluation's timer may be
 * that late), plus the watch's resolution (it reads the counter once a second).
 */
export function cadenceLimitMs(sliceMs: number, maxEventLoopDelayMs: number, watchIntervalMs: number): number {
  return 2 * evaluationPeriodMs(sliceMs) + maxEventLoopDelayMs + watchIntervalMs;
}

/**
 * Evaluations during (fromMs, toMs] and the largest gap between readings that saw the counter grow
 * (the window's edges count as such); counted from the last reading at or before `fromMs`, else
 * from the first one in the window.
 */
export function detectionCadence(readings: readonly ServeReading[], fromMs: number, toMs: number, sliceMs: number): Cadence {
  const count = (r: ServeReading): number => r.evaluationsOk + r.evaluationsError;
  const inLoad = readings.filter((r) => r.atMs > fromMs && r.atMs <= toMs);
  const before = readings.filter((r) => r.atMs <= fromMs).at(-1) ?? inLoad[0];
  const start = before === undefined ? 0 : count(before);
  let previous = start;
  const grewAt: number[] = [];
  for (const r of inLoad) {
    if (count(r) > previous) grewAt.push(r.atMs);
    previous = Math.max(previous, count(r));
  }
  const marks = [fromMs, ...grewAt, toMs];
  const maxGapMs = Math.max(...marks.slice(1).map((t, i) => t - (marks[i] as number)));
  const evaluations = previous - start;
  const minutes = (toMs - fromMs) / 60_000;
  const periodMs = evaluationPeriodMs(sliceMs);
  return { sliceMs, evaluations, perMinute: minutes > 0 ? evaluations / minutes : 0, periodMs, expectedPerMinute: 60_000 / periodMs, maxGapMs };
}

/** Largest event-loop delay over the readings and the median of their 99th percentiles, seconds; null when `serve` does not expose them. */
export function eventLoopLag(readings: readonly ServeReading[]): SoakFigures['lag'] {
  const max = readings.map((r) => r.lagMaxSeconds).filter((v): v is number => v !== null);
  const p99 = readings
    .map((r) => r.lagP99Seconds)
    .filter((v): v is number => v !== null)
    .sort((a, b) => a - b);
  if (max.length === 0 || p99.length === 0) return null;
  return { maxSeconds: Math.max(...max), medianP99Seconds: p99[Math.floor(p99.length / 2)] as number };
}

/** One property of the soak and whether it held. */
export interface SoakCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** The soak's properties (see the README of the bench), in the order they are printed. */
export function soakChecks(f: SoakFigures): SoakCheck[] {
  const protocols = [f.remoteWrite, f.otlp];
  const overloaded = protocols.reduce((n, p) => n + p.tally.overloaded, 0);
  const withRetryAfter = protocols.reduce((n, p) => n + p.tally.overloadedWithRetryAfter, 0);
  const others = protocols.flatMap((p) => Object.entries(p.tally.other));
  const noAnswer = protocols.reduce((n, p) => n + p.tally.noAnswer, 0);
  const overloadExpected = f.concurrency > SERVE_MAX_IN_FLIGHT;
  const limit = f.memory.budgetBytes + f.memory.allowanceBytes;
  const readback = f.readback;
  return [
    {
      name: 'overload is answered 503',
      ok: overloaded > 0 || !overloadExpected,
      detail: `${overloaded} answers 503 to ${f.concurrency} concurrent pushers (serve admits ${SERVE_MAX_IN_FLIGHT} at once)${overloadExpected ? '' : '; no overload expected'}`,
    },
    { name: 'every 503 carries Retry-After', ok: withRetryAfter === overloaded, detail: `${withRetryAfter} of ${overloaded}` },
    { name: 'serve counted the same 503s', ok: f.serverOverloaded === overloaded, detail: `shiftguard_ingest_overloaded_total grew by ${f.serverOverloaded}, senders got ${overloaded}` },
    {
      name: 'no other answer than 2xx and 503',
      ok: others.length === 0,
      detail: `${others.length === 0 ? 'none' : others.map(([status, n]) => `${n}x ${status}`).join(', ')}; ${noAnswer} request(s) got no answer (connection reset) and were resent after Prometheus' back-off`,
    },
    {
      name: 'every sample answered 2xx was stored (counters)',
      ok: protocols.every((p) => p.tally.samplesAccepted === p.ingestedSamples) && f.serverRejected === 0 && f.serverFailedPushes === 0,
      detail: `remote-write ${f.remoteWrite.tally.samplesAccepted} in 2xx answers, ${f.remoteWrite.ingestedSamples} ingested; OTLP ${f.otlp.tally.samplesAccepted}, ${f.otlp.ingestedSamples}; rejected ${f.serverRejected}, pushes refused ${f.serverFailedPushes}`,
    },
    {
      name: 'every sample answered 2xx was stored (read-back)',
      ok: 'mismatches' in readback && readback.mismatches.length === 0 && readback.groupsWithFigures > 0 && f.referenceRejected === 0,
      detail: 'mismatches' in readback ? `${readback.groups} groups as of ${readback.asOf}, ${readback.groupsWithFigures} with figures, ${readback.mismatches.length} differ${readback.mismatches.length > 0 ? `: ${readback.mismatches[0]}` : ''}` : readback.error,
    },
    {
      name: 'memory stays under its budget',
      ok: f.memory.peakRssBytes <= limit && f.memory.maxStoreBytes <= f.memory.budgetBytes,
      detail: `peak RSS ${mb(f.memory.peakRssBytes)} MB <= ${mb(limit)} MB (budget ${mb(f.memory.budgetBytes)} + allowance ${mb(f.memory.allowanceBytes)}); series store at most ${mb(f.memory.maxStoreBytes)} MB`,
    },
    {
      name: 'detection keeps its cadence',
      ok: f.evaluationErrors === 0 && f.cadence.evaluations > 0 && f.cadence.maxGapMs <= f.cadenceLimitMs,
      detail: `${f.cadence.evaluations} evaluations (${f.cadence.perMinute.toFixed(1)}/min; configured: every ${f.cadence.periodMs / 1000} s = ${f.cadence.expectedPerMinute.toFixed(0)}/min), largest gap ${(f.cadence.maxGapMs / 1000).toFixed(1)} s <= ${(f.cadenceLimitMs / 1000).toFixed(1)} s, ${f.evaluationErrors} failed`,
    },
    {
      name: 'after the load: ready, and a fresh push is stored',
      ok: f.after.readyzStatus === 200 && [f.after.remoteWrite, f.after.otlp].every((p) => p.status >= 200 && p.status < 300 && p.ingestedSamples === p.samples),
      detail: `/readyz ${f.after.readyzStatus}; remote-write ${f.after.remoteWrite.status} (${f.after.remoteWrite.ingestedSamples}/${f.after.remoteWrite.samples} samples stored), OTLP ${f.after.otlp.status} (${f.after.otlp.ingestedSamples}/${f.after.otlp.samples})`,
    },
  ];
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
