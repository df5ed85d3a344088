/**
 * SSRF protection through `serve` (issue 6): Grafana (on loopback, allowed) answers every annotation
 * with a redirect to the cloud metadata address, and Alertmanager's host name resolves to that
 * address (DNS rebinding, played by the service's injected resolver). The redirect is not followed:
 * the push reports Grafana as misdirected and raises its operational alert. That alert's delivery to
 * Alertmanager is refused at connect time: a warning naming the address and the rule, the delivery
 * counter's `error` outcome, nothing sent anywhere, and the service keeps serving.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { startService } from '../../src/main.js';
import type { RunningService } from '../../src/main.js';
import type { ResolveHost } from '../../src/net/guarded-fetch.js';

const METADATA = '169.254.169.254';
const OPERATOR_TOKEN = 'sgo_outbound_e2e';
/** Bound on each wait (a hang guard, not a performance bound), ms. */
const WAIT_MS = 20_000;

interface Stub {
  readonly server: Server;
  readonly port: number;
  readonly requests: string[];
}

let dir = '';
let grafana: Stub | undefined;
let alertmanager: Stub | undefined;
let service: RunningService | undefined;
const logs: { level: number; msg: string }[] = [];
/** Every name the service asked DNS about. */
const resolved: string[] = [];

async function stub(answer: (res: ServerResponse) => void): Promise<Stub> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
    req.resume();
    req.on('end', () => answer(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, requests };
}

/** The rebinding DNS: Alertmanager's name answers the metadata address. */
const resolveHost: ResolveHost = async (name) => {
  resolved.push(name);
  if (name === 'alertmanager.rebind.test') return [{ address: METADATA, family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shiftguard-outbound-'));
  grafana = await stub((res) => res.writeHead(302, { Location: `http://${METADATA}/latest/meta-data/iam/security-credentials/` }).end());
  alertmanager = await stub((res) => res.writeHead(200).end());
  const env = { SHIFTGUARD_LISTEN: '127.0.0.1:0', SHIFTGUARD_OPERATOR_TOKEN: OPERATOR_TOKEN, GRAFANA_TOKEN: 'glsa_outbound_e2e' };
  const yaml = [
    `store: { url: "sqlite:${join(dir, 'shiftguard.db')}" }`,
    'alerts:',
    `  alertmanager: { url: "http://alertmanager.rebind.test:${alertmanager.port}", resendInterval: 1s, timeout: 5s }`,
    `grafana: { url: "http://127.0.0.1:${grafana.port}", interval: 1s }`,
    'outbound: { allowLoopback: true }',
    '',
  ].join('\n');
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as { level: number; msg: string }) });
  service = await startService({ config: parseConfig(yaml, 'shiftguard.yaml', { env }), env, version: 'test', logger, resolveHost });
}, WAIT_MS);

afterAll(async () => {
  await service?.stop();
  await Promise.all([grafana, alertmanager].map((s) => (s === undefined ? undefined : new Promise<void>((resolve) => s.server.close(() => resolve())))));
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('serve with refused outbound destinations', () => {
  it('does not follow Grafana\'s redirect, refuses the rebinding Alertmanager at connect time, and keeps serving', async () => {
    const base = service?.url ?? '';
    const upgrade = { id: 'outbound-e2e', startedAt: new Date(Date.now() - 60_000).toISOString(), binaries: [{ name: 'dten-sync', from: '1.0.0', to: '2.0.0' }] };
    const registered = await fetch(`${base}/api/v1/upgrades`, { method: 'POST', headers: { Authorization: `Bearer ${OPERATOR_TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify(upgrade) });
    expect(registered.status, await registered.text()).toBe(201);

    const refusal = (): { level: number; msg: string } | undefined => logs.find((l) => l.msg.startsWith('alertmanager did not accept'));
    await expect.poll(refusal, { timeout: WAIT_MS, interval: 100 }).toBeDefined();
    expect(refusal()).toMatchObject({
      level: 40,
      msg:
        `alertmanager did not accept 1 alert(s) (outbound request to http://alertmanager.rebind.test:${alertmanager?.port}/api/v2/alerts refused: ` +
        `alertmanager.rebind.test resolves to ${METADATA}, which is a cloud metadata address; refused unless outbound.allowHosts lists that address); retrying at the next resend`,
    });
    expect(logs.some((l) => l.msg.includes(`(HTTP 302: redirect to http://${METADATA}/latest/meta-data/iam/security-credentials/ not followed`))).toBe(true);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^shiftguard_alert_deliveries_total\{sink="alertmanager",outcome="error"\} [1-9]/m);
    expect(metrics).toMatch(/^shiftguard_alert_deliveries_total\{sink="alertmanager",outcome="ok"\} 0$/m);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const listed = await fetch(`${base}/api/v1/upgrades`, { headers: { Authorization: `Bearer ${OPERATOR_TOKEN}` } });
    expect([listed.status, (await listed.text()).includes('"outbound-e2e"')]).toEqual([200, true]);

    expect(alertmanager?.requests).toEqual([]);
    expect(grafana?.requests.every((r) => r === 'POST /api/annotations')).toBe(true);
    expect(resolved).toContain('alertmanager.rebind.test');
  }, WAIT_MS * 2);
});
