/**
 * What the soak prints: a progress line every 10 s (stderr) and the final figures with one PASS or
 * FAIL line per property (stdout).
 */
import type { SoakCheck, SoakFigures } from './soak-figures.js';
import type { SoakPlan } from './soak-plan.js';
import type { DeliveryTally } from './soak-sender.js';
import type { ServeReading } from './soak-watch.js';

/** A moment of the load for the progress line: the senders' tallies and the latest reading of `serve`. */
export interface ProgressPoint {
  readonly atMs: number;
  readonly offeredSamples: number;
  readonly remoteWrite: Readonly<DeliveryTally>;
  readonly otlp: Readonly<DeliveryTally>;
  readonly reading: ServeReading | null;
}

/** One progress line: rates since the previous point, answers so far, memory, evaluations and lag of the latest reading. */
export function formatProgress(startMs: number, previous: ProgressPoint, point: ProgressPoint): string {
  const seconds = Math.max(0.001, (point.atMs - previous.atMs) / 1000);
  const rate = (now: number, before: number): string => compact((now - before) / seconds);
  const t = point.remoteWrite;
  const o = point.otlp;
  const answers = `2xx ${t.ok + o.ok}, 503 ${t.overloaded + o.overloaded} (${t.overloadedWithRetryAfter + o.overloadedWithRetryAfter} with Retry-After), other ${countOther(t) + countOther(o)}, no answer ${t.noAnswer + o.noAnswer}`;
  const r = point.reading;
  const serve =
    r === null
      ? 'no reading of serve yet'
      : `RSS ${mb(r.rssBytes)} MB (peak ${mb(r.peakRssBytes)}), store ${mb(r.storeBytes)} MB, ${r.evaluationsOk + r.evaluationsError} evaluations, lag max ${r.lagMaxSeconds?.toFixed(3) ?? '-'} s`;
  return (
    `soak +${((point.atMs - startMs) / 1000).toFixed(0)} s: offered ${rate(point.offeredSamples, previous.offeredSamples)}/s, ` +
    `accepted remote-write ${rate(t.samplesAccepted, previous.remoteWrite.samplesAccepted)}/s, OTLP ${rate(o.samplesAccepted, previous.otlp.samplesAccepted)}/s; ${answers}; ${serve}`
  );
}

/** The final figures and the PASS/FAIL lines. */
export function formatSoakReport(plan: SoakPlan, f: SoakFigures, checks: readonly SoakCheck[]): string {
  const rows = [
    ['protocol', 'offered/s', 'sent/s', 'accepted/s', 'requests', '2xx', '503', '503 with Retry-After', 'other', 'no answer (resent)', 'samples skipped', 'abandoned', 'accepted = stored'],
    protocolRow('remote-write', f.remoteWrite, f.loadSeconds),
    protocolRow('OTLP', f.otlp, f.loadSeconds),
  ];
  const m = f.memory;
  const lines = [
    `\nsoak of shiftguard serve: ${f.loadSeconds.toFixed(0)} s at ${plan.multiplier}x the benchmark's sustained rate (${plan.baseSamplesPerSecond.toFixed(0)} samples/s) = ${plan.offeredSamplesPerSecond.toFixed(0)} remote-write samples/s offered`,
    `  ${plan.series} series over ${plan.shards} remote-write shards (one request in flight each, 503 -> wait Retry-After, resend the same batch) + ${f.concurrency - plan.shards} OTLP exporters`,
    formatTable(rows),
    `\nmemory: RSS idle ${mb(m.idleRssBytes)} MB, peak ${mb(m.peakRssBytes)} MB (VmHWM); budget ${mb(m.budgetBytes)} MB + allowance ${mb(m.allowanceBytes)} MB = ${mb(m.budgetBytes + m.allowanceBytes)} MB; ` +
      `series store at most ${mb(m.maxStoreBytes)} MB (shiftguard_series_store_bytes) for ${m.activeSeries} active series (pushed: ${plan.series} remote-write series, plus the OTLP instances' series)`,
    `event loop: ${f.lag === null ? 'lag not exposed' : `largest delay ${f.lag.maxSeconds.toFixed(3)} s, median of the per-second p99 ${f.lag.medianP99Seconds.toFixed(3)} s`}`,
    `detection: ${f.cadence.evaluations} evaluations in ${f.loadSeconds.toFixed(0)} s = ${f.cadence.perMinute.toFixed(1)}/min (configured: ${f.cadence.sliceMs / 1000} s slices, one evaluation every ${f.cadence.periodMs / 1000} s = ${f.cadence.expectedPerMinute.toFixed(0)}/min); ` +
      `largest gap ${(f.cadence.maxGapMs / 1000).toFixed(1)} s (limit ${(f.cadenceLimitMs / 1000).toFixed(1)} s); ${f.evaluationErrors} failed; ${f.meanAnalysisSeconds === null ? 'no analysis timed' : `mean analysis ${f.meanAnalysisSeconds.toFixed(2)} s`}`,
    `serve's counters over the load: ${f.serverOverloaded} overload 503s (${Object.entries(f.serverOverloadedByReason).map(([reason, n]) => `${reason} ${n}`).join(', ')}), ${f.serverRejected} samples rejected, ${f.serverFailedPushes} pushes refused; ${f.watchFailures} readings of /metrics failed`,
    ...[f.remoteWrite.tally, f.otlp.tally].flatMap((t) => [t.firstOther, t.firstNoAnswer].filter((text): text is string => text !== null).map((text) => `first unexpected answer: ${text}`)),
    '',
    ...checks.map((c) => `${c.ok ? 'PASS' : 'FAIL'}: ${c.name}: ${c.detail}`),
  ];
  return lines.join('\n');
}

function protocolRow(name: string, p: SoakFigures['remoteWrite'], seconds: number): string[] {
  const t = p.tally;
  return [
    name,
    compact(p.offeredSamples / seconds),
    compact(t.samplesSent / seconds),
    compact(t.samplesAccepted / seconds),
    String(t.requests),
    String(t.ok),
    String(t.overloaded),
    String(t.overloadedWithRetryAfter),
    String(countOther(t)),
    String(t.noAnswer),
    String(t.samplesSkipped),
    String(t.samplesAbandoned),
    `${t.samplesAccepted} = ${p.ingestedSamples}`,
  ];
}

function countOther(t: Readonly<DeliveryTally>): number {
  return Object.values(t.other).reduce((a, b) => a + b, 0);
}

/** Left-aligned first column, right-aligned numbers, two spaces between columns, a rule under the header. */
function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const render = (row: readonly string[]): string => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  const [header, ...body] = rows;
  return [render(header ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(render)].join('\n');
}

/** A rate with a k/M suffix: 812345 → "812.3k". */
export function compact(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  return value.toFixed(0);
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
