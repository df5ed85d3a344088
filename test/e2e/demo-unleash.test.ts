/**
 * `shiftguard demo` against a real Unleash (`UNLEASH_URL`, `UNLEASH_ADMIN_TOKEN`): the demo sets its
 * flags up through the Admin API (resetting one an earlier run left changed), the fleet reads them with
 * the unleash-client SDK through a client token the demo scoped to the project and environment, and
 * the tuner's changes land in Unleash: it disables dten-sync's backoff gate on its own, every
 * simulated instance switches to the old strategy (so the fleet read the flag off from Unleash), the
 * verification's verdict (kept, or reverted in Unleash too) lands there, and it disables the gateway
 * flag once an operator approves. Bad Unleash settings stop the demo with a clear message, exit 2.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CLIENT_TOKEN_NAME } from '../../src/sim/demo/demo-unleash.js';
import { GATEWAY_FLAG, SYNC_GATE, SYNC_TUNED } from '../../src/sim/demo/live-demo.js';
import { OPERATOR_TOKEN_NAME, TUNER_TOKEN_NAME, createBackoffFlag, flagEnvironmentPath, startUnleash, unleashSkipReason } from '../support/unleash-server.js';
import type { UnleashServer } from '../support/unleash-server.js';
import { startDemoProcess, untilDemo } from './live-demo-process.js';
import type { DemoProcess } from './live-demo-process.js';
import { expectInputError, makeTempDir, runCli } from './run-cli.js';
import type { TempDir } from './run-cli.js';

const skip = (await unleashSkipReason('demo against a real Unleash')) !== null;

interface Decision {
  readonly id: string;
  readonly flag: string;
  readonly status: string;
  readonly proposal: { readonly verification: { readonly outcome: string | null; readonly summary: string | null } | null };
}

async function flagState(unleash: UnleashServer, flag: string): Promise<{ enabled: boolean; strategies: { parameters: Record<string, string>; variants: { payload?: { value: string } }[] }[] }> {
  return (await unleash.adminOk('GET', flagEnvironmentPath(unleash, flag))) as never;
}

describe('shiftguard demo with bad Unleash settings', () => {
  it('refuses UNLEASH_URL without an admin token, naming the variable (exit 2)', async () => {
    const result = await runCli(['demo', '--listen', '127.0.0.1:0', '--duration', '5s'], { env: { UNLEASH_URL: 'http://127.0.0.1:9/api', UNLEASH_ADMIN_TOKEN: '' } });
    expectInputError(result, ['UNLEASH_ADMIN_TOKEN', 'unset or empty']);
  });

  it('refuses an UNLEASH_URL that is not the API base (exit 2)', async () => {
    const result = await runCli(['demo', '--listen', '127.0.0.1:0', '--duration', '5s'], { env: { UNLEASH_URL: 'http://127.0.0.1:9', UNLEASH_ADMIN_TOKEN: 'x' } });
    expectInputError(result, ['UNLEASH_URL', 'ending in /api']);
  });

  it('says when Unleash cannot be reached (exit 2)', async () => {
    const result = await runCli(['demo', '--listen', '127.0.0.1:0', '--duration', '5s'], { env: { UNLEASH_URL: 'http://127.0.0.1:9/api', UNLEASH_ADMIN_TOKEN: 'x' } });
    expectInputError(result, ['cannot reach Unleash at http://127.0.0.1:9/api']);
  });
});

describe.skipIf(skip)('shiftguard demo on a real Unleash', () => {
  let unleash: UnleashServer | undefined;
  let tmp: TempDir | undefined;
  let demo: DemoProcess | undefined;

  beforeAll(async () => {
    unleash = await startUnleash();
    tmp = makeTempDir('demo-unleash');
    // A leftover of an earlier run: the gate exists, switched off, at a 10 % rollout.
    await createBackoffFlag(unleash, SYNC_GATE);
    const path = flagEnvironmentPath(unleash, SYNC_GATE);
    const strategy = (await flagState(unleash, SYNC_GATE)).strategies[0] as unknown as { id: string };
    await unleash.adminOk('PUT', `${path}/strategies/${strategy.id}`, { name: 'flexibleRollout', parameters: { rollout: '10', stickiness: 'default', groupId: SYNC_GATE }, constraints: [] });
    await unleash.adminOk('POST', `${path}/off`);
  }, 150_000);

  afterAll(async () => {
    await demo?.stop();
    await unleash?.stop();
    tmp?.remove();
  }, 60_000);

  it('refuses an admin token Unleash does not know, with its answer (exit 2)', async () => {
    const u = unleash as UnleashServer;
    const result = await runCli(['demo', '--listen', '127.0.0.1:0', '--duration', '5s'], { env: { UNLEASH_URL: u.url, UNLEASH_ADMIN_TOKEN: '*:*.not-a-token' } });
    expectInputError(result, [`Unleash at ${u.url} answered GET`, 'HTTP 401', 'UNLEASH_ADMIN_TOKEN']);
  });

  it('sets the flags up in Unleash; the tuner disables the backoff gate there by itself, the fleet reads it off, and the verdict lands there too', async () => {
    const u = unleash as UnleashServer;
    demo = await startDemoProcess((tmp as TempDir).path, { UNLEASH_URL: u.url, UNLEASH_ADMIN_TOKEN: u.adminToken });
    const d = demo;
    expect(d.stderr()).toContain(`set up in Unleash at ${u.url} (project default, environment ${u.environment}; created ${SYNC_TUNED}, ${GATEWAY_FLAG})`);

    // Starting state: every flag on at 100 %, the leftover gate reset, the constants in the variant payload.
    for (const flag of [SYNC_GATE, SYNC_TUNED, GATEWAY_FLAG]) {
      const state = await flagState(u, flag);
      expect(state.enabled, flag).toBe(true);
      expect(state.strategies.map((s) => s.parameters['rollout']), flag).toEqual(['100']);
    }
    expect(JSON.parse((await flagState(u, SYNC_TUNED)).strategies[0]?.variants[0]?.payload?.value ?? 'null')).toMatchObject({ baseDelayMs: expect.any(Number), maxRetries: expect.any(Number) });
    // The fleet's token: a client token scoped to the project and environment, not the admin token.
    const { tokens } = (await u.adminOk('GET', '/admin/api-tokens')) as { tokens: { tokenName: string; type: string; environment: string; projects: string[] }[] };
    expect(tokens.filter((t) => t.tokenName === DEMO_CLIENT_TOKEN_NAME)).toEqual([expect.objectContaining({ type: 'client', environment: u.environment, projects: ['default'] })]);

    const judged = await untilDemo(d, `${SYNC_GATE} disabled and judged`, async () => {
      const decision = (await d.get<Decision[]>('/api/v1/decisions')).find((x) => x.flag === SYNC_GATE);
      return decision?.status === 'kept' || decision?.status === 'reverted' ? decision : undefined;
    }, 240_000);
    const verification = judged.proposal.verification;
    process.stderr.write(`demo-unleash: ${SYNC_GATE} ${judged.status}: ${verification?.outcome ?? '?'}: ${verification?.summary ?? ''}\n`);
    const disabledBy = (await u.listEvents(SYNC_GATE)).filter((e) => e.type === 'feature-environment-disabled').map((e) => e.createdBy);
    expect(disabledBy, 'newest first: the tuner, then the leftover of the earlier run').toEqual([TUNER_TOKEN_NAME, OPERATOR_TOKEN_NAME]);
    // The fleet read the flag from Unleash: every dten-sync 2.0.0 instance fell back to the v1 strategy.
    // (Its progress line lists the instances per version and strategy, every 10 s.)
    const syncLog = join((tmp as TempDir).path, 'data', 'demo', 'live', 'dten-sync.log');
    await untilDemo(d, 'all four dten-sync instances on the v1 strategy', async () => (/dten-sync-0,dten-sync-1,dten-sync-2,dten-sync-3 2\.0\.0 v1/.test(readFileSync(syncLog, 'utf8')) ? true : undefined), 30_000);
    if (judged.status === 'kept') {
      expect(verification?.outcome, verification?.summary ?? '').not.toBe('worse');
      expect((await flagState(u, SYNC_GATE)).enabled).toBe(false);
    } else {
      // A `worse` verification (possible when this machine is loaded: the simulated fleet shares its
      // cores) is reverted, and the revert lands in Unleash too.
      expect(verification?.outcome).toBe('worse');
      expect((await flagState(u, SYNC_GATE)).enabled).toBe(true);
      const enabledBy = (await u.listEvents(SYNC_GATE)).filter((e) => e.type === 'feature-environment-enabled').map((e) => e.createdBy);
      expect(enabledBy[0]).toBe(TUNER_TOKEN_NAME);
    }
  }, 300_000);

  it('disables the gateway flag in Unleash once an operator approves the pending decision', async () => {
    const u = unleash as UnleashServer;
    const d = demo as DemoProcess;
    const pending = await untilDemo(d, `a pending decision on ${GATEWAY_FLAG}`, async () => (await d.get<Decision[]>('/api/v1/decisions')).find((x) => x.flag === GATEWAY_FLAG && x.status === 'proposed'), 120_000);
    expect((await flagState(u, GATEWAY_FLAG)).enabled, 'nothing happens to it before the approval').toBe(true);
    const approved = await fetch(`${d.url}/api/v1/decisions/${pending.id}/approve`, { method: 'POST', headers: { Authorization: `Bearer ${d.operator}`, 'Content-Type': 'application/json' }, body: '{}' });
    expect(approved.status, await approved.text()).toBe(200);
    await untilDemo(d, `${GATEWAY_FLAG} off in Unleash`, async () => ((await flagState(u, GATEWAY_FLAG)).enabled ? undefined : true), 60_000);
    const events = (await u.listEvents(GATEWAY_FLAG)).filter((e) => e.type === 'feature-environment-disabled');
    expect(events.map((e) => e.createdBy)).toEqual([TUNER_TOKEN_NAME]);
  }, 200_000);
});
