/**
 * Alert delivery against a real Alertmanager 0.25 (Debian's prometheus-alertmanager): the dispatcher
 * posts findings to `/api/v2/alerts`, Alertmanager routes them to a webhook receiver served by this
 * test (group_wait 0s, group_interval 1s, send_resolved), and the test reads Alertmanager's own API.
 * Checks: an open finding is an active alert with the expected labels and annotations; re-sends keep
 * one alert (same fingerprint); a resolved finding reaches the receiver as `resolved` and leaves the
 * active alerts; an operational alert (not tied to a finding) is listed with its own labels while
 * raised, and resolves when cleared. Skipped with a reason when the binary is missing, unless CI is
 * set (then it fails).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertsConfigSchema } from '../../src/alerts/alerts-config.js';
import { createAlertDispatcher } from '../../src/alerts/create-alert-dispatcher.js';
import type { AlertDispatcher } from '../../src/alerts/create-alert-dispatcher.js';
import { sampleFinding } from '../../src/alerts/sample-finding.js';
import { alertmanagerNotifications, alertmanagerUnavailableReason, pollFor as poll, startAlertmanager, startWebhookReceiver } from '../support/alertmanager-process.js';
import type { AlertmanagerProcess, GettableAlert, WebhookReceiver } from '../support/alertmanager-process.js';

const unavailable = alertmanagerUnavailableReason();
const inCi = (process.env['CI'] ?? '') !== '' && process.env['CI'] !== 'false';
if (unavailable !== null && !inCi) console.warn(`SKIPPED Alertmanager integration test: ${unavailable}`);

const EXTERNAL_URL = 'http://shiftguard.test:8080';

describe.skipIf(unavailable !== null && !inCi)('alert delivery to a real Alertmanager 0.25', () => {
  let dir = '';
  let receiver: WebhookReceiver | undefined;
  let alertmanager: AlertmanagerProcess | undefined;
  let dispatcher: AlertDispatcher | undefined;
  const registry = new Registry();
  const notifications = () => alertmanagerNotifications(receiver?.requests ?? []);

  const gatewayFinding = sampleFinding({ id: '11' });
  const syncFinding = sampleFinding({ id: '12', signal: 'retries', labels: { service: 'sync', peer: 'db', 'k8s.pod': 'sync-0' } });

  beforeAll(async () => {
    if (unavailable !== null) throw new Error(`CI is set, so the Alertmanager integration test must run, but ${unavailable}`);
    dir = mkdtempSync(join(tmpdir(), 'shiftguard-am-'));
    receiver = await startWebhookReceiver();
    alertmanager = await startAlertmanager({ dir, webhookUrl: `${receiver.url}/notify`, groupWait: '0s', groupInterval: '1s', repeatInterval: '1h' });
    const config = AlertsConfigSchema.parse({ externalUrl: EXTERNAL_URL, alertmanager: { url: alertmanager.url, resendInterval: '1s', timeout: '5s' } });
    dispatcher = createAlertDispatcher({ config, env: {}, logger: pino({ level: 'warn' }), registry });
    dispatcher.start();
  });

  afterAll(async () => {
    await dispatcher?.stop(2000);
    await alertmanager?.stop();
    await receiver?.close();
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
    await pollFor('a firing notification at the receiver', async () => (notifications().some((n) => n.status === 'firing') ? true : null));
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
      notifications().find((n) => n.status === 'resolved' && n.alerts.some((a) => a.labels['signal'] === 'latency' && a.status === 'resolved')) ?? null,
    );
    expect(resolved.alerts.map((a) => a.labels['service'])).toEqual(['gateway']);
    const remaining = await pollFor('only the sync alert still active', async () => {
      const active = await shiftguardAlerts();
      return active.length === 1 ? active : null;
    });
    expect(remaining[0]?.labels['signal']).toBe('retries');
  });

  it('lists a raised operational alert with its labels and resolves it when cleared', async () => {
    dispatcher?.raise({
      name: 'ShiftguardFlagFrozen',
      key: 'dten.sync.backoff',
      labels: { flag: 'dten.sync.backoff', environment: 'production' },
      summary: 'flag dten.sync.backoff frozen after 3 automatic reverts in a row',
      description: 'shiftguard reverted dten.sync.backoff 3 times in a row; it changes it no more until an operator unfreezes it',
      severity: 'critical',
    });
    dispatcher?.raise({ name: 'ShiftguardUnleashUnavailable', key: '', labels: {}, summary: 'Unleash is unreachable', description: 'connect ECONNREFUSED' });
    const [frozen] = await pollFor('the frozen-flag alert active in Alertmanager', async () => {
      const active = await operationalAlerts('ShiftguardFlagFrozen');
      return active.length === 1 ? active : null;
    });
    expect(frozen?.labels).toEqual({ alertname: 'ShiftguardFlagFrozen', severity: 'critical', flag: 'dten.sync.backoff', environment: 'production', key: 'dten.sync.backoff' });
    expect(frozen?.annotations).toEqual({
      summary: 'flag dten.sync.backoff frozen after 3 automatic reverts in a row',
      description: 'shiftguard reverted dten.sync.backoff 3 times in a row; it changes it no more until an operator unfreezes it',
    });
    expect(frozen?.generatorURL).toBe(`${EXTERNAL_URL}/`);
    const [unavailable] = await pollFor('the Unleash alert active', async () => {
      const active = await operationalAlerts('ShiftguardUnleashUnavailable');
      return active.length === 1 ? active : null;
    });
    expect(unavailable?.labels).toEqual({ alertname: 'ShiftguardUnleashUnavailable', severity: 'warning' });

    dispatcher?.clear('ShiftguardFlagFrozen', 'dten.sync.backoff');
    await pollFor('the frozen-flag alert no longer active', async () => ((await operationalAlerts('ShiftguardFlagFrozen')).length === 0 ? true : null));
    const resolved = await pollFor('a resolved notification for the frozen flag', async () =>
      notifications().find((n) => n.status === 'resolved' && n.alerts.some((a) => a.labels['alertname'] === 'ShiftguardFlagFrozen' && a.status === 'resolved')) ?? null,
    );
    expect(resolved.alerts[0]?.labels['flag']).toBe('dten.sync.backoff');
    expect(await operationalAlerts('ShiftguardUnleashUnavailable')).toHaveLength(1);
    expect(await shiftguardAlerts()).toHaveLength(1);
  });

  async function operationalAlerts(name: string): Promise<GettableAlert[]> {
    if (alertmanager === undefined) throw new Error('Alertmanager did not start');
    return alertmanager.activeAlerts([`alertname="${name}"`]);
  }

  async function shiftguardAlerts(): Promise<GettableAlert[]> {
    if (alertmanager === undefined) throw new Error('Alertmanager did not start');
    return alertmanager.activeAlerts(['alertname="ShiftguardRegression"']);
  }

  async function okPosts(): Promise<number> {
    const metric = await registry.getSingleMetric('shiftguard_alert_deliveries_total')?.get();
    return metric?.values.find((v) => v.labels['sink'] === 'alertmanager' && v.labels['outcome'] === 'ok')?.value ?? 0;
  }

  /** Polls (bounded, see {@link poll}) until `probe` returns non-null; fails early if Alertmanager exited. */
  function pollFor<T>(what: string, probe: () => Promise<T | null>): Promise<T> {
    return poll(what, probe, {
      alive: () => alertmanager?.assertRunning(),
      context: () => `notifications: ${JSON.stringify(notifications())}\n${alertmanager === undefined ? '' : readFileSync(alertmanager.logPath, 'utf8')}`,
    });
  }
});
