/**
 * `shiftguard serve` delivers its findings as alerts, every component a real process: a Prometheus
 * backfilled with the seeded dten story (pull source), a real Alertmanager 0.25 whose route sends to
 * a webhook receiver in this test, and a second receiver for shiftguard's own signed webhook. The
 * upgrade is registered through the API; its after window is long past, so the first evaluation is
 * the final report and opens the findings at once. Checks: every finding is one active alert with
 * the expected labels and a generatorURL under `alerts.externalUrl`; Alertmanager notifies its
 * receiver; the webhook announces each finding once as `opened`, signed with HMAC-SHA256 over
 * "<timestamp>.<raw body>" (recomputed here with node:crypto); re-sends every `resendInterval` keep
 * one alert per finding; SIGTERM exits 0. Skipped with a reason when a binary is missing, unless CI
 * is set (then it fails). Every wait is bounded and fails early when a process exits.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../src/alerts/index.js';
import type { WebhookPayload } from '../../src/alerts/index.js';
import { dtenStory } from '../../src/sim/scenarios.js';
import { alertmanagerNotifications, alertmanagerUnavailableReason, pollFor, startAlertmanager, startWebhookReceiver, stopProcess } from '../support/alertmanager-process.js';
import type { AlertmanagerProcess, GettableAlert, PollOptions, ReceivedRequest, WebhookReceiver } from '../support/alertmanager-process.js';
import { prometheusUnavailableReason, startBackfilledPrometheus } from './backfilled-prometheus.js';
import type { BackfilledPrometheus } from './backfilled-prometheus.js';
import { parseContractReport } from './contract-report.js';
import { freePort } from './free-port.js';
import { CLI_PATH, makeTempDir } from './run-cli.js';
import type { TempDir } from './run-cli.js';
import { writeScenarioFiles } from './scenario-files.js';

const reasons = [prometheusUnavailableReason(), alertmanagerUnavailableReason()].filter((reason): reason is string => reason !== null);
const unavailable = reasons.length === 0 ? null : reasons.join('; ');
const inCi = (process.env['CI'] ?? '') !== '' && process.env['CI'] !== 'false';
if (unavailable !== null && !inCi) console.warn(`SKIPPED serve alerts e2e test: ${unavailable}`);

const TOKENS = { SHIFTGUARD_VIEWER_TOKEN: 'viewer-t', SHIFTGUARD_OPERATOR_TOKEN: 'operator-t', SHIFTGUARD_INGEST_TOKEN: 'ingest-t' };
const SECRET_ENV = 'SHIFTGUARD_WEBHOOK_SECRET';
const SECRET = 'e2e-webhook-secret';
/** Not the listen address, with a path prefix: links must be built from the configured value. */
const EXTERNAL_URL = 'https://shiftguard.example.test:8443/sg';
const UPGRADE_ID = 'dten-2026.04';
const GATEWAY_ROUTE = { service: 'gateway', endpoint: '/v1/route' };
/** Tolerance of the receiver's replay check, seconds (what `verifyWebhookSignature` defaults to). */
const TOLERANCE_SECONDS = 300;
/** Accepted re-sends to Alertmanager to sit through before checking for duplicates. */
const RESENDS = 2;

/** An item of `GET /api/v1/findings`. */
interface Finding {
  readonly id: string;
  readonly upgrade: string;
  readonly signal: string;
  readonly labels: Record<string, string>;
  readonly verdict: string;
  readonly resolvedAt: string | null;
}

describe.skipIf(unavailable !== null && !inCi)('shiftguard serve delivers findings as alerts', () => {
  let tmp: TempDir | undefined;
  let prometheus: BackfilledPrometheus | undefined;
  let alertmanager: AlertmanagerProcess | undefined;
  let amReceiver: WebhookReceiver | undefined;
  let hookReceiver: WebhookReceiver | undefined;
  let service: ChildProcess | undefined;
  let serviceLog = '';
  let base = '';
  let upgradePath = '';
  /** The open findings of the upgrade, once its evaluation is done. */
  let findings: Finding[] = [];
  let gatewayFinding: Finding | undefined;
  let firstAlerts: GettableAlert[] = [];

  beforeAll(async () => {
    if (unavailable !== null) throw new Error(`CI is set, so the serve alerts e2e test must run, but ${unavailable}`);
    tmp = makeTempDir('serve-alerts');
    const files = await writeScenarioFiles(tmp.path, 'dten', dtenStory(1));
    upgradePath = files.upgradePath;
    const promDir = join(tmp.path, 'prometheus');
    const amDir = join(tmp.path, 'alertmanager');
    mkdirSync(promDir);
    mkdirSync(amDir);
    prometheus = await startBackfilledPrometheus({ metricsPath: files.metricsPath, dir: promDir, probeQuery: 'count(dten_build_info)', probeAtMs: Date.parse('2026-04-10T12:00:00Z') });
    amReceiver = await startWebhookReceiver();
    hookReceiver = await startWebhookReceiver();
    alertmanager = await startAlertmanager({ dir: amDir, webhookUrl: `${amReceiver.url}/notify`, groupWait: '0s', groupInterval: '1s', repeatInterval: '1h' });
    const configPath = join(tmp.path, 'shiftguard.yaml');
    writeFileSync(configPath, serviceConfig(prometheus.url, alertmanager.url, `${hookReceiver.url}/hooks/shiftguard`));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    service = spawn(process.execPath, [CLI_PATH, 'serve', '--config', configPath], {
      cwd: tmp.path,
      env: { ...serviceEnv(), ...TOKENS, [SECRET_ENV]: SECRET, SHIFTGUARD_LISTEN: `127.0.0.1:${port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    service.stdout?.on('data', (chunk: Buffer) => (serviceLog += chunk.toString()));
    service.stderr?.on('data', (chunk: Buffer) => (serviceLog += chunk.toString()));
    await poll('serve ready', async () => ((await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2000) })).ok ? true : null));
  });

  afterAll(async () => {
    await stopProcess(service);
    await alertmanager?.stop();
    await amReceiver?.close();
    await hookReceiver?.close();
    await prometheus?.stop();
    tmp?.remove();
  });

  const call = (path: string, token: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${base}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } });

  it('registers the upgrade, and its final evaluation opens a finding per regression of the report', async () => {
    const registered = await call('/api/v1/upgrades', TOKENS.SHIFTGUARD_OPERATOR_TOKEN, { method: 'POST', body: readFileSync(upgradePath, 'utf8') });
    expect(registered.status, serviceLog).toBe(201);
    // The report waits for the evaluation started by the registration (one per upgrade at a time).
    const response = await call(`/api/v1/upgrades/${UPGRADE_ID}/report`, TOKENS.SHIFTGUARD_VIEWER_TOKEN);
    expect(response.status, serviceLog).toBe(200);
    const report = parseContractReport(await response.text());
    const regressions = report.groups.filter((g) => g.verdict === 'regression').map((g) => findingKey(g.signal, g.labels));
    findings = await listFindings();
    expect(findings.map((f) => findingKey(f.signal, f.labels)).sort()).toEqual(regressions.sort());
    gatewayFinding = findings.find((f) => findingKey(f.signal, f.labels) === findingKey('latency', GATEWAY_ROUTE));
    expect(gatewayFinding, `findings: ${JSON.stringify(findings)}`).toMatchObject({ upgrade: UPGRADE_ID, verdict: 'regression', resolvedAt: null });
  });

  it('shows each finding as one active Alertmanager alert with its labels and a link under the external URL', async () => {
    firstAlerts = await poll(`${findings.length} active ShiftguardRegression alert(s)`, async () => {
      const alerts = await shiftguardAlerts();
      return alerts.length === findings.length ? alerts : null;
    });
    const expected = findings.map((f) => ({ alertname: 'ShiftguardRegression', upgrade: UPGRADE_ID, signal: f.signal, severity: 'warning', ...f.labels }));
    expect(firstAlerts.map((a) => a.labels).sort(byLabels)).toEqual(expected.sort(byLabels));
    const gateway = firstAlerts.find((a) => a.labels['signal'] === 'latency' && a.labels['service'] === 'gateway' && a.labels['endpoint'] === '/v1/route');
    expect(gateway?.labels).toEqual({ alertname: 'ShiftguardRegression', upgrade: UPGRADE_ID, signal: 'latency', severity: 'warning', ...GATEWAY_ROUTE });
    for (const alert of firstAlerts) expect(alert.generatorURL, JSON.stringify(alert)).toMatch(new RegExp(`^${escapeRegExp(EXTERNAL_URL)}/`));
  });

  it("reaches Alertmanager's receiver as a firing notification", async () => {
    const notified = await poll('a firing notification for the gateway /v1/route alert', async () => {
      const notifications = alertmanagerNotifications(amReceiver?.requests ?? []);
      return notifications.find((n) => n.status === 'firing' && n.alerts.some((a) => a.status === 'firing' && isGatewayRoute(a.labels))) ?? null;
    });
    const alert = notified.alerts.find((a) => isGatewayRoute(a.labels));
    expect(alert?.labels).toMatchObject({ alertname: 'ShiftguardRegression', upgrade: UPGRADE_ID, signal: 'latency' });
    expect(alert?.generatorURL?.startsWith(`${EXTERNAL_URL}/`), JSON.stringify(alert)).toBe(true);
  });

  it('announces the finding on its own webhook as a signed `opened` event', async () => {
    const finding = gatewayFinding;
    if (finding === undefined) throw new Error('the gateway /v1/route finding was not opened (see the first test)');
    const request = await poll(`an opened event for finding ${finding.id} at the webhook receiver`, async () => openedEvents().find((r) => payloadOf(r).finding.id === finding.id) ?? null);
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/hooks/shiftguard');
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(request.headers['x-shiftguard-delivery']).toMatch(/\S/);
    const payload = payloadOf(request);
    expect(payload.event).toBe('opened');
    expect(payload.finding).toMatchObject({ id: finding.id, upgrade: UPGRADE_ID, signal: 'latency', labels: GATEWAY_ROUTE, verdict: 'regression', resolvedAt: null });
    // The receiver's own check, with node:crypto only; a wrong secret and a changed body must fail it.
    expect(signatureValid(request, SECRET), JSON.stringify(request.headers)).toBe(true);
    expect(signatureValid(request, 'not-the-secret')).toBe(false);
    expect(signatureValid({ ...request, body: request.body.replace('"opened"', '"resolved"') }, SECRET)).toBe(false);
    const timestamp = header(request, 'x-shiftguard-timestamp');
    expect(Math.abs(Math.floor(request.receivedAtMs / 1000) - Number(timestamp))).toBeLessThanOrEqual(TOLERANCE_SECONDS);
    // …and the helper shiftguard exports for receivers agrees.
    const delivery = { secret: SECRET, timestamp, signature: header(request, 'x-shiftguard-signature'), body: request.body, nowSeconds: Math.floor(request.receivedAtMs / 1000) };
    expect(verifyWebhookSignature(delivery)).toBe(true);
    expect(verifyWebhookSignature({ ...delivery, secret: 'not-the-secret' })).toBe(false);
    expect((await listFindings()).map((f) => f.id)).toContain(finding.id);
  });

  it('keeps exactly one alert per finding across re-sends, and announces each finding once', async () => {
    const before = await acceptedAlertmanagerPosts();
    await poll(`${RESENDS} more accepted re-sends to Alertmanager`, async () => ((await acceptedAlertmanagerPosts()) >= before + RESENDS ? true : null));
    const alerts = await shiftguardAlerts();
    expect(alerts).toHaveLength(findings.length);
    expect(alerts.map((a) => a.fingerprint).sort()).toEqual(firstAlerts.map((a) => a.fingerprint).sort());
    const stillOpen = await listFindings();
    expect(stillOpen.map((f) => f.id).sort()).toEqual(findings.map((f) => f.id).sort());
    const events = (hookReceiver?.requests ?? []).map((r) => `${payloadOf(r).event} ${payloadOf(r).finding.id}`);
    expect(events.sort()).toEqual(findings.map((f) => `opened ${f.id}`).sort());
  });

  it('stops gracefully on SIGTERM with exit code 0', async () => {
    const child = service;
    if (child === undefined || child.exitCode !== null) throw new Error(`serve is not running:\n${serviceLog}`);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited, serviceLog).toBe(0);
  });

  /** {@link pollFor}, failing at once when serve or Alertmanager exited, with serve's log on failure. */
  function poll<T>(what: string, probe: () => Promise<T | null>): Promise<T> {
    const options: PollOptions = {
      alive: () => {
        if (service !== undefined && (service.exitCode !== null || service.signalCode !== null)) throw new Error(`serve exited with ${service.exitCode ?? service.signalCode}:\n${serviceLog}`);
        alertmanager?.assertRunning();
      },
      context: () => `serve log:\n${serviceLog}`,
    };
    return pollFor(what, probe, options);
  }

  async function listFindings(): Promise<Finding[]> {
    const response = await call(`/api/v1/findings?upgrade=${encodeURIComponent(UPGRADE_ID)}`, TOKENS.SHIFTGUARD_VIEWER_TOKEN);
    if (response.status !== 200) throw new Error(`GET /api/v1/findings answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as Finding[];
  }

  async function shiftguardAlerts(): Promise<GettableAlert[]> {
    if (alertmanager === undefined) throw new Error('Alertmanager did not start');
    return alertmanager.activeAlerts(['alertname="ShiftguardRegression"', `upgrade="${UPGRADE_ID}"`]);
  }

  /** `shiftguard_alert_deliveries_total{sink="alertmanager",outcome="ok"}` from serve's `/metrics`. */
  async function acceptedAlertmanagerPosts(): Promise<number> {
    const text = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    const line = text.split('\n').find((l) => l.startsWith('shiftguard_alert_deliveries_total{') && l.includes('sink="alertmanager"') && l.includes('outcome="ok"'));
    if (line === undefined) throw new Error(`/metrics has no shiftguard_alert_deliveries_total{sink="alertmanager",outcome="ok"}:\n${text}`);
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }

  function openedEvents(): ReceivedRequest[] {
    return (hookReceiver?.requests ?? []).filter((r) => header(r, 'x-shiftguard-event') === 'opened');
  }
});

/** serve's configuration: the Prometheus pull source, Alertmanager with a short resend interval, the signed webhook. */
function serviceConfig(prometheusUrl: string, alertmanagerUrl: string, webhookUrl: string): string {
  return [
    'prometheus:',
    `  url: ${prometheusUrl}`,
    'alerts:',
    `  externalUrl: ${EXTERNAL_URL}`,
    '  alertmanager:',
    `    url: ${alertmanagerUrl}`,
    '    resendInterval: 2s',
    '    timeout: 5s',
    '  webhook:',
    `    url: ${webhookUrl}`,
    `    secret: { env: ${SECRET_ENV} }`,
    '    timeout: 5s',
    'outbound:',
    '  allowLoopback: true',
    '',
  ].join('\n');
}

/** The caller's environment minus variables that would override serve's configuration. */
function serviceEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('SHIFTGUARD_') || name === 'DATABASE_URL') delete env[name];
  return env;
}

/** Recomputes `sha256=<hex HMAC-SHA256(secret, "<X-Shiftguard-Timestamp>.<raw body>")>` and compares in constant time. */
function signatureValid(request: ReceivedRequest, secret: string): boolean {
  const timestamp = header(request, 'x-shiftguard-timestamp');
  const signature = header(request, 'x-shiftguard-signature');
  if (timestamp === undefined || !/^\d+$/.test(timestamp) || signature === undefined) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${request.body}`).digest('hex')}`);
  const presented = Buffer.from(signature);
  return expected.length === presented.length && timingSafeEqual(expected, presented);
}

function header(request: ReceivedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function payloadOf(request: ReceivedRequest): WebhookPayload {
  return JSON.parse(request.body) as WebhookPayload;
}

function isGatewayRoute(labels: Record<string, string>): boolean {
  return labels['signal'] === 'latency' && labels['service'] === GATEWAY_ROUTE.service && labels['endpoint'] === GATEWAY_ROUTE.endpoint;
}

/** A finding's identity: its signal and its group's labels (sorted). */
function findingKey(signal: string, labels: Readonly<Record<string, string>>): string {
  return JSON.stringify([signal, Object.entries(labels).sort(([a], [b]) => a.localeCompare(b))]);
}

function byLabels(a: Record<string, string>, b: Record<string, string>): number {
  return findingKey('', a).localeCompare(findingKey('', b));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
