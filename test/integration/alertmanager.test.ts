/**
 * Alert delivery against a real Alertmanager 0.25 (Debian's prometheus-alertmanager): the dispatcher
 * posts findings to `/api/v2/alerts`, Alertmanager routes them to a webhook receiver served by this
 * test (group_wait 0s, group_interval 1s, send_resolved), and the test reads Alertmanager's own API.
 * Checks: an open finding is an active alert with the expected labels and annotations; re-sends keep
 * one alert (same fingerprint); a resolved finding reaches the receiver as `resolved` and leaves the
 * active alerts. Skipped with a reason when the binary is missing, unless CI is set (then it fails).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertsConfigSchema } from '../../src/alerts/alerts-config.js';
import { createAlertDispatcher } from '../../src/alerts/create-alert-dispatcher.js';
import type { AlertDispatcher } from '../../src/alerts/create-alert-dispatcher.js';
import { sampleFinding } from '../../src/alerts/sample-finding.js';
import { freeLoopbackPort } from '../support/prometheus-process.js';

const BINARY = '/usr/bin/prometheus-alertmanager';
const unavailable = existsSync(BINARY) ? null : `${BINARY} is not installed (Debian package prometheus-alertmanager; scripts/ensure-test-deps.sh installs it)`;
const inCi = (process.env['CI'] ?? '') !== '' && process.env['CI'] !== 'false';
if (unavailable !== null && !inCi) console.warn(`SKIPPED Alertmanager integration test: ${unavailable}`);

/** Polls at most this many times, 200 ms apart (30 s in all). */
const POLLS = 150;
const EXTERNAL_URL = 'http://shiftguard.test:8080';

interface GettableAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly fingerprint: string;
  readonly generatorURL?: string;
  readonly status: { readonly state: string };
}

interface Notification {
  readonly status: string;
  readonly alerts: readonly { readonly status: string; readonly labels: Record<string, string> }[];
}

describe.skipIf(unavailable !== null && !inCi)('alert delivery to a real Alertmanager 0.25', () => {
  let dir = '';
  let receiver: Server | undefined;
  let alertmanager: ChildProcess | undefined;
  let amUrl = '';
  let logPath = '';
  let dispatcher: AlertDispatcher | undefined;
  const registry = new Registry();
  const notifications: Notification[] = [];

  const gatewayFinding = sampleFinding({ id: '11' });
  const syncFinding = sampleFinding({ id: '12', signal: 'retries', labels: { service: 'sync', peer: 'db', 'k8s.pod': 'sync-0' } });

  beforeAll(async () => {
    if (unavailable !== null) throw new Error(`CI is set, so the Alertmanager integration test must run, but ${unavailable}`);
    dir = mkdtempSync(join(tmpdir(), 'shiftguard-am-'));
    receiver = await startReceiver((body) => notifications.push(body as Notification));
    const receiverPort = (receiver.address() as AddressInfo).port;
    const configPath = join(dir, 'alertmanager.yml');
    writeFileSync(configPath, alertmanagerConfig(`http://127.0.0.1:${receiverPort}/notify`));
    const port = await freeLoopbackPort();
    amUrl = `http://127.0.0.1:${port}`;
    logPath = join(dir, 'alertmanager.log');
    const log = openSync(logPath, 'w');
    alertmanager = spawn(BINARY, [`--config.file=${configPath}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='], {
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    await pollUntil('Alertmanager ready', async () => (await fetch(`${amUrl}/-/ready`, { signal: AbortSignal.timeout(2000) })).ok);
    const config = AlertsConfigSchema.parse({ externalUrl: EXTERNAL_URL, alertmanager: { url: amUrl, resendInterval: '1s', timeout: '5s' } });
    dispatcher = createAlertDispatcher({ config, env: {}, logger: pino({ level: 'warn' }), registry });
    dispatcher.start();
  });

  afterAll(async () => {
    await dispatcher?.stop(2000);
    await stopProcess(alertmanager);
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('shows each open finding as one active alert with the expected labels and annotations', async () => {
    dispatcher?.sync([gatewayFinding, syncFinding], []);
    const alerts = await pollFor('two active shiftguard alerts', async () => {
      const active = await shiftguardAlerts();
      return active.length === 2 && active.every((a) => a.status.state === 'active') ? active : null;
    });
    const gateway = alerts.find((a) => a.labels['signal'] === 'latency');
    expect(gateway?.labels).toEqual({ alertname: 'ShiftguardRegression', upgrade: 'dten-2026.04', signal: 'latency', severity: 'warning', service: 'gateway', endpoint: '/v1/route' });
    expect(gateway?.annotations['summary']).toBe('p99 of latency {service=gateway,endpoint=/v1/route} +50.0% after upgrade dten-2026.04');
    expect(gateway?.annotations['description']).toContain('Top suspect: dten-gateway 4.2.1 → 4.3.0, score 0.93');
    expect(gateway?.annotations['suspects']).toBe('dten-gateway 4.2.1→4.3.0 0.93; dten-sync 1.0.0→1.1.0 0.05');
    expect(gateway?.generatorURL).toBe(`${EXTERNAL_URL}/api/v1/findings?upgrade=dten-2026.04`);
    const sync = alerts.find((a) => a.labels['signal'] === 'retries');
    expect(sync?.labels).toMatchObject({ service: 'sync', peer: 'db', k8s_pod: 'sync-0' });
    await pollFor('a firing notification at the receiver', async () => (notifications.some((n) => n.status === 'firing') ? true : null));
  });

  it('keeps one alert per finding across re-sends (same fingerprint)', async () => {
    const before = await shiftguardAlerts();
    const okBefore = await okPosts();
    dispatcher?.sync([gatewayFinding, syncFinding], []);
    await pollFor('three more accepted re-sends', async () => ((await okPosts()) >= okBefore + 3 ? true : null));
    const after = await shiftguardAlerts();
    expect(after).toHaveLength(2);
    expect(after.map((a) => a.fingerprint).sort()).toEqual(before.map((a) => a.fingerprint).sort());
  });

  it('delivers the resolution as a resolved notification and drops the alert from the active ones', async () => {
    dispatcher?.sync([syncFinding], [{ ...gatewayFinding, resolvedAtMs: Date.now() }]);
    const resolved = await pollFor('a resolved notification for the gateway finding', async () =>
      notifications.find((n) => n.status === 'resolved' && n.alerts.some((a) => a.labels['signal'] === 'latency' && a.status === 'resolved')) ?? null,
    );
    expect(resolved.alerts.map((a) => a.labels['service'])).toEqual(['gateway']);
    const remaining = await pollFor('only the sync alert still active', async () => {
      const active = await shiftguardAlerts();
      return active.length === 1 ? active : null;
    });
    expect(remaining[0]?.labels['signal']).toBe('retries');
  });

  async function shiftguardAlerts(): Promise<GettableAlert[]> {
    const filter = encodeURIComponent('alertname="ShiftguardRegression"');
    const response = await fetch(`${amUrl}/api/v2/alerts?active=true&silenced=false&inhibited=false&filter=${filter}`, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`GET /api/v2/alerts answered ${response.status}: ${await response.text()}`);
    return ((await response.json()) as GettableAlert[]).filter((a) => a.status.state === 'active');
  }

  async function okPosts(): Promise<number> {
    const metric = await registry.getSingleMetric('shiftguard_alert_deliveries_total')?.get();
    return metric?.values.find((v) => v.labels['sink'] === 'alertmanager' && v.labels['outcome'] === 'ok')?.value ?? 0;
  }

  async function pollUntil(what: string, done: () => Promise<boolean>): Promise<void> {
    await pollFor(what, async () => ((await done()) ? true : null));
  }

  /** Calls `probe` up to {@link POLLS} times, 200 ms apart, until it returns non-null; fails early if Alertmanager exited. */
  async function pollFor<T>(what: string, probe: () => Promise<T | null>): Promise<T> {
    let lastError = '';
    for (let attempt = 0; attempt < POLLS; attempt++) {
      if (alertmanager?.exitCode !== null && alertmanager?.exitCode !== undefined) throw new Error(`alertmanager exited with ${alertmanager.exitCode}:\n${readFileSync(logPath, 'utf8')}`);
      try {
        const value = await probe();
        if (value !== null) return value;
      } catch (error) {
        lastError = String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`never saw ${what} (last error: ${lastError || 'none'}; notifications: ${JSON.stringify(notifications)}):\n${readFileSync(logPath, 'utf8')}`);
  }
});

function alertmanagerConfig(webhookUrl: string): string {
  return [
    'route:',
    '  receiver: test-receiver',
    "  group_by: ['...']",
    '  group_wait: 0s',
    '  group_interval: 1s',
    '  repeat_interval: 1h',
    'receivers:',
    '  - name: test-receiver',
    '    webhook_configs:',
    `      - url: ${webhookUrl}`,
    '        send_resolved: true',
    '',
  ].join('\n');
}

/** A webhook receiver for Alertmanager's notifications, on a free loopback port. */
async function startReceiver(onNotification: (body: unknown) => void): Promise<Server> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        onNotification(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        response.writeHead(200).end();
      } catch {
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return server;
}

/** SIGTERM, then SIGKILL when the process has not exited within 10 s. */
async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
