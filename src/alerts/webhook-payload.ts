/**
 * The JSON body of a webhook delivery. A finding event (`opened`, `updated`, `resolved`):
 * `{ "event", "sentAt", "finding": { id, upgrade, signal, labels, verdict, statistics, suspects,
 * openedAt, updatedAt, resolvedAt } }`; the finding has the shape of `GET /api/v1/findings` items;
 * `updated` events add `"reasons"` (what changed materially). An operational alert's event
 * (`operational.raised`, `operational.resolved`): `{ "event", "sentAt", "alert": { name, key, labels,
 * summary, description, severity, raisedAt, resolvedAt? } }`. The body is serialised once per delivery
 * and sent unchanged on every retry, so `sentAt` is when the event was raised (the time of the
 * attempt is the signed `X-Shiftguard-Timestamp` header).
 */
import { findingJson } from '../report/finding-json.js';
import type { FindingJson } from '../report/finding-json.js';
import type { OperationalEvent, OperationalEventKind } from './operational-alerts.js';
import type { FindingEventKind, WebhookEvent } from './webhook-events.js';

/** The finding as the webhook shows it: the same view as `GET /api/v1/findings`. */
export type WebhookFinding = FindingJson;

/** The body of a finding event. */
export interface WebhookPayload {
  readonly event: FindingEventKind;
  /** ISO 8601: when the event was raised. */
  readonly sentAt: string;
  readonly finding: WebhookFinding;
  /** `updated` only: why. */
  readonly reasons?: readonly string[];
}

/** An operational alert as the webhook shows it. */
export interface WebhookOperationalAlert {
  readonly name: string;
  /** '' when the name alone identifies the alert. */
  readonly key: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly summary: string;
  readonly description: string;
  /** The alert's own severity, else the configured `alerts.alertmanager.severity`. */
  readonly severity: string;
  /** ISO 8601: the first raise since the alert was last cleared (kept by later `operational.raised`). */
  readonly raisedAt: string;
  /** ISO 8601; `operational.resolved` only. */
  readonly resolvedAt?: string;
}

/** The body of an operational alert's event. */
export interface OperationalWebhookPayload {
  readonly event: OperationalEventKind;
  /** ISO 8601: when the event was raised. */
  readonly sentAt: string;
  readonly alert: WebhookOperationalAlert;
}

/** Any delivery's body; `event` tells which. */
export type AnyWebhookPayload = WebhookPayload | OperationalWebhookPayload;

/** Builds the body of `event` raised at `atMs`, as the exact text to sign and send. */
export function webhookBody(event: WebhookEvent, atMs: number): string {
  const sentAt = new Date(atMs).toISOString();
  if ('alert' in event) {
    const payload: OperationalWebhookPayload = { event: event.kind, sentAt, alert: operationalAlertJson(event) };
    return JSON.stringify(payload);
  }
  const payload: WebhookPayload = {
    event: event.kind,
    sentAt,
    finding: findingJson(event.finding),
    ...(event.kind === 'updated' ? { reasons: event.reasons } : {}),
  };
  return JSON.stringify(payload);
}

function operationalAlertJson(event: OperationalEvent): WebhookOperationalAlert {
  const { alert } = event;
  return {
    name: alert.name,
    key: alert.key,
    labels: { ...alert.labels },
    summary: alert.summary,
    description: alert.description,
    severity: event.severity,
    raisedAt: new Date(event.raisedAtMs).toISOString(),
    ...(event.resolvedAtMs === null ? {} : { resolvedAt: new Date(event.resolvedAtMs).toISOString() }),
  };
}
