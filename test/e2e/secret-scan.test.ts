/**
 * No secret leaks (issue 6): `shiftguard serve` runs a whole flow against a real Unleash 6.10.1
 * (reached through a fault proxy), a Grafana annotation API and a webhook receiver, with every
 * secret set to a recognisable random value: the three role tokens, named tokens from a tokens file,
 * the Unleash admin token, the webhook's HMAC key and the Grafana token. The flow: requests with
 * bad and near-miss tokens, a bad sign-in, a failed Unleash call (a flag it does not have), a
 * request and its approval by a second person, the tuner's write to Unleash, a rollback, the kill
 * switch, an Unleash outage (the tuner's call fails, the alert goes out by webhook), pushes to
 * Grafana. Then every log line, every HTTP answer (bodies and headers, Set-Cookie aside: it is the
 * session holding the user's own token), every audit row, decision and setting in the store, the
 * whole `/metrics` text, and every body shiftguard sent to Grafana and the webhook are scanned for
 * each secret, raw, URL-encoded, JSON-escaped and base64/base64url encoded. One hit fails.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenDigest } from '../../src/api/token-table.js';
import { openStateStore } from '../../src/store/open-state-store.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import type { FaultProxy } from '../support/fault-proxy.js';
import { startGrafanaAnnotationsServer } from '../support/grafana-annotations-server.js';
import type { GrafanaAnnotationsServer } from '../support/grafana-annotations-server.js';
import { findLeaks } from '../support/secret-scan.js';
import type { Leak } from '../support/secret-scan.js';
import { TUNER_TOKEN_NAME, createBackoffFlag, startUnleash, unleashSkipReason } from '../support/unleash-server.js';
import type { UnleashServer } from '../support/unleash-server.js';
import { startPushService } from './push-service.js';
import type { PushService } from './push-service.js';
import { makeTempDir } from './run-cli.js';
import type { TempDir } from './run-cli.js';

const unavailable = await unleashSkipReason('the secret-leak scan');

const secret = (prefix: string): string => `${prefix}${randomBytes(18).toString('hex')}`;
/** The secrets of this run (the Unleash admin token joins once Unleash has made it). */
const SECRETS: Record<string, string> = {
  SHIFTGUARD_VIEWER_TOKEN: secret('sgv_'),
  SHIFTGUARD_OPERATOR_TOKEN: secret('sgo_'),
  SHIFTGUARD_INGEST_TOKEN: secret('sgi_'),
  alice: secret('sga_'),
  bob: secret('sgb_'),
  SHIFTGUARD_WEBHOOK_SECRET: secret('whk_'),
  GRAFANA_TOKEN: secret('glsa_'),
};
const GATE = 'secrets.dten.sync.backoff-v2';
const MISSING = 'secrets.not-in-unleash';
const UPGRADE = 'secrets-dten-2.0';
/** Bound on each wait for the service (a hang guard, not a performance bound), ms. */
const WAIT_MS = 30_000;

/** Every text shiftguard produced, by where it came from. */
const seen: { where: string; text: string }[] = [];

let tmp: TempDir | undefined;
let unleash: UnleashServer | undefined;
let proxy: FaultProxy | undefined;
let grafana: GrafanaAnnotationsServer | undefined;
let webhook: { server: Server; url: string; received: { headers: string; body: string }[] } | undefined;
let service: PushService | undefined;

async function startWebhookReceiver(): Promise<NonNullable<typeof webhook>> {
  const received: { headers: string; body: string }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push({ headers: JSON.stringify(request.headers), body });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

/** A request as `token` (none when null); the answer's status, headers (Set-Cookie aside) and body are kept for the scan. */
async function call(token: string | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string; json: () => unknown }> {
  const response = await fetch(`${service?.base ?? ''}${path}`, {
    method,
    headers: { ...(token === null ? {} : { Authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    redirect: 'manual',
    signal: AbortSignal.timeout(WAIT_MS),
  });
  const text = await response.text();
  const shown = [...response.headers.entries()].filter(([name]) => name !== 'set-cookie').map(([name, value]) => `${name}: ${value}`).join('\n');
  seen.push({ where: `${method} ${path} → ${response.status}`, text: `${shown}\n\n${text}` });
  return { status: response.status, text, json: () => JSON.parse(text) as unknown };
}

async function until<T>(what: string, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${WAIT_MS} ms\nservice log tail:\n${service?.stdout().slice(-3000) ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

type Decision = { id: string; flag: string; status: string; requestedBy: string; approvedBy: string | null };
const decision = async (id: string): Promise<Decision | null> => ((await call(SECRETS['SHIFTGUARD_VIEWER_TOKEN'] ?? '', 'GET', '/api/v1/decisions')).json() as Decision[]).find((d) => d.id === id) ?? null;

describe.skipIf(unavailable !== null)('no token or secret in logs, answers, audit rows or metrics', () => {
  beforeAll(async () => {
    tmp = makeTempDir('secrets');
    unleash = await startUnleash();
    SECRETS['UNLEASH_ADMIN_TOKEN'] = unleash.adminToken;
    // The secret part of the admin token on its own (`*:*.` is its shape, not a secret).
    SECRETS['UNLEASH_ADMIN_TOKEN secret part'] = unleash.adminToken.slice(unleash.adminToken.indexOf('.') + 1);
    await createBackoffFlag(unleash, GATE);
    proxy = await startFaultProxy(unleash.url);
    grafana = await startGrafanaAnnotationsServer({ token: SECRETS['GRAFANA_TOKEN'] ?? '' });
    webhook = await startWebhookReceiver();
    const dir = tmp.path;
    mkdirSync(join(dir, 'data'));
    writeFileSync(
      join(dir, 'tokens.yaml'),
      ['alice', 'bob'].map((name) => `- { name: ${name}, role: operator, sha256: ${tokenDigest(SECRETS[name] ?? '').toString('hex')} }`).join('\n'),
    );
    writeFileSync(
      join(dir, 'guardrails.yaml'),
      [
        `unleash: { url: "${proxy.url}", environment: ${unleash.environment}, project: ${unleash.project}, tokenEnv: UNLEASH_ADMIN_TOKEN }`,
        'rules:',
        `  - { flag: ${GATE}, may: [disable], when: { signal: retries, binary: dten-sync } }`,
        'limits: { cooldown: 0s, verifyWindow: 10m }',
      ].join('\n'),
    );
    service = await startPushService(
      dir,
      [
        'store: { url: "sqlite:./data/shiftguard.db" }',
        'tuner: { guardrails: ./guardrails.yaml, interval: 1s }',
        `alerts: { webhook: { url: "${webhook.url}", maxAttempts: 2 } }`,
        `grafana: { url: "${grafana.url}", interval: 1s }`,
        'outbound: { allowLoopback: true }',
        '',
      ].join('\n'),
      {
        env: {
          ...Object.fromEntries(['SHIFTGUARD_VIEWER_TOKEN', 'SHIFTGUARD_OPERATOR_TOKEN', 'SHIFTGUARD_INGEST_TOKEN', 'SHIFTGUARD_WEBHOOK_SECRET', 'GRAFANA_TOKEN', 'UNLEASH_ADMIN_TOKEN'].map((k) => [k, SECRETS[k]])),
          SHIFTGUARD_TOKENS_FILE: join(dir, 'tokens.yaml'),
          LOG_LEVEL: 'debug',
        },
      },
    );
  }, 180_000);

  afterAll(async () => {
    await service?.stop();
    await proxy?.stop();
    await grafana?.close();
    await new Promise((resolve) => webhook?.server.close(resolve) ?? resolve(undefined));
    await unleash?.stop();
    tmp?.remove();
  }, 60_000);

  it('finds a planted secret in each encoding (the scan itself works)', () => {
    const alice = SECRETS['alice'] ?? '';
    const planted = [alice, encodeURIComponent(alice), Buffer.from(`x${alice}`).toString('base64'), Buffer.from(`Basic alice:${alice}`).toString('base64url')];
    for (const text of planted) expect(findLeaks(`…${text}…`, 'planted', { alice }), text).not.toEqual([]);
    expect(findLeaks('nothing here', 'planted', SECRETS)).toEqual([]);
  });

  it('runs the whole flow, then finds no secret anywhere', async () => {
    const s = (name: string): string => SECRETS[name] ?? '';
    const [alice, bob, viewer, ingest, operator] = [s('alice'), s('bob'), s('SHIFTGUARD_VIEWER_TOKEN'), s('SHIFTGUARD_INGEST_TOKEN'), s('SHIFTGUARD_OPERATOR_TOKEN')];

    // Bad and near-miss tokens, wrong roles, a bad sign-in.
    expect((await call(`${operator}x`, 'POST', '/api/v1/upgrades', '{}')).status).toBe(401);
    expect((await call(alice.slice(0, -1), 'GET', '/api/v1/decisions')).status).toBe(401);
    expect((await call(s('UNLEASH_ADMIN_TOKEN'), 'GET', '/api/v1/decisions')).status).toBe(401);
    expect((await call(null, 'GET', '/api/v1/decisions', undefined, { Authorization: `Basic ${Buffer.from(`alice:${alice}`).toString('base64')}` })).status).toBe(401);
    expect((await call(viewer, 'POST', '/api/v1/decisions', { upgrade: UPGRADE, flag: GATE, action: 'disable', reason: 'x' })).status).toBe(403);
    expect((await call(ingest, 'GET', '/api/v1/decisions')).status).toBe(403);
    expect((await call(ingest, 'POST', '/api/v1/write', 'not snappy', { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' })).status).toBe(400);
    expect((await call(null, 'POST', '/ui/login', new URLSearchParams({ token: `${bob}!`, next: '/' }).toString(), { 'Content-Type': 'application/x-www-form-urlencoded' })).status).toBe(401);
    expect((await call(null, 'GET', '/', undefined, { Cookie: `shiftguard_session=${alice}0` })).status).toBe(401);

    // An upgrade, a request that fails in Unleash (no such flag), a request approved by a second person.
    const upgrade = { id: UPGRADE, startedAt: new Date(Date.now() - 60_000).toISOString(), binaries: [{ name: 'dten-sync', from: '1.0.0', to: '2.0.0' }], flags: [{ name: GATE, binary: 'dten-sync' }, { name: MISSING, binary: 'dten-sync' }] };
    expect((await call(alice, 'POST', '/api/v1/upgrades', upgrade)).status).toBe(201);
    const missing = await call(alice, 'POST', '/api/v1/decisions', { upgrade: UPGRADE, flag: MISSING, action: 'disable', reason: 'no such flag' });
    expect(missing.status, missing.text).toBe(422);
    const requested = await call(alice, 'POST', '/api/v1/decisions', { upgrade: UPGRADE, flag: GATE, action: 'disable', reason: 'retries doubled' });
    expect(requested.status, requested.text).toBe(201);
    const first = String((requested.json() as { id: string }).id);
    expect((await call(alice, 'POST', `/api/v1/decisions/${first}/approve`)).status).toBe(403);
    expect((await call(bob, 'POST', `/api/v1/decisions/${first}/approve`, { reason: 'agreed' })).status).toBe(200);
    await until('the tuner applying the approved request in Unleash', async () => ((await decision(first))?.status === 'verifying' ? true : null));
    expect((await unleash?.listEvents(GATE))?.filter((e) => e.createdBy === TUNER_TOKEN_NAME).map((e) => e.type)).toEqual(['feature-environment-disabled']);

    // The review page, signed in; a rollback; the kill switch.
    const login = await fetch(`${service?.base ?? ''}/ui/login`, { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: bob, next: '/' }).toString() });
    expect(login.status).toBe(303);
    expect((await call(null, 'GET', '/', undefined, { Cookie: `shiftguard_session=${bob}` })).text).toContain('data-who="bob"');
    const rollback = await call(bob, 'POST', `/api/v1/upgrades/${UPGRADE}/rollback`);
    expect(rollback.status, rollback.text).toBe(200);
    expect((await call(alice, 'PUT', '/api/v1/tuner/kill-switch', { engaged: true, reason: 'drill' })).status).toBe(200);
    expect((await call(operator, 'PUT', '/api/v1/tuner/kill-switch', { engaged: false })).status).toBe(200);

    // An Unleash outage: a request fails at once (502), an approved one makes the tuner's call fail and alert.
    const again = await call(alice, 'POST', '/api/v1/decisions', { upgrade: UPGRADE, flag: GATE, action: 'disable', reason: 'once more' });
    expect(again.status, again.text).toBe(201);
    proxy?.setMode('error503');
    const during = await call(bob, 'POST', '/api/v1/decisions', { upgrade: UPGRADE, flag: MISSING, action: 'disable', reason: 'during the outage' });
    expect(during.status, during.text).toBe(502);
    expect((await call(bob, 'POST', `/api/v1/decisions/${String((again.json() as { id: string }).id)}/approve`)).status).toBe(200);
    await until('the outage alert delivered by webhook', async () => (webhook?.received.some((r) => r.body.includes('ShiftguardUnleashUnavailable')) === true ? true : null));
    await until('annotations pushed to Grafana', async () => ((grafana?.stored.length ?? 0) >= 3 ? true : null));
    expect(grafana?.requests.every((r) => r.authorization === `Bearer ${s('GRAFANA_TOKEN')}`)).toBe(true);

    // Everything the service shows, then everything it stored.
    for (const path of ['/api/v1/decisions', '/api/v1/upgrades', '/api/v1/findings', '/api/v1/annotations', '/api/v1/tuner', '/api/v1/tuner/kill-switch']) {
      expect((await call(viewer, 'GET', path)).status, path).toBe(200);
    }
    // The rollback preview reads Unleash, still down: a 502 naming the failure.
    expect((await call(viewer, 'GET', `/api/v1/upgrades/${UPGRADE}/rollback`)).status).toBe(502);
    expect((await call(null, 'GET', '/metrics')).text).toContain('shiftguard_tokens_file_valid 1');
    await service?.stop();
    const store = await openStateStore(`sqlite:${join(tmp?.path ?? '.', 'data', 'shiftguard.db')}`);
    try {
      const audit = await store.listAudit({ limit: 10_000 });
      expect(audit.map((a) => a.actor)).toEqual(expect.arrayContaining(['alice', 'bob', 'operator', 'tuner']));
      seen.push({ where: 'audit log', text: JSON.stringify(audit) });
      seen.push({ where: 'decisions', text: JSON.stringify(await store.listDecisions()) });
      seen.push({ where: 'upgrades', text: JSON.stringify(await store.listUpgrades()) });
      seen.push({ where: 'kill switch setting', text: JSON.stringify(await store.getSetting('tuner.killSwitch')) });
    } finally {
      await store.close();
    }
    seen.push({ where: 'serve stdout', text: service?.stdout() ?? '' }, { where: 'serve stderr', text: service?.stderr() ?? '' });
    for (const r of grafana?.requests ?? []) seen.push({ where: 'body sent to Grafana', text: r.body });
    for (const r of webhook?.received ?? []) seen.push({ where: 'webhook delivery', text: `${r.headers}\n${r.body}` });

    expect(service?.stdout()).toContain('"msg":"tuner round stopped');
    const leaks: Leak[] = seen.flatMap((s) => findLeaks(s.text, s.where, SECRETS));
    expect(leaks.map((l) => `${l.secret} (${l.form}) in ${l.where}: ${l.context}`)).toEqual([]);
    process.stderr.write(`secret scan: ${Object.keys(SECRETS).length} secrets × ${seen.length} texts (${Math.round(seen.reduce((n, s) => n + s.text.length, 0) / 1024)} KiB): no leak\n`);
  }, 240_000);
});
