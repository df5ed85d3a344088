/**
 * Signature of webhook deliveries: `X-Shiftguard-Signature: sha256=<hex>` where hex is
 * HMAC-SHA256(secret, "<X-Shiftguard-Timestamp>.<raw body>"). The timestamp (Unix seconds) is part of
 * the signed text, as in Stripe's and Slack's schemes, so a captured request cannot be replayed
 * later: a receiver recomputes the HMAC over the exact bytes it received and refuses deliveries
 * whose timestamp is further than a few minutes from its clock. Retries of one delivery are signed
 * again with a fresh timestamp (the body and `X-Shiftguard-Delivery` stay the same).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Default tolerance of {@link verifyWebhookSignature}: 5 minutes, as Stripe's and Slack's libraries use. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

/** The `X-Shiftguard-Signature` value for `body` sent at `timestampSeconds`: `sha256=<64 hex digits>`. */
export function signWebhook(secret: string, timestampSeconds: number | string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')}`;
}

/** What a receiver got. */
export interface SignedDelivery {
  readonly secret: string;
  /** `X-Shiftguard-Timestamp` as received. */
  readonly timestamp: string | null | undefined;
  /** `X-Shiftguard-Signature` as received. */
  readonly signature: string | null | undefined;
  /** The raw body, exactly as received (not re-serialised JSON). */
  readonly body: string;
  /** The receiver's clock, Unix seconds. */
  readonly nowSeconds: number;
  readonly toleranceSeconds?: number;
}

/**
 * Receiver-side check, for receivers written in TypeScript and for tests: the signature matches
 * (compared in constant time) and the timestamp is within the tolerance of `nowSeconds`.
 */
export function verifyWebhookSignature(delivery: SignedDelivery): boolean {
  const { timestamp, signature } = delivery;
  if (typeof timestamp !== 'string' || !/^\d+$/.test(timestamp) || typeof signature !== 'string') return false;
  const skew = Math.abs(delivery.nowSeconds - Number(timestamp));
  if (skew > (delivery.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(signWebhook(delivery.secret, timestamp, delivery.body));
  const presented = Buffer.from(signature);
  return expected.length === presented.length && timingSafeEqual(expected, presented);
}
