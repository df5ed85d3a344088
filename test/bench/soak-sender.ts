/**
 * How the soak's senders deliver a request: as Prometheus' remote-write queue manager and the
 * OpenTelemetry OTLP exporters do, a 503 is retried with the same body after the wait its
 * `Retry-After` header asks for (Prometheus: `RecoverableError` with `retryAfter`); without the
 * header after Prometheus' own back-off (30 ms doubling to 5 s). A request that got no answer (the
 * connection was reset or refused) is recoverable for Prometheus too: resent after the back-off,
 * and counted apart. A 2xx delivers; any other answer is a failure, counted and not retried. Every
 * answer is tallied by status, and every 503 by whether it carried a usable `Retry-After`.
 */
import { request } from 'node:http';
import type { Agent } from 'node:http';

/** One answer to a POST. */
export interface Answer {
  /** HTTP status; 0 when no answer came (connection error, timeout). */
  readonly status: number;
  /** The `Retry-After` header, or null. */
  readonly retryAfter: string | null;
  /** Start of the answer's body (or the connection error), for the report. */
  readonly text: string;
}

/** Counts of one protocol's requests and samples. */
export interface DeliveryTally {
  /** Requests sent, first sends and resends. */
  requests: number;
  ok: number;
  overloaded: number;
  /** 503s whose `Retry-After` was a usable delay. */
  overloadedWithRetryAfter: number;
  /** Any other answer, by status. */
  readonly other: Record<string, number>;
  /** First other answer, for the report. */
  firstOther: string | null;
  /** Requests that got no answer (connection reset, refused, timed out), each resent. */
  noAnswer: number;
  /** First of those, for the report. */
  firstNoAnswer: string | null;
  /** Samples in batches sent at least once. */
  samplesSent: number;
  /** Samples in requests answered 2xx. */
  samplesAccepted: number;
  /** Samples of batches still waiting to be resent (after a 503) when the load stopped. */
  samplesAbandoned: number;
  /** Samples of batches that got another answer than 2xx or 503. */
  samplesFailed: number;
  /** Samples the sender never sent: it fell behind and skipped to the newest batch. */
  samplesSkipped: number;
}

/** A tally at zero. */
export function emptyTally(): DeliveryTally {
  return { requests: 0, ok: 0, overloaded: 0, overloadedWithRetryAfter: 0, other: {}, firstOther: null, noAnswer: 0, firstNoAnswer: null, samplesSent: 0, samplesAccepted: 0, samplesAbandoned: 0, samplesFailed: 0, samplesSkipped: 0 };
}

/** Prometheus' remote-write back-off when a 503 carries no usable `Retry-After`: 30 ms, doubling, at most 5 s. */
export const FALLBACK_BACKOFF_MS = { first: 30, max: 5000 } as const;

/**
 * The wait a `Retry-After` value asks for, ms: delay-seconds (`"5"`) or an HTTP-date (RFC 9110
 * §10.2.3), measured from `nowMs` and never negative; null when absent or unreadable.
 */
export function retryAfterMs(header: string | null, nowMs: number): number | null {
  if (header === null) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const dateMs = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isFinite(dateMs) ? Math.max(0, dateMs - nowMs) : null;
}

/** What delivering one batch came to. */
export type DeliveryOutcome = 'accepted' | 'abandoned' | 'failed';

/** What {@link deliver} needs. */
export interface DeliverDeps {
  /** Sends the body; resolves with the answer (never rejects). */
  readonly post: (body: Uint8Array) => Promise<Answer>;
  /** Waits `ms` or until the load stops; resolves false when it stopped. */
  readonly wait: (ms: number) => Promise<boolean>;
  readonly now: () => number;
}

/**
 * Sends `body` (`samples` samples) until it is answered 2xx, waiting out each 503 as the answer asks
 * (and each missing answer as Prometheus' back-off says) and resending the same bytes; gives up on
 * any other answer, or when the load stops during a wait. Counts everything in `tally`.
 */
export async function deliver(deps: DeliverDeps, body: Uint8Array, samples: number, tally: DeliveryTally): Promise<DeliveryOutcome> {
  tally.samplesSent += samples;
  let backoffMs: number = FALLBACK_BACKOFF_MS.first;
  for (;;) {
    const next = tallyAnswer(await deps.post(body), tally, deps.now());
    if (next === 'accepted') {
      tally.samplesAccepted += samples;
      return 'accepted';
    }
    if (next === 'failed') {
      tally.samplesFailed += samples;
      return 'failed';
    }
    const waitMs = next ?? backoffMs;
    if (next === null) backoffMs = Math.min(FALLBACK_BACKOFF_MS.max, backoffMs * 2);
    if (!(await deps.wait(waitMs))) {
      tally.samplesAbandoned += samples;
      return 'abandoned';
    }
  }
}

/** Counts `answer` in `tally` and says what comes next: delivered, failed, or a wait (ms from `Retry-After`, or null: back off). */
function tallyAnswer(answer: Answer, tally: DeliveryTally, nowMs: number): 'accepted' | 'failed' | number | null {
  tally.requests++;
  if (answer.status >= 200 && answer.status < 300) {
    tally.ok++;
    return 'accepted';
  }
  if (answer.status === 0) {
    tally.noAnswer++;
    tally.firstNoAnswer ??= answer.text.slice(0, 300);
    return null;
  }
  if (answer.status !== 503) {
    const key = String(answer.status);
    tally.other[key] = (tally.other[key] ?? 0) + 1;
    tally.firstOther ??= `${key}: ${answer.text.slice(0, 300)}`;
    return 'failed';
  }
  tally.overloaded++;
  const waitMs = retryAfterMs(answer.retryAfter, nowMs);
  if (waitMs !== null) tally.overloadedWithRetryAfter++;
  return waitMs;
}

/** Longest wait for one answer, ms (a hang guard: an answer this late is a failure). */
const REQUEST_TIMEOUT_MS = 60_000;

/**
 * A POST function over `agent` to `url` with `headers` (a bearer token, content type and encoding):
 * resolves with the status, the `Retry-After` header and the start of the body; status 0 when no
 * answer came.
 */
export function poster(agent: Agent, url: string, headers: Readonly<Record<string, string>>): (body: Uint8Array) => Promise<Answer> {
  return (body) =>
    new Promise((resolve) => {
      const req = request(url, { method: 'POST', agent, headers: { ...headers, 'Content-Length': String(body.length) }, timeout: REQUEST_TIMEOUT_MS }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const retryAfter = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, retryAfter: typeof retryAfter === 'string' ? retryAfter : null, text: Buffer.concat(chunks).toString('utf8').slice(0, 500) });
        });
        res.on('error', (error) => resolve({ status: 0, retryAfter: null, text: error.message }));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', (error) => resolve({ status: 0, retryAfter: null, text: error.message }));
      req.end(body);
    });
}

/** A stop signal for the load: waits that end early when it is raised. */
export interface LoadStop {
  readonly stopped: boolean;
  /** Waits `ms`; resolves false when the load stopped first (or had stopped). */
  wait(ms: number): Promise<boolean>;
  stop(): void;
}

/** Creates a {@link LoadStop} (real timers). */
export function createLoadStop(): LoadStop {
  let stopped = false;
  const waiting = new Set<() => void>();
  return {
    get stopped() {
      return stopped;
    },
    wait(ms) {
      if (stopped) return Promise.resolve(false);
      return new Promise((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          waiting.delete(wake);
          resolve(false);
        };
        const timer = setTimeout(() => {
          waiting.delete(wake);
          resolve(!stopped);
        }, ms);
        waiting.add(wake);
      });
    },
    stop() {
      stopped = true;
      for (const wake of [...waiting]) wake();
    },
  };
}
