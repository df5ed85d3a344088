import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from './webhook-signature.js';

const BODY = '{"event":"opened"}';

describe('webhook signature', () => {
  it('is sha256= and the hex HMAC-SHA256 of "<timestamp>.<body>"', () => {
    const expected = createHmac('sha256', 's3cret').update(`1775822400.${BODY}`).digest('hex');
    expect(signWebhook('s3cret', 1775822400, BODY)).toBe(`sha256=${expected}`);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it('verifies a fresh, untampered delivery', () => {
    const signature = signWebhook('s3cret', 1000, BODY);
    expect(verifyWebhookSignature({ secret: 's3cret', timestamp: '1000', signature, body: BODY, nowSeconds: 1010 })).toBe(true);
  });

  it('refuses another secret, another body, another timestamp, and a replay past the tolerance', () => {
    const signature = signWebhook('s3cret', 1000, BODY);
    const ok = { secret: 's3cret', timestamp: '1000', signature, body: BODY, nowSeconds: 1000 };
    expect(verifyWebhookSignature({ ...ok, secret: 'other' })).toBe(false);
    expect(verifyWebhookSignature({ ...ok, body: `${BODY} ` })).toBe(false);
    expect(verifyWebhookSignature({ ...ok, timestamp: '1001' })).toBe(false);
    expect(verifyWebhookSignature({ ...ok, nowSeconds: 1301 })).toBe(false);
    expect(verifyWebhookSignature({ ...ok, nowSeconds: 1300 })).toBe(true);
    expect(verifyWebhookSignature({ ...ok, signature: undefined })).toBe(false);
    expect(verifyWebhookSignature({ ...ok, timestamp: 'soon' })).toBe(false);
  });
});
