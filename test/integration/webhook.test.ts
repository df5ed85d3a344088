/**
 * The signed webhook over real HTTP: a node:http receiver in this test recomputes the HMAC-SHA256 of
 * "<X-Shiftguard-Timestamp>.<raw body>" with node:crypto (independently of the sender's code) and
 * answers as each test scripts it. Checks: retries after 503 carry the same delivery id and a valid
 * signature; a 400 is not retried; a wrong secret is caught by the receiver; `stop()` flushes the queue;
 * operational alerts travel the same signed, retried path (raised once, re-raised on a new summary,
 * resolved once).
 * Backoff is shortened (base 20 ms, cap 200 ms) and the jitter seeded; every wait is bounded.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AlertsConfigSchema } from '../../src/alerts/alerts-config.js';
import { createAlertDispatcher } from '../../src/alerts/create-alert-dispatcher.js';
import type { AlertDispatcher } from '../../src/alerts/create-alert-dispatcher.js';
import { sampleFinding } from '../../src/alerts/sample-finding.js';
import { createRng } from '../../src/detect/random.js';

const SECRET = 'test-webhook-secret';
/** Tolerance of the receiver's replay check, seconds. */
const TOLERANCE_SECONDS = 300;
const POLLS = 150;

interface Received {
  readonly event: string | undefined;
  readonly delivery: string | undefined;
  readonly signatureValid: boolean;
  readonly body: Record<string, unknown>;
  readonly status: number;
}

/** How the receiver answers the n-th request (0-based) it gets. */
type Answer = (request: { readonly index: number; readonly signatureValid: boolean; readonly event: string | undefined }) => number;

describe('signed webhook delivery over real HTTP', () => {
  let server: Server | undefined;
  let url = '';
  let answer: Answer = () => 204;
  let received: Received[] = [];
  const dispatchers: AlertDispatcher[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const signatureValid = verify(request.headers, raw);
        const event = header(request.headers, 'x-shiftguard-event');
        const status = answer({ index: received.length, signatureValid, event });
        received.push({ event, delivery: header(request.headers, 'x-shiftguard-delivery'), signatureValid, body: JSON.parse(raw) as Record<string, unknown>, status });
        response.writeHead(status, { 'Content-Type': 'text/plain' }).end(status < 300 ? '' : `answered ${status}`);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server?.once('error', reject);
      server?.listen(0, '127.0.0.1', resolve);
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/shiftguard`;
  });

  afterEach(async () => {
    await Promise.all(dispatchers.splice(0).map((d) => d.stop(2000)));
    received = [];
    answer = () => 204;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  function start(secretInEnv = SECRET, maxAttempts = 6) {
    const registry = new Registry();
    const config = AlertsConfigSchema.parse({ webhook: { url, timeout: '5s', maxAttempts } });
    const dispatcher = createAlertDispatcher({
      config,
      env: { SHIFTGUARD_WEBHOOK_SECRET: secretInEnv },
      logger: pino({ level: 'silent' }),
      registry,
      random: (() => {
        const rng = createRng(11);
        return () => rng.next();
      })(),
      webhookBackoff: { baseDelayMs: 20, maxDelayMs: 200 },
    });
    dispatcher.start();
    dispatchers.push(dispatcher);
    const count = async (outcome: string): Promise<number> => {
      const metric = await registry.getSingleMetric('shiftguard_alert_deliveries_total')?.get();
      return metric?.values.find((v) => v.labels['sink'] === 'webhook' && v.labels['outcome'] === outcome)?.value ?? 0;
    };
    return { dispatcher, count };
  }

  it('retries 503s with the same delivery id, each attempt validly signed, until delivered', async () => {
    answer = ({ index }) => (index < 3 ? 503 : 200);
    const { dispatcher, count } = start();
    dispatcher.sync([sampleFinding({ id: '21' })], []);
    await pollFor('the delivery to succeed', async () => (await count('ok')) === 1);
    expect(received.map((r) => r.status)).toEqual([503, 503, 503, 200]);
    expect(new Set(received.map((r) => r.delivery)).size).toBe(1);
    expect(received[0]?.delivery).toMatch(/^[0-9a-f-]{36}$/);
    expect(received.every((r) => r.signatureValid && r.event === 'opened')).toBe(true);
    expect(received[3]?.body).toMatchObject({ event: 'opened', finding: { id: '21', upgrade: 'dten-2026.04', signal: 'latency', verdict: 'regression', resolvedAt: null } });
    expect(await count('error')).toBe(3);
  });

  it('does not retry a 400, and goes on with the next delivery', async () => {
    answer = ({ event }) => (event === 'resolved' ? 400 : 200);
    const { dispatcher, count } = start();
    const finding = sampleFinding({ id: '31' });
    dispatcher.sync([finding], []);
    dispatcher.sync([], [{ ...finding, resolvedAtMs: Date.parse('2026-04-10T14:00:00Z') }]);
    dispatcher.sync([sampleFinding({ id: '32', signal: 'retries' })], []);
    await pollFor('the delivery after the refused one', async () => (await count('ok')) === 2);
    expect(received.map((r) => `${r.event}:${r.status}`)).toEqual(['opened:200', 'resolved:400', 'opened:200']);
    expect(received[1]?.body).toMatchObject({ event: 'resolved', finding: { id: '31', resolvedAt: '2026-04-10T14:00:00.000Z' } });
    expect(new Set(received.map((r) => r.delivery)).size).toBe(3);
    expect(await count('dropped')).toBe(1);
  });

  it('lets the receiver detect a wrong secret', async () => {
    answer = ({ signatureValid }) => (signatureValid ? 200 : 401);
    const { dispatcher, count } = start('not-the-shared-secret');
    dispatcher.sync([sampleFinding({ id: '41' })], []);
    await pollFor('the refused delivery to be dropped', async () => (await count('dropped')) === 1);
    expect(received).toHaveLength(1);
    expect(received[0]?.signatureValid).toBe(false);
    expect(received[0]?.status).toBe(401);
  });

  it('flushes queued deliveries on stop', async () => {
    const { dispatcher } = start();
    dispatcher.sync([sampleFinding({ id: '51' }), sampleFinding({ id: '52', signal: 'retries' })], []);
    await dispatcher.stop(5000);
    expect(received.map((r) => (r.body['finding'] as { id: string }).id)).toEqual(['51', '52']);
  });

  it('delivers operational alerts signed and retried like findings, announcing only news', async () => {
    answer = ({ index }) => (index === 0 ? 503 : 200);
    const { dispatcher, count } = start();
    const frozen = {
      name: 'ShiftguardFlagFrozen',
      key: 'dten.sync.backoff',
      labels: { flag: 'dten.sync.backoff' },
      summary: 'flag dten.sync.backoff frozen after 3 automatic reverts in a row',
      description: 'reverted 3 times',
      severity: 'critical',
    };
    dispatcher.raise(frozen);
    dispatcher.raise(frozen);
    dispatcher.raise({ ...frozen, description: 'reverted 3 times; the last revert failed too' });
    dispatcher.raise({ ...frozen, summary: 'flag dten.sync.backoff frozen after 4 automatic reverts in a row' });
    dispatcher.clear('ShiftguardFlagFrozen', 'dten.sync.backoff');
    dispatcher.clear('ShiftguardFlagFrozen', 'dten.sync.backoff');
    await pollFor('three delivered operational events', async () => (await count('ok')) === 3);
    expect(received.map((r) => `${r.event}:${r.status}`)).toEqual(['operational.raised:503', 'operational.raised:200', 'operational.raised:200', 'operational.resolved:200']);
    expect(received.every((r) => r.signatureValid)).toBe(true);
    expect(received[0]?.delivery).toBe(received[1]?.delivery);
    expect(new Set(received.map((r) => r.delivery)).size).toBe(3);
    const raised = received[1]?.body['alert'] as Record<string, unknown>;
    expect(raised).toEqual({
      name: 'ShiftguardFlagFrozen',
      key: 'dten.sync.backoff',
      labels: { flag: 'dten.sync.backoff' },
      summary: 'flag dten.sync.backoff frozen after 3 automatic reverts in a row',
      description: 'reverted 3 times',
      severity: 'critical',
      raisedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const resolved = received[3]?.body['alert'] as Record<string, unknown>;
    expect(resolved['summary']).toBe('flag dten.sync.backoff frozen after 4 automatic reverts in a row');
    expect(resolved['raisedAt']).toBe(raised['raisedAt']);
    expect(Date.parse(String(resolved['resolvedAt']))).toBeGreaterThanOrEqual(Date.parse(String(raised['raisedAt'])));
    expect(await count('error')).toBe(1);
  });

  /** Calls `done` up to {@link POLLS} times, 100 ms apart. */
  async function pollFor(what: string, done: () => Promise<boolean>): Promise<void> {
    for (let attempt = 0; attempt < POLLS; attempt++) {
      if (await done()) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`never saw ${what}; the receiver got ${JSON.stringify(received.map((r) => [r.event, r.status, r.delivery]))}`);
  }
});

/** The receiver's check, written from the documented scheme with node:crypto only. */
function verify(headers: IncomingHttpHeaders, rawBody: string): boolean {
  const timestamp = header(headers, 'x-shiftguard-timestamp');
  const signature = header(headers, 'x-shiftguard-signature');
  if (timestamp === undefined || signature === undefined || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${rawBody}`).digest('hex')}`);
  const presented = Buffer.from(signature);
  return expected.length === presented.length && timingSafeEqual(expected, presented);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
