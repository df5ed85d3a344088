/**
 * Delivers finding events and operational alerts' events to the generic webhook: a bounded in-memory
 * queue (over the bound the oldest delivery is dropped, counted and logged) drained by one worker, in
 * order, so a receiver sees a finding's `opened` (an alert's `operational.raised`) before its
 * `resolved` (`operational.resolved`). Each delivery keeps its `X-Shiftguard-Delivery` id and
 * body across retries; every attempt is signed afresh ({@link signWebhook}). Transient failures are
 * retried with full-jitter backoff ({@link retryDelayMs}); see {@link classifyAttempt}.
 */
import type { AlertLogger, RecordDelivery } from './delivery-metrics.js';
import { postJson } from './post-json.js';
import { DEFAULT_BACKOFF, classifyAttempt, describeOutcome, retryDelayMs } from './retry-policy.js';
import type { BackoffPolicy } from './retry-policy.js';
import { operationalSubject } from './operational-alerts.js';
import type { WebhookEvent, WebhookEventKind } from './webhook-events.js';
import { webhookBody } from './webhook-payload.js';
import { signWebhook } from './webhook-signature.js';

/** Deliveries queued at most by default. */
export const DEFAULT_WEBHOOK_QUEUE_LIMIT = 1000;

/** Waits `ms`; resolves early (never rejects) when `signal` aborts. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** What the sink needs. */
export interface WebhookSinkOptions {
  readonly url: string;
  /** HMAC key. */
  readonly secret: string;
  readonly timeoutMs: number;
  /** Attempts per delivery, the first included. */
  readonly maxAttempts: number;
  /** Queue bound (default {@link DEFAULT_WEBHOOK_QUEUE_LIMIT}). */
  readonly queueLimit?: number;
  readonly backoff?: BackoffPolicy;
  readonly logger: AlertLogger;
  readonly record: RecordDelivery;
  /** Epoch ms: `sentAt`, `X-Shiftguard-Timestamp`, and whether a retry fits before the shutdown deadline. */
  readonly now: () => number;
  readonly fetch: typeof fetch;
  /** Uniform in [0, 1), for the jitter. */
  readonly random: () => number;
  readonly sleep?: Sleep;
  /** A new `X-Shiftguard-Delivery` id (default: a random UUID). */
  readonly newDeliveryId?: () => string;
}

/** The running sink. */
export interface WebhookSink {
  /** Queues one event; delivery starts at once when started. */
  enqueue(event: WebhookEvent): void;
  /** Starts the worker. */
  start(): void;
  /**
   * Delivers what it can until `deadlineAtMs` (on the `now` clock): retries whose wait would end after
   * it are given up; when `signal` aborts, the attempt in flight is cut and whatever is still queued is
   * dropped (counted and logged).
   */
  stop(deadlineAtMs: number, signal: AbortSignal): Promise<void>;
  /** Deliveries queued, the one in progress excluded. */
  readonly queued: number;
}

interface Delivery {
  readonly id: string;
  readonly event: WebhookEventKind;
  /** What the event is about, for logs: `{ finding: id }` or `{ alert: 'Name/key' }`. */
  readonly about: { readonly finding: string } | { readonly alert: string };
  readonly body: string;
}

/** Creates the sink; nothing is sent before `start` (or `stop`, which flushes). */
export function createWebhookSink(options: WebhookSinkOptions): WebhookSink {
  const queueLimit = options.queueLimit ?? DEFAULT_WEBHOOK_QUEUE_LIMIT;
  const sleep = options.sleep ?? abortableSleep;
  const newId = options.newDeliveryId ?? (() => crypto.randomUUID());
  const shutdown = new AbortController();
  const queue: Delivery[] = [];
  let started = false;
  let stopping = false;
  let deadlineAtMs = Number.POSITIVE_INFINITY;
  let worker: Promise<void> | null = null;

  const describe = (d: Delivery): object => ({ delivery: d.id, event: d.event, ...d.about, url: options.url });

  const drop = (d: Delivery, why: string): void => {
    options.record('webhook', 'dropped');
    const subject = 'finding' in d.about ? `finding ${d.about.finding}` : `alert ${d.about.alert}`;
    options.logger.error(describe(d), `webhook delivery ${d.id} (${d.event} of ${subject}) dropped: ${why}`);
  };

  const kick = (): void => {
    if (worker !== null || (!started && !stopping) || shutdown.signal.aborted) return;
    worker = drain()
      .catch((error: unknown) => options.logger.error({ err: error }, 'webhook worker failed unexpectedly'))
      .finally(() => {
        worker = null;
        if (queue.length > 0 && !shutdown.signal.aborted) kick();
      });
  };

  async function drain(): Promise<void> {
    while (!shutdown.signal.aborted) {
      const next = queue.shift();
      if (next === undefined) return;
      await deliver(next);
    }
  }

  async function deliver(d: Delivery): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (shutdown.signal.aborted) return drop(d, 'shutdown deadline passed');
      const outcome = await attemptOnce(d);
      const verdict = classifyAttempt(outcome);
      if (verdict === 'delivered') {
        options.record('webhook', 'ok');
        options.logger.debug?.({ ...describe(d), attempt }, 'webhook delivered');
        return;
      }
      options.record('webhook', 'error');
      const problem = describeOutcome(outcome);
      if (verdict === 'give_up') return drop(d, `the receiver answered ${problem}, which is not retried`);
      if (attempt >= options.maxAttempts) return drop(d, `all ${options.maxAttempts} attempts failed, the last with ${problem}`);
      const waitMs = retryDelayMs(attempt, outcome, options.random, options.backoff ?? DEFAULT_BACKOFF);
      if (options.now() + waitMs > deadlineAtMs) return drop(d, `attempt ${attempt} failed with ${problem} and a retry would end after the shutdown deadline`);
      options.logger.warn({ ...describe(d), attempt, problem, retryInMs: waitMs }, `webhook delivery failed (${problem}); attempt ${attempt + 1} of ${options.maxAttempts} in ${waitMs} ms`);
      await sleep(waitMs, shutdown.signal);
    }
  }

  function attemptOnce(d: Delivery) {
    const nowMs = options.now();
    const timestamp = Math.floor(nowMs / 1000);
    const headers = {
      'X-Shiftguard-Event': d.event,
      'X-Shiftguard-Delivery': d.id,
      'X-Shiftguard-Timestamp': String(timestamp),
      'X-Shiftguard-Signature': signWebhook(options.secret, timestamp, d.body),
    };
    const timeoutMs = Math.max(1, Math.min(options.timeoutMs, deadlineAtMs - nowMs));
    return postJson(options.fetch, { url: options.url, body: d.body, headers, timeoutMs, signal: shutdown.signal, nowMs });
  }

  return {
    enqueue(event) {
      const about = 'finding' in event ? { finding: event.finding.id } : { alert: operationalSubject(event.alert) };
      const delivery: Delivery = { id: newId(), event: event.kind, about, body: webhookBody(event, options.now()) };
      if (shutdown.signal.aborted) return drop(delivery, 'raised after shutdown');
      queue.push(delivery);
      while (queue.length > queueLimit) {
        const oldest = queue.shift();
        if (oldest !== undefined) drop(oldest, `the queue holds more than ${queueLimit} deliveries (the receiver is slow or down); dropped the oldest`);
      }
      kick();
    },
    start() {
      started = true;
      kick();
    },
    async stop(deadline, signal) {
      stopping = true;
      deadlineAtMs = deadline;
      const abort = (): void => shutdown.abort();
      signal.addEventListener('abort', abort, { once: true });
      if (signal.aborted) abort();
      kick();
      try {
        while (worker !== null) await worker;
      } finally {
        signal.removeEventListener('abort', abort);
        shutdown.abort();
        const left = queue.splice(0);
        for (const d of left) drop(d, 'still queued at shutdown');
      }
    },
    get queued() {
      return queue.length;
    },
  };
}

/** `setTimeout` as a promise that resolves early when `signal` aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
