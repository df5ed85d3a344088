import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { FindingRecord } from '../store/state-store.js';
import { AlertsConfigSchema } from './alerts-config.js';
import { createAlertDispatcher } from './create-alert-dispatcher.js';
import type { PostableAlert } from './alertmanager-state.js';
import type { OperationalAlert } from './operational-alerts.js';
import { sampleFinding } from './sample-finding.js';

const T0 = Date.parse('2026-04-10T13:00:00Z');

/** A pino logger writing JSON lines into `lines` (the service passes its pino logger the same way). */
function capturedLogger() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

/** A fetch whose answers the test releases one by one, recording every request body. */
function gatedFetch(status = 200) {
  const bodies: PostableAlert[][] = [];
  const gates: (() => void)[] = [];
  const fetchImpl: typeof fetch = async (_url, init) => {
    bodies.push(JSON.parse(String(init?.body)) as PostableAlert[]);
    await new Promise<void>((resolve) => gates.push(resolve));
    return new Response(status === 200 ? '' : 'broken', { status });
  };
  const releaseNext = async (): Promise<void> => {
    for (let spin = 0; gates.length === 0 && spin < 100; spin++) await new Promise((r) => setImmediate(r));
    gates.shift()?.();
    for (let spin = 0; spin < 5; spin++) await new Promise((r) => setImmediate(r));
  };
  const untilPending = async (): Promise<number> => {
    for (let spin = 0; gates.length === 0 && spin < 100; spin++) await new Promise((r) => setImmediate(r));
    return gates.length;
  };
  return { fetchImpl, bodies, releaseNext, pending: () => gates.length, untilPending };
}

const amConfig = AlertsConfigSchema.parse({ alertmanager: { url: 'http://alertmanager.invalid:9093', resendInterval: '1h' } });

async function counterValues(registry: Registry): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric('shiftguard_alert_deliveries_total')?.get();
  return Object.fromEntries((metric?.values ?? []).map((v) => [`${v.labels['sink']}:${v.labels['outcome']}`, v.value]));
}

describe('createAlertDispatcher', () => {
  it('is off by default: nothing configured, no counter series, sync is a no-op', async () => {
    const registry = new Registry();
    const { logger } = capturedLogger();
    const dispatcher = createAlertDispatcher({ config: AlertsConfigSchema.parse({}), env: {}, logger, registry });
    expect(dispatcher.enabled).toBe(false);
    dispatcher.start();
    dispatcher.sync([sampleFinding()], []);
    await dispatcher.stop();
    expect(await counterValues(registry)).toEqual({});
  });

  it('refuses a configured webhook without its secret, naming the variable', () => {
    const { logger } = capturedLogger();
    const config = AlertsConfigSchema.parse({ webhook: { url: 'http://127.0.0.1:1/hook', secret: { env: 'MY_HOOK_KEY' } } });
    expect(() => createAlertDispatcher({ config, env: {}, logger })).toThrow(/MY_HOOK_KEY/);
  });

  it('starts the counters of configured sinks at zero', async () => {
    const registry = new Registry();
    const { logger } = capturedLogger();
    createAlertDispatcher({ config: amConfig, env: {}, logger, registry, fetch: gatedFetch().fetchImpl });
    expect(await counterValues(registry)).toEqual({ 'alertmanager:ok': 0, 'alertmanager:error': 0, 'alertmanager:dropped': 0 });
  });

  it('sends nothing before start, then keeps one POST in flight and sends the newest state after it', async () => {
    const registry = new Registry();
    const { logger } = capturedLogger();
    const net = gatedFetch();
    const dispatcher = createAlertDispatcher({ config: amConfig, env: {}, logger, registry, fetch: net.fetchImpl, now: () => T0 });
    dispatcher.sync([sampleFinding({ id: '1' })], []);
    await new Promise((r) => setImmediate(r));
    expect(net.bodies).toHaveLength(0);
    dispatcher.start();
    dispatcher.sync([sampleFinding({ id: '1' }), sampleFinding({ id: '2', signal: 'retries' })], []);
    dispatcher.sync([sampleFinding({ id: '2', signal: 'retries' })], []);
    expect(net.bodies).toHaveLength(1);
    expect(net.pending()).toBe(1);
    await net.releaseNext();
    expect(net.bodies).toHaveLength(2);
    const newest = net.bodies[1] ?? [];
    expect(newest.map((a) => [a.labels['signal'], a.endsAt])).toEqual([
      ['retries', new Date(T0 + 4 * 3_600_000).toISOString()],
      ['latency', new Date(T0).toISOString()],
    ]);
    await net.releaseNext();
    await dispatcher.stop(1000);
    expect((await counterValues(registry))['alertmanager:ok']).toBe(2);
  });

  it('counts and logs a refused POST without throwing', async () => {
    const registry = new Registry();
    const { logger, lines } = capturedLogger();
    const net = gatedFetch(500);
    const dispatcher = createAlertDispatcher({ config: amConfig, env: {}, logger, registry, fetch: net.fetchImpl });
    dispatcher.start();
    dispatcher.sync([sampleFinding()], []);
    await net.releaseNext();
    await dispatcher.stop(1000);
    expect((await counterValues(registry))['alertmanager:error']).toBe(1);
    expect(lines.find((l) => l.level === 40)?.msg).toMatch(/alertmanager did not accept 1 alert\(s\) \(HTTP 500: broken\); retrying at the next resend/);
  });

  it('logs a malformed finding instead of throwing into the evaluation loop', async () => {
    const { logger, lines } = capturedLogger();
    const dispatcher = createAlertDispatcher({ config: amConfig, env: {}, logger, fetch: gatedFetch().fetchImpl });
    const broken = { ...sampleFinding(), labels: null } as unknown as FindingRecord;
    expect(() => dispatcher.sync([broken], [])).not.toThrow();
    expect(lines.some((l) => l.level === 50 && l.msg.startsWith('alert dispatch failed'))).toBe(true);
    await dispatcher.stop(100);
  });

  it('stops within the deadline even when the transport ignores the abort', async () => {
    const { logger } = capturedLogger();
    const net = gatedFetch();
    const dispatcher = createAlertDispatcher({ config: amConfig, env: {}, logger, fetch: net.fetchImpl });
    dispatcher.start();
    dispatcher.sync([sampleFinding()], []);
    expect(await net.untilPending()).toBe(1);
    const outcome = await Promise.race([dispatcher.stop(50).then(() => 'stopped'), new Promise((r) => setTimeout(() => r('hung'), 10_000))]);
    await net.releaseNext();
    expect(outcome).toBe('stopped');
  });
});

describe('createAlertDispatcher: operational alerts', () => {
  const frozen: OperationalAlert = {
    name: 'ShiftguardFlagFrozen',
    key: 'dten.sync.backoff',
    labels: { flag: 'dten.sync.backoff' },
    summary: 'flag dten.sync.backoff frozen after 3 automatic reverts in a row',
    description: 'reverted 3 times',
    severity: 'critical',
  };

  it('puts active operational alerts in every Alertmanager POST and sends a cleared one with endsAt = now', async () => {
    const registry = new Registry();
    const { logger } = capturedLogger();
    const net = gatedFetch();
    let clockMs = T0;
    const dispatcher = createAlertDispatcher({ config: amConfig, env: {}, logger, registry, fetch: net.fetchImpl, now: () => clockMs });
    dispatcher.start();
    dispatcher.sync([sampleFinding()], []);
    await net.releaseNext();
    dispatcher.raise(frozen);
    expect(dispatcher.activeOperational()).toEqual([frozen]);
    await net.releaseNext();
    const raised = net.bodies[1] ?? [];
    expect(raised.map((a) => [a.labels['alertname'], a.endsAt])).toEqual([
      ['ShiftguardRegression', new Date(T0 + 4 * 3_600_000).toISOString()],
      ['ShiftguardFlagFrozen', new Date(T0 + 4 * 3_600_000).toISOString()],
    ]);
    expect(raised[1]?.labels).toEqual({ alertname: 'ShiftguardFlagFrozen', severity: 'critical', flag: 'dten.sync.backoff', key: 'dten.sync.backoff' });
    dispatcher.raise({ ...frozen, description: 'reverted 3 times, still frozen' });
    await new Promise((r) => setImmediate(r));
    expect(net.bodies).toHaveLength(2);
    clockMs = T0 + 60_000;
    dispatcher.clear('ShiftguardFlagFrozen', 'dten.sync.backoff');
    dispatcher.clear('ShiftguardFlagFrozen', 'dten.sync.backoff');
    expect(dispatcher.activeOperational()).toEqual([]);
    await net.releaseNext();
    expect(net.bodies).toHaveLength(3);
    const cleared = net.bodies[2]?.find((a) => a.labels['alertname'] === 'ShiftguardFlagFrozen');
    expect(cleared?.endsAt).toBe(new Date(T0 + 60_000).toISOString());
    expect(cleared?.annotations['description']).toBe('reverted 3 times, still frozen');
    await dispatcher.stop(1000);
    expect((await counterValues(registry))['alertmanager:ok']).toBe(3);
  });

  it('sends operational.raised on news only, then operational.resolved, through the signed webhook', async () => {
    const registry = new Registry();
    const { logger } = capturedLogger();
    const sent: { event: string | null; body: Record<string, unknown> }[] = [];
    const fetchImpl: typeof fetch = async (_url, init) => {
      sent.push({ event: new Headers(init?.headers).get('x-shiftguard-event'), body: JSON.parse(String(init?.body)) as Record<string, unknown> });
      return new Response(null, { status: 204 });
    };
    let clockMs = T0;
    const config = AlertsConfigSchema.parse({ webhook: { url: 'http://receiver.invalid/hook' } });
    const dispatcher = createAlertDispatcher({ config, env: { SHIFTGUARD_WEBHOOK_SECRET: 'k' }, logger, registry, fetch: fetchImpl, now: () => clockMs, random: () => 0.5 });
    dispatcher.start();
    dispatcher.raise(frozen);
    dispatcher.raise(frozen);
    dispatcher.raise({ ...frozen, description: 'reverted 4 times' });
    clockMs += 1000;
    dispatcher.raise({ ...frozen, summary: 'flag dten.sync.backoff frozen after 4 automatic reverts in a row', description: 'reverted 4 times' });
    clockMs += 1000;
    dispatcher.clear('ShiftguardFlagFrozen', 'dten.sync.backoff');
    await dispatcher.stop(1000);
    expect(sent.map((s) => s.event)).toEqual(['operational.raised', 'operational.raised', 'operational.resolved']);
    expect(sent[1]?.body['alert']).toMatchObject({ summary: 'flag dten.sync.backoff frozen after 4 automatic reverts in a row', description: 'reverted 4 times', raisedAt: new Date(T0).toISOString() });
    expect(sent[2]?.body['alert']).toMatchObject({ severity: 'critical', raisedAt: new Date(T0).toISOString(), resolvedAt: new Date(T0 + 2000).toISOString() });
    expect((await counterValues(registry))['webhook:ok']).toBe(3);
  });

  it('keeps the active set without sinks, logs a malformed alert instead of throwing, and ignores calls after stop', async () => {
    const { logger, lines } = capturedLogger();
    const dispatcher = createAlertDispatcher({ config: AlertsConfigSchema.parse({}), env: {}, logger });
    dispatcher.raise(frozen);
    expect(dispatcher.activeOperational()).toEqual([frozen]);
    expect(() => dispatcher.raise({ ...frozen, name: '' })).not.toThrow();
    expect(() => dispatcher.raise(null as unknown as OperationalAlert)).not.toThrow();
    expect(lines.filter((l) => l.level === 50 && l.msg === 'operational alert not raised')).toHaveLength(2);
    dispatcher.clear('ShiftguardFlagFrozen', 'dten.sync.backoff');
    expect(dispatcher.activeOperational()).toEqual([]);
    await dispatcher.stop();
    dispatcher.raise(frozen);
    expect(dispatcher.activeOperational()).toEqual([]);
  });
});
