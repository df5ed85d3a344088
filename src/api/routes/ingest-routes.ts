/**
 * Push ingest (ingest role): Prometheus remote-write 1.0 at `POST /api/v1/write` and OTLP/HTTP
 * metrics at `POST /v1/metrics`. Decoders map the wire formats to the one ingest model at the edge;
 * the series store keeps what detection needs. Status codes are what senders expect: 400 malformed
 * (never retried), 413 over a limit, 415 unknown type or encoding, 503 with `Retry-After` when
 * overloaded: too many pushes in flight, the store at its memory budget, the event loop behind, or
 * an evaluation of detection overrunning its time (not 429: Prometheus drops data on 429 by default). Every rejected sample is counted.
 */
import type { Context } from 'hono';
import { trace } from '@opentelemetry/api';
import { inSpan } from '../../telemetry/tracing.js';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { IngestError } from '../../ingest/ingest-error.js';
import { decodeRemoteWrite } from '../../ingest/remote-write/decode-remote-write.js';
import { ingestRemoteWrite } from '../../ingest/remote-write/ingest-remote-write.js';
import { decodeOtlpMetrics, encodeOtlpErrorStatus, encodeOtlpResponse } from '../../ingest/otlp/index.js';
import { createMetricTypeMemory } from '../../ingest/remote-write/remote-write-temporality.js';
import type { IngestBatch } from '../../series/model.js';
import { isIndexedSeriesStore } from '../../series/series-store.js';
import type { IngestOutcome, SeriesStore } from '../../series/series-store.js';
import type { OVERLOAD_REASONS, ServiceMetrics } from '../../telemetry/service-metrics.js';
import { errorBody } from '../api-error.js';
import { requireRole } from '../auth.js';
import type { TokenAuth } from '../auth.js';

export interface IngestLimits {
  /** Largest accepted request body as sent (compressed), bytes. */
  readonly maxBodyBytes: number;
  /** Largest accepted decoded body, bytes (checked before decompressing where the format allows). */
  readonly maxDecodedBytes: number;
  /** Most pushes decoded at once; beyond that the service answers 503 with Retry-After. */
  readonly maxInFlight: number;
  /** Store size beyond which pushes are refused with 503 (bytes). */
  readonly memoryBudgetBytes: number;
  /**
   * How far behind the event loop may be before pushes are refused with 503, ms (with
   * {@link IngestRouteDeps.eventLoopDelayMs}). Pushes are decoded one at a time as their bodies
   * arrive, so `maxInFlight` never sees fast senders queueing up: the delay does.
   */
  readonly maxEventLoopDelayMs?: number;
}

export interface IngestRouteDeps {
  readonly auth: TokenAuth;
  readonly store: SeriesStore;
  readonly metrics: ServiceMetrics;
  readonly limits: IngestLimits;
  readonly labels: { readonly instance: string; readonly service: string };
  readonly now: () => number;
  /** How far behind the event loop is now, ms (absent: not checked). */
  readonly eventLoopDelayMs?: () => number;
  /**
   * Whether an evaluation of detection has overrun its time (absent: never). Detection has priority:
   * while it has, pushes are refused with 503 (senders retry; nothing is lost) so that the analysis
   * gets the CPU they would take, and detection keeps its cadence on a saturated machine.
   */
  readonly detectionOverdue?: () => boolean;
  /**
   * Uniform in [0, 1) for the jitter of `Retry-After` (default `Math.random`: a constant value
   * brought every refused sender back at once, into the next refusal; tests pass a fixed one).
   */
  readonly random?: () => number;
}

/** Range of the `Retry-After` of a 503, whole seconds. */
export const RETRY_AFTER_SECONDS = { min: 3, max: 8 } as const;

/** A `Retry-After` value spread over {@link RETRY_AFTER_SECONDS}. */
export function retryAfterSeconds(random: () => number): string {
  const { min, max } = RETRY_AFTER_SECONDS;
  return String(min + Math.min(max - min, Math.floor(random() * (max - min + 1))));
}

type Protocol = 'remote_write' | 'otlp';

/** Mounts the two push endpoints. */
export function mountIngestRoutes(app: OpenAPIHono, deps: IngestRouteDeps): void {
  const random = deps.random ?? Math.random;
  let inFlight = 0;
  // Prometheus sends metric metadata (TYPE) in requests of its own: remember it across requests.
  const metricTypes = createMetricTypeMemory(100_000);
  const guarded = (protocol: Protocol, handle: (c: Context, body: Uint8Array) => Promise<Response>) => async (c: Context) => {
    const overload = overloadReason(deps, inFlight);
    if (overload !== null) {
      deps.metrics.ingestOverloaded.inc({ protocol, reason: overload });
      return c.json(errorBody('overloaded', `${OVERLOAD_MESSAGES[overload]}; retry later`), 503, { 'Retry-After': retryAfterSeconds(random) });
    }
    const declared = Number(c.req.header('content-length') ?? NaN);
    if (declared > deps.limits.maxBodyBytes) return c.json(errorBody('payload_too_large', `body of ${declared} bytes is over ${deps.limits.maxBodyBytes}`), 413);
    inFlight++;
    try {
      const body = new Uint8Array(await c.req.arrayBuffer());
      if (body.length > deps.limits.maxBodyBytes) return c.json(errorBody('payload_too_large', `body of ${body.length} bytes is over ${deps.limits.maxBodyBytes}`), 413);
      return await inSpan(`ingest ${protocol}`, { 'shiftguard.ingest.protocol': protocol, 'http.request.body.size': body.length }, () => handle(c, body));
    } catch (error) {
      if (!(error instanceof IngestError)) throw error;
      deps.metrics.ingestRequestsFailed.inc({ protocol, status: String(error.status) });
      const headers: Record<string, string> = error.status === 503 ? { 'Retry-After': retryAfterSeconds(random) } : {};
      if (protocol === 'otlp') {
        // OTLP wants a google.rpc.Status body in the request's encoding (its JSON form also carries {"error":…}).
        const status = encodeOtlpErrorStatus(error, c.req.header('content-type'));
        return c.body(status.body as never, error.status, { ...headers, 'Content-Type': status.contentType });
      }
      return c.json(errorBody(error.code, error.message), error.status, headers);
    } finally {
      inFlight--;
    }
  };

  app.post(
    '/api/v1/write',
    requireRole(deps.auth, 'ingest'),
    guarded('remote_write', async (c, body) => {
      const headers = {
        contentType: c.req.header('content-type'),
        contentEncoding: c.req.header('content-encoding'),
        remoteWriteVersion: c.req.header('x-prometheus-remote-write-version'),
      };
      const limits = { maxDecodedBytes: deps.limits.maxDecodedBytes };
      // An indexed store finds known series from their label bytes (no label decoding); any other
      // SeriesStore gets the decoded batch.
      if (isIndexedSeriesStore(deps.store)) {
        const outcome = ingestRemoteWrite(body, headers, limits, deps.store, () => deps.now(), metricTypes);
        record(deps, 'remote_write', outcome.series, outcome);
      } else store(deps, 'remote_write', decodeRemoteWrite(body, headers, limits, metricTypes));
      return c.body(null, 204);
    }),
  );

  app.post(
    '/v1/metrics',
    requireRole(deps.auth, 'ingest'),
    guarded('otlp', async (c, body) => {
      const contentType = c.req.header('content-type');
      const result = decodeOtlpMetrics(body, { contentType, contentEncoding: c.req.header('content-encoding') }, { maxDecodedBytes: deps.limits.maxDecodedBytes, labels: deps.labels });
      // The store's rejections include the decoder's (batch.rejected) plus its own (limits, order).
      const outcome = store(deps, 'otlp', result.batch);
      const rejected = [...outcome.values()].reduce((a, b) => a + b, 0);
      const message = rejected > result.rejectedDataPoints ? describeRejections(outcome) : result.errorMessage;
      const response = encodeOtlpResponse({ rejectedDataPoints: rejected, ...(rejected > 0 && message !== undefined ? { errorMessage: message } : {}) }, contentType);
      return c.body(response.body as never, 200, { 'Content-Type': response.contentType });
    }),
  );
}

/** Why a push is refused for overload (the `reason` of `shiftguard_ingest_overloaded_total`). */
export type OverloadReason = (typeof OVERLOAD_REASONS)[number];

const OVERLOAD_MESSAGES: Readonly<Record<OverloadReason, string>> = {
  in_flight: 'too many pushes in flight',
  memory_budget: 'the series store is at its memory budget',
  event_loop: 'the service is behind on its work (event loop delayed)',
  detection: 'detection has overrun its time and has the CPU until it finishes',
};

/** The first limit a push would break now, or null. */
function overloadReason(deps: IngestRouteDeps, inFlight: number): OverloadReason | null {
  if (inFlight >= deps.limits.maxInFlight) return 'in_flight';
  if (deps.store.bytes >= deps.limits.memoryBudgetBytes) return 'memory_budget';
  const max = deps.limits.maxEventLoopDelayMs;
  if (max !== undefined && deps.eventLoopDelayMs !== undefined && deps.eventLoopDelayMs() > max) return 'event_loop';
  if (deps.detectionOverdue?.() === true) return 'detection';
  return null;
}

/** Puts a decoded batch in the store and counts what was accepted and rejected. */
function store(deps: IngestRouteDeps, protocol: Protocol, batch: IngestBatch): Map<string, number> {
  const outcome = deps.store.ingest(batch, deps.now());
  record(deps, protocol, batch.series.length, outcome);
  return outcome.rejected;
}

/** Counts what one push stored and rejected, in the metrics and on the active span. */
function record(deps: IngestRouteDeps, protocol: Protocol, series: number, outcome: IngestOutcome): void {
  trace.getActiveSpan()?.setAttributes({
    'shiftguard.ingest.series': series,
    'shiftguard.ingest.samples_accepted': outcome.acceptedSamples,
    'shiftguard.ingest.samples_rejected': [...outcome.rejected.values()].reduce((a, b) => a + b, 0),
  });
  deps.metrics.samplesIngested.inc({ protocol }, outcome.acceptedSamples);
  for (const [reason, n] of outcome.rejected) deps.metrics.samplesRejected.inc({ protocol, reason }, n);
}

function describeRejections(rejected: ReadonlyMap<string, number>): string {
  return [...rejected].map(([reason, n]) => `${n} ${reason}`).join(', ');
}
