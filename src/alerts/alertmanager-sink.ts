/**
 * Delivers the {@link AlertmanagerState} to Alertmanager: `POST {url}/api/v2/alerts` right after an
 * evaluation or an operational alert changed something, and every resend interval in any case. Fire and forget: at most one
 * POST is in flight; a send asked for meanwhile runs once it is done, with the newest state. A failure
 * (no answer, non-2xx) is logged and counted, and the next resend is the retry; nothing is thrown.
 */
import type { FindingRecord } from '../store/state-store.js';
import type { AlertLogger, RecordDelivery } from './delivery-metrics.js';
import { createAlertmanagerState } from './alertmanager-state.js';
import type { AlertmanagerStateOptions, ExpiredAlert } from './alertmanager-state.js';
import type { OperationalAlert } from './operational-alerts.js';
import { operationalSubject } from './operational-alerts.js';
import { postJson } from './post-json.js';
import { describeOutcome } from './retry-policy.js';

/** What the sink needs. */
export interface AlertmanagerSinkOptions extends AlertmanagerStateOptions {
  /** Base URL of Alertmanager, without a trailing slash. */
  readonly url: string;
  readonly timeoutMs: number;
  readonly logger: AlertLogger;
  readonly record: RecordDelivery;
  readonly now: () => number;
  readonly fetch: typeof fetch;
}

/** The running sink. */
export interface AlertmanagerSink {
  /** Applies an evaluation's open and resolved findings; sends at once when something changed (after `start`). */
  update(open: readonly FindingRecord[], resolved: readonly FindingRecord[]): void;
  /** Makes an operational alert active (a checked copy); sends at once when it is news (after `start`). */
  raise(alert: OperationalAlert): void;
  /** Resolves an operational alert; sends at once when it was active (after `start`). */
  clear(name: string, key: string): void;
  /** Sends the current state and starts the resend timer. */
  start(): void;
  /** Stops the timer and waits for the POST in flight (abort it with `signal`). */
  stop(signal: AbortSignal): Promise<void>;
}

/** Creates the sink; nothing is sent before `start`. */
export function createAlertmanagerSink(options: AlertmanagerSinkOptions): AlertmanagerSink {
  const state = createAlertmanagerState(options);
  const endpoint = `${options.url}/api/v2/alerts`;
  const shutdown = new AbortController();
  let started = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | null = null;
  let sendAgain = false;
  let consecutiveFailures = 0;

  const scheduleResend = (): void => {
    clearTimeout(timer);
    if (stopped) return;
    timer = setTimeout(flush, options.resendIntervalMs);
    timer.unref();
  };

  function flush(): void {
    if (!started || stopped) return;
    if (inFlight !== null) {
      sendAgain = true;
      return;
    }
    scheduleResend();
    inFlight = send()
      .catch((error: unknown) => options.logger.error({ err: error }, 'alertmanager delivery failed unexpectedly'))
      .finally(() => {
        inFlight = null;
        if (sendAgain) {
          sendAgain = false;
          flush();
        }
      });
  }

  async function send(): Promise<void> {
    for (const expired of state.expire(options.now())) {
      options.record('alertmanager', 'dropped');
      options.logger.error({ ...describeExpired(expired), url: endpoint }, `alertmanager never accepted the resolution of ${expired.kind === 'finding' ? 'a finding' : 'an operational alert'}; giving up on it`);
    }
    const batch = state.batch(options.now());
    if (batch.alerts.length === 0) return;
    const outcome = await postJson(options.fetch, { url: endpoint, body: JSON.stringify(batch.alerts), timeoutMs: options.timeoutMs, signal: shutdown.signal, nowMs: options.now() });
    if (outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300) {
      options.record('alertmanager', 'ok');
      state.delivered(batch);
      if (consecutiveFailures > 0) options.logger.info({ url: endpoint, failuresBefore: consecutiveFailures }, 'alertmanager accepts alerts again');
      consecutiveFailures = 0;
      return;
    }
    options.record('alertmanager', 'error');
    consecutiveFailures += 1;
    options.logger.warn(
      { url: endpoint, alerts: batch.alerts.length, consecutiveFailures, problem: describeOutcome(outcome) },
      `alertmanager did not accept ${batch.alerts.length} alert(s) (${describeOutcome(outcome)}); retrying at the next resend`,
    );
  }

  return {
    update(open, resolved) {
      if (stopped) return;
      if (state.apply(open, resolved, options.now())) flush();
    },
    raise(alert) {
      if (stopped) return;
      if (state.raise(alert, options.now())) flush();
    },
    clear(name, key) {
      if (stopped) return;
      if (state.clear(name, key, options.now())) flush();
    },
    start() {
      if (started) return;
      started = true;
      flush();
    },
    async stop(signal) {
      stopped = true;
      clearTimeout(timer);
      const abort = (): void => shutdown.abort();
      signal.addEventListener('abort', abort, { once: true });
      if (signal.aborted) abort();
      try {
        await inFlight;
      } finally {
        signal.removeEventListener('abort', abort);
      }
    },
  };
}

function describeExpired(expired: ExpiredAlert): object {
  return expired.kind === 'finding' ? { finding: expired.finding.id, upgrade: expired.finding.upgradeId } : { alert: operationalSubject(expired.alert) };
}
