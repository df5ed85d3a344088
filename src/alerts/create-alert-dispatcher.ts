/**
 * The alert dispatcher: what the service calls after each evaluation, and what the tuner calls about
 * its own troubles. It fans the open and resolved findings, and the operational alerts raised and
 * cleared, out to the configured sinks (Alertmanager v2, the signed webhook), owns their timers, and
 * never throws into nor blocks its callers: `sync`, `raise` and `clear` only update in-memory state
 * and queue work; the HTTP happens in the background.
 */
import type { Registry } from 'prom-client';
import type { FindingRecord } from '../store/state-store.js';
import type { AlertsConfig } from './alerts-config.js';
import { resolveWebhookSecret } from './alerts-config.js';
import { createAlertmanagerSink } from './alertmanager-sink.js';
import type { AlertmanagerSink } from './alertmanager-sink.js';
import { registerDeliveryCounter } from './delivery-metrics.js';
import type { AlertLogger, AlertSink, RecordDelivery } from './delivery-metrics.js';
import type { BackoffPolicy } from './retry-policy.js';
import { createOperationalRegistry, operationalSubject } from './operational-alerts.js';
import type { OperationalAlert } from './operational-alerts.js';
import { createFindingEventTracker } from './webhook-events.js';
import { createWebhookSink } from './webhook-sink.js';
import type { Sleep, WebhookSink } from './webhook-sink.js';

/** Default of {@link AlertDispatcher.stop}'s deadline. */
export const DEFAULT_STOP_DEADLINE_MS = 5000;
/** Time the sinks get after the deadline to count and log what they drop. */
const STOP_GRACE_MS = 500;

/** What {@link createAlertDispatcher} needs; everything after `logger` is optional. */
export interface AlertDispatcherOptions {
  readonly config: AlertsConfig;
  /** Where the webhook secret is read from (`config.webhook.secret.env`). */
  readonly env: NodeJS.ProcessEnv;
  readonly logger: AlertLogger;
  /** The service's registry; `shiftguard_alert_deliveries_total` is registered on it. */
  readonly registry?: Registry;
  /** Epoch ms (default `Date.now`). */
  readonly now?: () => number;
  readonly fetch?: typeof fetch;
  /**
   * Uniform in [0, 1) for the retry jitter (default `Math.random`: jitter exists to decorrelate the
   * retries of independent senders, which one fixed seed in every replica would defeat; tests pass a
   * seeded generator).
   */
  readonly random?: () => number;
  /** Waits between webhook attempts (default: `setTimeout`). */
  readonly sleep?: Sleep;
  /** Webhook backoff (default base 1 s, cap 60 s). */
  readonly webhookBackoff?: BackoffPolicy;
  /** Webhook deliveries queued at most (default 1000). */
  readonly webhookQueueLimit?: number;
  /** `X-Shiftguard-Delivery` ids (default: random UUIDs). */
  readonly newDeliveryId?: () => string;
}

/** The dispatcher. */
export interface AlertDispatcher {
  /** Whether any sink is configured (when false, every method is a cheap no-op). */
  readonly enabled: boolean;
  /**
   * After each evaluation: `open` is every finding open now, across all upgrades (a finding missing
   * from it resolves); `resolved` the findings resolved since the last call (their `resolvedAtMs` is
   * used as the resolve time; may be empty). Returns at once; never throws.
   */
  sync(open: readonly FindingRecord[], resolved?: readonly FindingRecord[]): void;
  /**
   * Raises (or refreshes) an operational alert; idempotent per (name, key). Returns at once; never
   * throws (a malformed alert is logged as an error and ignored). Alertmanager gets it in every POST
   * from now on; the webhook gets `operational.raised` on the first raise, and again only when the
   * summary, severity or labels changed (a new description alone is not announced, so a caller may
   * re-raise on every cycle without spamming receivers). After `stop`, a no-op.
   */
  raise(alert: OperationalAlert): void;
  /**
   * Resolves the operational alert (name, key): Alertmanager gets it with `endsAt` = now, the webhook
   * `operational.resolved`. A no-op when it is not active, and after `stop`. Returns at once; never throws.
   */
  clear(name: string, key: string): void;
  /**
   * The operational alerts active now, as raised (checked copies), in the order first raised. Kept
   * even when no sink is configured, so the API can show them.
   */
  activeOperational(): readonly OperationalAlert[];
  /** Starts delivery: the Alertmanager resend timer and the webhook worker. */
  start(): void;
  /**
   * Stops the timers and flushes queued webhook deliveries and the Alertmanager POST in flight for at
   * most `deadlineMs` (default 5 s) plus a 0.5 s grace; whatever is left is dropped, counted and
   * logged. Never rejects.
   */
  stop(deadlineMs?: number): Promise<void>;
}

/**
 * Builds the dispatcher from the `alerts:` configuration.
 * @throws ConfigError when the webhook is configured but its secret variable is unset or empty.
 */
export function createAlertDispatcher(options: AlertDispatcherOptions): AlertDispatcher {
  const { config, logger } = options;
  const secret = resolveWebhookSecret(config.webhook, options.env);
  const now = options.now ?? Date.now;
  const fetchImpl = options.fetch ?? fetch;
  const sinks: AlertSink[] = [];
  if (config.alertmanager.url !== null) sinks.push('alertmanager');
  if (config.webhook.url !== null && secret !== null) sinks.push('webhook');
  const record: RecordDelivery = options.registry === undefined ? () => undefined : registerDeliveryCounter(options.registry, sinks);

  const alertmanager: AlertmanagerSink | null =
    config.alertmanager.url === null
      ? null
      : createAlertmanagerSink({
          url: config.alertmanager.url,
          resendIntervalMs: config.alertmanager.resendIntervalMs,
          timeoutMs: config.alertmanager.timeoutMs,
          severity: config.alertmanager.severity,
          externalUrl: config.externalUrl,
          logger,
          record,
          now,
          fetch: fetchImpl,
        });
  const webhook: WebhookSink | null =
    config.webhook.url === null || secret === null
      ? null
      : createWebhookSink({
          url: config.webhook.url,
          secret,
          timeoutMs: config.webhook.timeoutMs,
          maxAttempts: config.webhook.maxAttempts,
          logger,
          record,
          now,
          fetch: fetchImpl,
          random: options.random ?? Math.random,
          ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
          ...(options.webhookBackoff === undefined ? {} : { backoff: options.webhookBackoff }),
          ...(options.webhookQueueLimit === undefined ? {} : { queueLimit: options.webhookQueueLimit }),
          ...(options.newDeliveryId === undefined ? {} : { newDeliveryId: options.newDeliveryId }),
        });
  const tracker = webhook === null ? null : createFindingEventTracker();
  const operational = createOperationalRegistry(config.alertmanager.severity);
  let stopped = false;

  return {
    enabled: sinks.length > 0,
    sync(open, resolved = []) {
      if (stopped || sinks.length === 0) return;
      try {
        alertmanager?.update(open, resolved);
        if (webhook !== null && tracker !== null) for (const event of tracker.diff(open, resolved, now())) webhook.enqueue(event);
      } catch (error) {
        logger.error({ err: error }, 'alert dispatch failed; findings of this evaluation were not delivered');
      }
    },
    raise(alert) {
      if (stopped) return;
      try {
        const { alert: held, event } = operational.raise(alert, now());
        alertmanager?.raise(held);
        if (event !== null) webhook?.enqueue(event);
      } catch (error) {
        logger.error({ err: error, alert: describeRaised(alert) }, 'operational alert not raised');
      }
    },
    clear(name, key) {
      if (stopped) return;
      try {
        const event = operational.clear(name, key, now());
        if (event === null) return;
        alertmanager?.clear(name, key);
        webhook?.enqueue(event);
      } catch (error) {
        logger.error({ err: error, alert: operationalSubject({ name, key }) }, 'operational alert not cleared');
      }
    },
    activeOperational() {
      return operational.active();
    },
    start() {
      if (sinks.length === 0) return;
      alertmanager?.start();
      webhook?.start();
      logger.info({ alertmanager: config.alertmanager.url, webhook: config.webhook.url }, 'alert delivery started');
    },
    async stop(deadlineMs = DEFAULT_STOP_DEADLINE_MS) {
      if (stopped) return;
      stopped = true;
      if (sinks.length === 0) return;
      const deadline = new AbortController();
      const work = Promise.all([alertmanager?.stop(deadline.signal), webhook?.stop(now() + deadlineMs, deadline.signal)]).catch((error: unknown) =>
        logger.error({ err: error }, 'alert delivery did not stop cleanly'),
      );
      // At the deadline the sinks are aborted and get a short grace to count and log what they drop;
      // a transport that ignores the abort cannot hold shutdown beyond that.
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          deadline.abort();
          timer = setTimeout(resolve, STOP_GRACE_MS);
        }, deadlineMs);
      });
      await Promise.race([work, expired]);
      clearTimeout(timer);
      logger.info({}, 'alert delivery stopped');
    },
  };
}

/** The name and key of whatever a caller passed as an alert, for the log line of a malformed one. */
function describeRaised(alert: unknown): string {
  const { name, key } = (alert ?? {}) as { name?: unknown; key?: unknown };
  return `${String(name)}/${String(key)}`;
}
