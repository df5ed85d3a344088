import { describe, expect, it } from 'vitest';
import { createRng } from '../detect/random.js';
import type { AlertLogger, AlertSink, DeliveryOutcome } from './delivery-metrics.js';
import type { FindingEvent } from './webhook-events.js';
import { createWebhookSink } from './webhook-sink.js';
import type { WebhookSinkOptions } from './webhook-sink.js';
import { sampleFinding } from './sample-finding.js';
import { verifyWebhookSignature } from './webhook-signature.js';

const T0 = Date.parse('2026-04-10T13:00:00Z');

interface Sent {
  readonly headers: Headers;
  readonly body: string;
  readonly atMs: number;
}

/** A fake world: a clock advanced by sleep, a receiver answering from a script, and recorders. */
function harness(answers: readonly (number | 'network')[], overrides: Partial<WebhookSinkOptions> = {}) {
  let clockMs = T0;
  const sent: Sent[] = [];
  const sleeps: number[] = [];
  const outcomes: string[] = [];
  const logs: string[] = [];
  let call = 0;
  const fetchImpl: typeof fetch = async (_url, init) => {
    sent.push({ headers: new Headers(init?.headers), body: String(init?.body), atMs: clockMs });
    const answer = answers[Math.min(call++, answers.length - 1)];
    if (answer === 'network') throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });
    return new Response(answer === 204 ? null : 'nope', { status: answer ?? 200 });
  };
  const log = (level: string) => (_details: object, message: string) => logs.push(`${level}: ${message}`);
  const logger: AlertLogger = { info: log('info'), warn: log('warn'), error: log('error') };
  let ids = 0;
  const rng = createRng(3);
  const sink = createWebhookSink({
    url: 'http://receiver.invalid/hook',
    secret: 'k',
    timeoutMs: 10_000,
    maxAttempts: 6,
    logger,
    record: (sink: AlertSink, outcome: DeliveryOutcome) => outcomes.push(`${sink}:${outcome}`),
    now: () => clockMs,
    fetch: fetchImpl,
    random: () => rng.next(),
    sleep: async (ms) => {
      sleeps.push(ms);
      clockMs += ms;
    },
    newDeliveryId: () => `d-${++ids}`,
    ...overrides,
  });
  const flush = (deadlineMs = 3_600_000) => sink.stop(clockMs + deadlineMs, new AbortController().signal);
  return { sink, sent, sleeps, outcomes, logs, flush };
}

const opened = (id = '1'): FindingEvent => ({ kind: 'opened', finding: sampleFinding({ id }), reasons: [] });

describe('webhook sink', () => {
  it('sends a signed JSON body with the event, delivery id and timestamp headers', async () => {
    const h = harness([204]);
    h.sink.start();
    h.sink.enqueue(opened());
    await h.flush();
    expect(h.sent).toHaveLength(1);
    const [first] = h.sent;
    expect(first?.headers.get('content-type')).toBe('application/json');
    expect(first?.headers.get('x-shiftguard-event')).toBe('opened');
    expect(first?.headers.get('x-shiftguard-delivery')).toBe('d-1');
    expect(first?.headers.get('x-shiftguard-timestamp')).toBe(String(T0 / 1000));
    expect(verifyWebhookSignature({ secret: 'k', timestamp: first?.headers.get('x-shiftguard-timestamp'), signature: first?.headers.get('x-shiftguard-signature'), body: first?.body ?? '', nowSeconds: T0 / 1000 })).toBe(true);
    const body = JSON.parse(first?.body ?? '{}') as Record<string, unknown>;
    expect(body['event']).toBe('opened');
    expect(body['sentAt']).toBe(new Date(T0).toISOString());
    expect(body['finding']).toMatchObject({ id: '1', upgrade: 'dten-2026.04', signal: 'latency', openedAt: '2026-04-10T12:06:00.000Z', resolvedAt: null });
    expect(h.outcomes).toEqual(['webhook:ok']);
  });

  it('retries 503 and network errors with the same delivery id and body, re-signed, with bounded full-jitter waits', async () => {
    const h = harness([503, 'network', 503, 200]);
    h.sink.start();
    h.sink.enqueue(opened());
    await h.flush();
    expect(h.sent).toHaveLength(4);
    expect(new Set(h.sent.map((s) => s.headers.get('x-shiftguard-delivery')))).toEqual(new Set(['d-1']));
    expect(new Set(h.sent.map((s) => s.body)).size).toBe(1);
    h.sleeps.forEach((ms, i) => expect(ms).toBeLessThan(1000 * 2 ** i));
    for (const s of h.sent) {
      const timestamp = s.headers.get('x-shiftguard-timestamp');
      expect(timestamp).toBe(String(Math.floor(s.atMs / 1000)));
      expect(verifyWebhookSignature({ secret: 'k', timestamp, signature: s.headers.get('x-shiftguard-signature'), body: s.body, nowSeconds: Math.floor(s.atMs / 1000) })).toBe(true);
    }
    expect(h.outcomes).toEqual(['webhook:error', 'webhook:error', 'webhook:error', 'webhook:ok']);
  });

  it('does not retry a 400, and drops the delivery with a log line', async () => {
    const h = harness([400, 200]);
    h.sink.start();
    h.sink.enqueue(opened());
    await h.flush();
    expect(h.sent).toHaveLength(1);
    expect(h.outcomes).toEqual(['webhook:error', 'webhook:dropped']);
    expect(h.logs.some((l) => l.startsWith('error:') && l.includes('HTTP 400') && l.includes('not retried'))).toBe(true);
  });

  it('gives up after maxAttempts', async () => {
    const h = harness([500], { maxAttempts: 3 });
    h.sink.start();
    h.sink.enqueue(opened());
    await h.flush();
    expect(h.sent).toHaveLength(3);
    expect(h.sleeps).toHaveLength(2);
    expect(h.outcomes.at(-1)).toBe('webhook:dropped');
    expect(h.logs.at(-1)).toContain('all 3 attempts failed');
  });

  it('delivers in order, one at a time', async () => {
    const h = harness([503, 200, 200]);
    h.sink.start();
    h.sink.enqueue(opened('1'));
    h.sink.enqueue({ kind: 'resolved', finding: sampleFinding({ id: '1', resolvedAtMs: T0 }), reasons: [] });
    await h.flush();
    expect(h.sent.map((s) => `${s.headers.get('x-shiftguard-delivery')}:${s.headers.get('x-shiftguard-event')}`)).toEqual(['d-1:opened', 'd-1:opened', 'd-2:resolved']);
  });

  it('drops the oldest delivery when the queue is over its bound', async () => {
    const h = harness([200], { queueLimit: 2 });
    h.sink.enqueue(opened('1'));
    h.sink.enqueue(opened('2'));
    h.sink.enqueue(opened('3'));
    expect(h.sink.queued).toBe(2);
    expect(h.outcomes).toEqual(['webhook:dropped']);
    expect(h.logs[0]).toContain('finding 1');
    await h.flush();
    expect(h.sent.map((s) => JSON.parse(s.body).finding.id)).toEqual(['2', '3']);
  });

  it('at stop, gives up a retry that would end after the deadline instead of waiting for it', async () => {
    const h = harness([503, 200], { random: () => 0.99 });
    h.sink.enqueue(opened('1'));
    h.sink.enqueue(opened('2'));
    await h.flush(500);
    expect(h.sleeps).toEqual([]);
    expect(h.sent.map((s) => s.headers.get('x-shiftguard-delivery'))).toEqual(['d-1', 'd-2']);
    expect(h.outcomes).toEqual(['webhook:error', 'webhook:dropped', 'webhook:ok']);
  });

  it('delivers operational alerts through the same queue, signed, and names them when dropping', async () => {
    const h = harness([400]);
    h.sink.start();
    h.sink.enqueue({
      kind: 'operational.raised',
      alert: { name: 'ShiftguardUnleashAuthRefused', key: '', labels: {}, summary: 'Unleash answers 401', description: 'token refused' },
      severity: 'critical',
      raisedAtMs: T0,
      resolvedAtMs: null,
    });
    await h.flush();
    const [first] = h.sent;
    expect(first?.headers.get('x-shiftguard-event')).toBe('operational.raised');
    expect(verifyWebhookSignature({ secret: 'k', timestamp: first?.headers.get('x-shiftguard-timestamp'), signature: first?.headers.get('x-shiftguard-signature'), body: first?.body ?? '', nowSeconds: T0 / 1000 })).toBe(true);
    expect(JSON.parse(first?.body ?? '{}').alert).toMatchObject({ name: 'ShiftguardUnleashAuthRefused', severity: 'critical' });
    expect(h.outcomes).toEqual(['webhook:error', 'webhook:dropped']);
    expect(h.logs.at(-1)).toContain('(operational.raised of alert ShiftguardUnleashAuthRefused)');
  });

  it('drops what is still queued when the stop signal aborts', async () => {
    const h = harness([200]);
    const signal = AbortSignal.abort();
    h.sink.enqueue(opened('1'));
    h.sink.enqueue(opened('2'));
    await h.sink.stop(T0 + 1000, signal);
    expect(h.sent).toHaveLength(0);
    expect(h.outcomes).toEqual(['webhook:dropped', 'webhook:dropped']);
    h.sink.enqueue(opened('3'));
    expect(h.outcomes).toHaveLength(3);
  });
});
