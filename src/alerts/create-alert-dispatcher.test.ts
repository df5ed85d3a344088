import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { FindingRecord } from '../store/state-store.js';
import { AlertsConfigSchema } from './alerts-config.js';
import { createAlertDispatcher } from './create-alert-dispatcher.js';
import type { PostableAlert } from './alertmanager-state.js';
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
