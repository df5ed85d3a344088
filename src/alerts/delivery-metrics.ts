/**
 * Self-metrics of alert delivery and the logger slice the sinks use.
 *
 * `shiftguard_alert_deliveries_total{sink, outcome}`:
 * - `ok`: a POST answered 2xx;
 * - `error`: a POST failed (no answer, timeout, non-2xx), counted per attempt;
 * - `dropped`: information the target will never get: a webhook delivery given up (queue overflow,
 *   attempts exhausted, a status that is not retried, the shutdown deadline) or a resolved alert
 *   Alertmanager never accepted within the retention.
 */
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';

/** Where alerts go. */
export type AlertSink = 'alertmanager' | 'webhook';
/** How one delivery step ended. */
export type DeliveryOutcome = 'ok' | 'error' | 'dropped';
/** Counts one delivery step. */
export type RecordDelivery = (sink: AlertSink, outcome: DeliveryOutcome) => void;

/** The log methods the sinks call; a pino `Logger` fits. */
export interface AlertLogger {
  debug?(details: object, message: string): void;
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

const METRIC = 'shiftguard_alert_deliveries_total';
const OUTCOMES: readonly DeliveryOutcome[] = ['ok', 'error', 'dropped'];

/**
 * Registers the counter on `registry` (or reuses it when already registered there) and starts every
 * outcome of each of `sinks` at 0, so dashboards see the series before the first delivery.
 */
export function registerDeliveryCounter(registry: Registry, sinks: readonly AlertSink[]): RecordDelivery {
  const existing = registry.getSingleMetric(METRIC);
  const counter =
    existing instanceof Counter
      ? (existing as Counter<'sink' | 'outcome'>)
      : new Counter({
          name: METRIC,
          help: 'Alert deliveries by sink (alertmanager, webhook) and outcome: ok and error per POST, dropped per delivery given up.',
          labelNames: ['sink', 'outcome'],
          registers: [registry],
        });
  for (const sink of sinks) for (const outcome of OUTCOMES) counter.inc({ sink, outcome }, 0);
  return (sink, outcome) => counter.inc({ sink, outcome });
}
