/**
 * The JSON body of a webhook delivery:
 * `{ "event", "sentAt", "finding": { id, upgrade, signal, labels, verdict, statistics, suspects,
 * openedAt, updatedAt, resolvedAt } }`. The finding has the shape of `GET /api/v1/findings` items;
 * `updated` events add `"reasons"` (what changed materially). The body is serialised once per delivery
 * and sent unchanged on every retry, so `sentAt` is when the event was raised (the time of the
 * attempt is the signed `X-Shiftguard-Timestamp` header).
 */
import type { FindingRecord } from '../store/state-store.js';
import type { FindingEvent, FindingEventKind } from './webhook-events.js';

/** The `finding` object of a delivery. */
export interface WebhookFinding {
  readonly id: string;
  readonly upgrade: string;
  readonly signal: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly verdict: string;
  readonly statistics: unknown;
  readonly suspects: unknown;
  /** ISO 8601. */
  readonly openedAt: string;
  readonly updatedAt: string;
  /** ISO 8601, null while open. */
  readonly resolvedAt: string | null;
}

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
    finding: webhookFinding(event.finding),
    ...(event.kind === 'updated' ? { reasons: event.reasons } : {}),
  };
  return JSON.stringify(payload);
}

/** The finding as the webhook shows it (times as ISO 8601). */
export function webhookFinding(f: FindingRecord): WebhookFinding {
  return {
    id: f.id,
    upgrade: f.upgradeId,
    signal: f.signal,
    labels: { ...f.labels },
    verdict: f.verdict,
    statistics: f.statistics ?? null,
    suspects: f.suspects ?? null,
    openedAt: new Date(f.openedAtMs).toISOString(),
    updatedAt: new Date(f.updatedAtMs).toISOString(),
    resolvedAt: f.resolvedAtMs === null ? null : new Date(f.resolvedAtMs).toISOString(),
  };
}
