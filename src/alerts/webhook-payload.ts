/**
 * The JSON body of a webhook delivery:
 * `{ "event", "sentAt", "finding": { id, upgrade, signal, labels, verdict, statistics, suspects,
 * openedAt, updatedAt, resolvedAt } }`. The finding has the shape of `GET /api/v1/findings` items;
 * `updated` events add `"reasons"` (what changed materially). The body is serialised once per delivery
 * and sent unchanged on every retry, so `sentAt` is when the event was raised (the time of the
 * attempt is the signed `X-Shiftguard-Timestamp` header).
 */
import { findingJson } from '../report/finding-json.js';
import type { FindingJson } from '../report/finding-json.js';
import type { FindingEvent, FindingEventKind } from './webhook-events.js';

/** The finding as the webhook shows it: the same view as `GET /api/v1/findings`. */
export type WebhookFinding = FindingJson;

/** A delivery's body. */
export interface WebhookPayload {
  readonly event: FindingEventKind;
  /** ISO 8601: when the event was raised. */
  readonly sentAt: string;
  readonly finding: WebhookFinding;
  /** `updated` only: why. */
  readonly reasons?: readonly string[];
}

/** Builds the body of `event` raised at `atMs`, as the exact text to sign and send. */
export function webhookBody(event: FindingEvent, atMs: number): string {
  const payload: WebhookPayload = {
    event: event.kind,
    sentAt: new Date(atMs).toISOString(),
    finding: findingJson(event.finding),
    ...(event.kind === 'updated' ? { reasons: event.reasons } : {}),
  };
  return JSON.stringify(payload);
}

