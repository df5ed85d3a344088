/**
 * Issue 4's outage must-show: the tuner reaches Unleash through a fault proxy. While Unleash answers
 * 503, and then while it refuses connections, the tuner changes nothing (Unleash's event log) and
 * raises an alert (`GET /api/v1/tuner`, the operational alert ShiftguardUnleashUnavailable). When
 * Unleash is back, the tuner reads the flag again and makes its one change, and the alert clears.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoop } from './closed-loop.js';
import type { Loop } from './closed-loop.js';
import { makeTempDir } from './run-cli.js';
import type { TempDir } from './run-cli.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { TUNER_TOKEN_NAME, startUnleash, unleashSkipReason } from '../support/unleash-server.js';
import type { UnleashServer } from '../support/unleash-server.js';

const unavailable = await unleashSkipReason('the outage test');

const EAGER = { baseDelayMs: 20, multiplier: 1.5, maxDelayMs: 2000, maxRetries: 5, jitter: 'full' as const };
const TIMEOUT_MS = 240_000;

interface TunerStatusJson {
  readonly lastRound: { readonly outcome: string; readonly message: string | null } | null;
  readonly alerts: readonly { readonly name: string; readonly summary: string; readonly description: string }[];
}

let unleash: UnleashServer | undefined;
let proxy: Awaited<ReturnType<typeof startFaultProxy>> | undefined;
let tmp: TempDir | undefined;
let loop: Loop | undefined;

async function status(l: Loop): Promise<TunerStatusJson> {
  return (await (await l.service.call('/api/v1/tuner', 'viewer')).json()) as TunerStatusJson;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms\n${log().slice(-4000)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe.skipIf(unavailable !== null)('the tuner while Unleash is down', () => {
  beforeAll(async () => {
    tmp = makeTempDir('tuner-outage');
    unleash = await startUnleash();
    proxy = await startFaultProxy(unleash.baseUrl);
    proxy.setMode('error503');
    const dir = join(tmp.path, 'outage');
    mkdirSync(dir, { recursive: true });
    loop = await startLoop({ name: 'outage', unleash, dir, payload: EAGER, faults: { baseFailure: 0.08 }, tunerUnleashUrl: `${proxy.url}/api` });
  }, 180_000);

  afterAll(async () => {
    await loop?.stop();
    await proxy?.stop();
    await unleash?.stop();
    tmp?.remove();
  }, 60_000);

  it('changes nothing and alerts while Unleash answers 503 or is unreachable; on recovery reads again and changes once', async () => {
    const l = loop as Loop;
    const p = proxy as NonNullable<typeof proxy>;
    const log = (): string => l.service.stderr();
    await until('an outage alert from answers 503', async () => (await status(l)).alerts.some((a) => a.name === 'ShiftguardUnleashUnavailable'), TIMEOUT_MS, log);
    const during = await status(l);
    expect(during.lastRound?.outcome).toBe('outage');
    expect(during.alerts.find((a) => a.name === 'ShiftguardUnleashUnavailable')?.description).toMatch(/503/);
    expect(p.requests()).toBeGreaterThan(0);

    p.setMode('refuse');
    const requestsAtRefuse = p.requests();
    await until('the tuner trying again while connections are refused', async () => p.requests() > requestsAtRefuse + 2, 60_000, log);
    expect((await status(l)).alerts.map((a) => a.name)).toContain('ShiftguardUnleashUnavailable');
    expect(await unleash?.countEvents(l.gate, { createdBy: TUNER_TOKEN_NAME })).toBe(0);
    expect(await unleash?.countEvents(l.tuned, { createdBy: TUNER_TOKEN_NAME })).toBe(0);
    expect(await l.gateEnabled()).toBe(true);

    p.setMode('pass');
    const decisions = await l.waitFor('the change once Unleash is back', (ds) => ds.some((d) => d.proposal.applied !== null), 60_000);
    expect(decisions).toHaveLength(1);
    expect(decisions[0]?.proposal.applied).toMatchObject({ changed: true });
    await until('the outage alert clearing', async () => !(await status(l)).alerts.some((a) => a.name === 'ShiftguardUnleashUnavailable'), 30_000, log);
    const byTuner = (await unleash?.listEvents(l.gate))?.filter((e) => e.createdBy === TUNER_TOKEN_NAME).map((e) => e.type);
    expect(byTuner).toEqual(['feature-environment-disabled']);
  }, TIMEOUT_MS + 120_000);
});
