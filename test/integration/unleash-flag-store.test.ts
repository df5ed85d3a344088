/**
 * Integration test of the Unleash `FlagStore` adapter against a real unleash-server 6.10.1 on the
 * local PostgreSQL (one server, on its own fresh database, for the whole file): the shared contract
 * suite, then the dten story's two flags read, toggled and tuned while a real `unleash-client` (with
 * the client token) follows every change; drift after a human edit; auth failures; an unreachable
 * server; and the event log the dry-run check counts.
 *
 * Without PostgreSQL (or the unleash-server package) the suite is skipped with a warning, except
 * when `CI` is set: then this file fails, saying why.
 */
import { InMemStorageProvider, Unleash } from 'unleash-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { INITIAL_CONSTANTS, describeFlagStoreContract } from '../../src/flags/flag-store-contract.js';
import type { FlagSpec, FlagStoreHarness } from '../../src/flags/flag-store-contract.js';
import { FlagDriftError, FlagNotFoundError, FlagStoreAuthError, FlagStoreUnavailableError } from '../../src/flags/flag-store-error.js';
import { UnleashFlagStore } from '../../src/flags/unleash-flag-store.js';
import type { UnleashFlagStoreOptions } from '../../src/flags/unleash-flag-store.js';
import { freePort } from '../e2e/free-port.js';
import { OPERATOR_TOKEN_NAME, TUNER_TOKEN_NAME, createEditorToken, startUnleash, unleashUnavailableReason } from '../support/unleash-server.js';
import type { EditorToken, UnleashServer } from '../support/unleash-server.js';

const unavailable = await unleashUnavailableReason();
if (unavailable !== null) {
  if (process.env.CI !== undefined && process.env.CI !== '') throw new Error(`CI requires a real Unleash for the flag-store integration test: ${unavailable}`);
  console.warn(`SKIPPED unleash-flag-store integration test: ${unavailable}`);
}

const GATE = 'dten.sync.backoff-v2';
const TUNED = 'dten.sync.backoff';

let server: UnleashServer | undefined;
let created = 0;

function running(): UnleashServer {
  if (server === undefined) throw new Error('Unleash is not running: called outside the suite');
  return server;
}

function storeOptions(over: Partial<UnleashFlagStoreOptions> = {}): UnleashFlagStoreOptions {
  const s = running();
  return { url: s.url, token: s.adminToken, environment: s.environment, ...over };
}

function envPath(flag: string): string {
  const s = running();
  return `/admin/projects/${s.project}/features/${encodeURIComponent(flag)}/environments/${s.environment}`;
}

/** Creates `name` through the Admin API as the operator: the flag, its flexibleRollout strategies, then `on` when enabled. */
async function createFlag(name: string, spec: FlagSpec): Promise<void> {
  const s = running();
  await s.adminOk('POST', `/admin/projects/${s.project}/features`, { name, type: 'release' });
  for (const strategy of spec.strategies) {
    await s.adminOk('POST', `${envPath(name)}/strategies`, {
      name: 'flexibleRollout',
      ...(strategy.title === undefined ? {} : { title: strategy.title }),
      parameters: { rollout: '100', stickiness: 'default', groupId: name },
      constraints: [],
      variants: (strategy.variants ?? []).map((variant) => ({
        name: variant.name, weight: 1000, weightType: 'variable', stickiness: 'default',
        ...(variant.payload === undefined ? {} : {
          payload: variant.payload.type === 'json' ? { type: 'json', value: JSON.stringify(variant.payload.json) } : { type: variant.payload.type, value: variant.payload.text },
        }),
      })),
    });
  }
  if (spec.enabled) await s.adminOk('POST', `${envPath(name)}/on`);
}

/** A human's edit: PUT the flag's first strategy back, as the operator, with `variant`'s payload text replaced. */
async function humanSetPayloadText(flag: string, variant: string, text: string): Promise<void> {
  const s = running();
  const env = await s.adminOk('GET', envPath(flag)) as { strategies: { id: string; name: string; title: string | null; parameters: unknown; constraints: unknown; variants: { name: string }[] }[] };
  const strategy = env.strategies[0];
  if (strategy === undefined) throw new Error(`flag ${flag} has no strategy to edit`);
  await s.adminOk('PUT', `${envPath(flag)}/strategies/${strategy.id}`, {
    name: strategy.name, title: strategy.title, parameters: strategy.parameters, constraints: strategy.constraints,
    variants: strategy.variants.map((v) => (v.name === variant ? { ...v, payload: { type: 'json', value: text } } : v)),
  });
}

function unleashHarness(): FlagStoreHarness {
  const s = running();
  return {
    store: new UnleashFlagStore(storeOptions()),
    createFlag: async (hint, spec) => {
      const name = `contract.${hint}-${++created}`;
      await createFlag(name, spec);
      return name;
    },
    humanSetEnabled: async (flag, enabled) => {
      await s.adminOk('POST', `${envPath(flag)}/${enabled ? 'on' : 'off'}`);
    },
    humanSetPayloadText,
    countEvents: (flag) => s.countEvents(flag),
  };
}

/** A real SDK client with the client token, polling every 250 ms. */
async function startClient(): Promise<{ client: Unleash; errors: unknown[] }> {
  const s = running();
  const errors: unknown[] = [];
  const client = new Unleash({
    appName: 'shiftguard-integration-test',
    url: s.url,
    customHeaders: { Authorization: s.clientToken },
    refreshInterval: 250,
    disableMetrics: true,
    storageProvider: new InMemStorageProvider(),
    skipInstanceCountWarning: true,
  });
  client.on('error', (error: unknown) => errors.push(error));
  await vi.waitFor(() => expect(client.isSynchronized()).toBe(true), { timeout: 15_000, interval: 50 });
  return { client, errors };
}

/** The client's `dten.sync.backoff` payload, parsed. */
function clientConstants(client: Unleash): unknown {
  const variant = client.getVariant(TUNED);
  return variant.payload === undefined ? null : JSON.parse(variant.payload.value) as unknown;
}

describe.skipIf(unavailable !== null)('Unleash flag store (real unleash-server 6.10.1)', () => {
  beforeAll(async () => {
    server = await startUnleash();
  });
  afterAll(async () => {
    await server?.stop();
  });

  describeFlagStoreContract('Unleash', unleashHarness);

  describe('the dten flags, followed by a real unleash-client', () => {
    let client: Unleash | undefined;
    afterAll(() => client?.destroy());

    it('reads, disables, enables and tunes; the SDK sees each change; a human edit in between is refused as drift', async () => {
      const s = running();
      await createFlag(GATE, { enabled: true, strategies: [] });
      await createFlag(TUNED, { enabled: true, strategies: [{ title: 'backoff constants', variants: [{ name: 'constants', payload: { type: 'json', json: INITIAL_CONSTANTS } }] }] });
      const sdk = await startClient();
      client = sdk.client;
      const store = new UnleashFlagStore(storeOptions());

      const gate = await store.readFlag(GATE);
      expect(gate).toMatchObject({ flag: GATE, environment: 'development', enabled: true, strategy: { name: 'flexibleRollout', variants: [] } });
      expect(client.isEnabled(GATE)).toBe(true);
      const tuned = await store.readFlag(TUNED);
      expect(tuned.strategy?.variants).toEqual([{ name: 'constants', weight: 1000, payloadType: 'json', json: INITIAL_CONSTANTS }]);
      expect(clientConstants(client)).toEqual(INITIAL_CONSTANTS);

      const off = await store.setEnabled({ flag: GATE, enabled: false, expectedEnabled: true, decisionId: 'decision-1' });
      expect(off).toMatchObject({ changed: true, state: { enabled: false } });
      await vi.waitFor(() => expect(client?.isEnabled(GATE)).toBe(false), { timeout: 10_000, interval: 50 });
      await store.setEnabled({ flag: GATE, enabled: true, expectedEnabled: false, decisionId: 'decision-2' });
      await vi.waitFor(() => expect(client?.isEnabled(GATE)).toBe(true), { timeout: 10_000, interval: 50 });

      const tunedConstants = { ...INITIAL_CONSTANTS, baseDelayMs: 125, maxRetries: 2 };
      const tune = await store.replaceVariantPayload({ flag: TUNED, payload: tunedConstants, expectedPayload: INITIAL_CONSTANTS, decisionId: 'decision-3' });
      expect(tune.state).toEqual({ ...tuned, strategy: { ...tuned.strategy, variants: [{ name: 'constants', weight: 1000, payloadType: 'json', json: tunedConstants }] } });
      await vi.waitFor(() => expect(clientConstants(sdk.client)).toEqual(tunedConstants), { timeout: 10_000, interval: 50 });

      const human = { ...tunedConstants, maxDelayMs: 8000 };
      await humanSetPayloadText(TUNED, 'constants', JSON.stringify(human));
      const drift: unknown = await store.replaceVariantPayload({
        flag: TUNED, payload: { ...tunedConstants, baseDelayMs: 150 }, expectedPayload: tunedConstants, decisionId: 'decision-4',
      }).catch((e: unknown) => e);
      expect(drift).toBeInstanceOf(FlagDriftError);
      expect((drift as Error).message).toBe(`flag ${TUNED} drifted since the decision was planned: payload ${JSON.stringify(tunedConstants)} was expected `
        + `for variant constants in development, found payload ${JSON.stringify(human)}; refusing to write`);
      await vi.waitFor(() => expect(clientConstants(sdk.client)).toEqual(human), { timeout: 10_000, interval: 50 });

      const events = await s.listEvents(TUNED);
      expect(events[0]).toMatchObject({ type: 'feature-strategy-update', createdBy: OPERATOR_TOKEN_NAME });
      expect(events[1]).toMatchObject({ id: tune.eventId, type: 'feature-strategy-update', createdBy: TUNER_TOKEN_NAME, environment: 'development' });
      expect((await s.listEvents(GATE)).filter((e) => e.createdBy === TUNER_TOKEN_NAME).map((e) => e.type))
        .toEqual(['feature-environment-enabled', 'feature-environment-disabled']);
      expect(sdk.errors).toEqual([]);
    });
  });

  describe('least privilege: the tuner on an Editor user\'s personal access token', () => {
    let editor: EditorToken | undefined;
    const created: string[] = [];
    beforeAll(async () => {
      editor = await createEditorToken(running());
    });
    const editorStore = (): UnleashFlagStore => new UnleashFlagStore(storeOptions({ token: editor?.token ?? '' }));

    // Every read, toggle, payload change and refusal the tuner relies on works without admin rights.
    describeFlagStoreContract('Unleash, as an Editor (no admin rights)', () => {
      const h = unleashHarness();
      return { ...h, store: editorStore(), createFlag: async (hint, spec) => { const name = await h.createFlag(hint, spec); created.push(name); return name; } };
    });

    it('is refused what only admins may do: API tokens, users, instance settings', async () => {
      const s = running();
      const token = editor?.token ?? '';
      expect((await s.admin('POST', '/admin/api-tokens', { tokenName: 'x', type: 'client', environment: s.environment, projects: ['default'] }, token)).status).toBe(403);
      expect((await s.admin('GET', '/admin/user-admin', undefined, token)).status).toBe(403);
      expect((await s.admin('POST', '/admin/user-admin', { email: 'x@example.com', rootRole: 'Admin', sendEmail: false }, token)).status).toBe(403);
    });

    it('wrote only in the configured project and environment, and only to flags it was asked to change', async () => {
      const s = running();
      const email = editor?.email ?? '';
      const events = (await Promise.all(created.map((flag) => s.listEvents(flag)))).flat().filter((e) => e.createdBy === email);
      expect(events.length, 'the contract suite made writes as the Editor').toBeGreaterThan(0);
      expect(new Set(events.map((e) => e.environment))).toEqual(new Set([s.environment]));
      const all = (await s.adminOk('GET', '/admin/events')) as { events: { type: string; createdBy: string; project: string | null; environment: string | null; featureName: string | null }[] };
      const mine = all.events.filter((e) => e.createdBy === email);
      // Besides flag writes, only the setup's own event: the user making its token.
      expect(new Set(mine.filter((e) => e.featureName === null).map((e) => e.type))).toEqual(new Set(['pat-created']));
      const writes = mine.filter((e) => e.featureName !== null);
      expect(writes.length).toBe(events.length);
      for (const e of writes) expect({ project: e.project, environment: e.environment, known: created.includes(e.featureName ?? '') }).toEqual({ project: s.project, environment: s.environment, known: true });
    });
  });

  describe('Unleash specifics', () => {
    it('counts events per flag for the dry-run check: reads add none, each write adds one', async () => {
      const s = running();
      const flag = 'dryrun.gate';
      await createFlag(flag, { enabled: true, strategies: [{}] });
      const store = new UnleashFlagStore(storeOptions());
      const before = await s.countEvents(flag);
      expect(before).toBe(3); // feature-created, feature-strategy-add, feature-environment-enabled
      for (let i = 0; i < 3; i++) await store.readFlag(flag);
      expect(await s.countEvents(flag)).toBe(before);
      expect(await s.countEvents(flag, { createdBy: TUNER_TOKEN_NAME })).toBe(0);
      await store.setEnabled({ flag, enabled: false, expectedEnabled: true, decisionId: 'decision-9' });
      expect(await s.countEvents(flag)).toBe(before + 1);
      expect(await s.countEvents(flag, { createdBy: TUNER_TOKEN_NAME })).toBe(1);
    });

    it('refuses a wrong token (401) and a client token (403) as auth errors, without retrying', async () => {
      const s = running();
      const sleeps: number[] = [];
      const sleep = (ms: number) => {
        sleeps.push(ms);
        return Promise.resolve();
      };
      const wrong: unknown = await new UnleashFlagStore(storeOptions({ token: '*:*.not-a-token', sleep })).readFlag(GATE).catch((e: unknown) => e);
      expect(wrong).toBeInstanceOf(FlagStoreAuthError);
      expect(wrong).toMatchObject({ code: 'unauthorized', status: 401 });
      expect((wrong as Error).message).toBe(`Unleash answered 401 to read flag ${GATE} in development: You must log in to use Unleash. (the token is missing, wrong or expired)`);
      expect((wrong as Error).message).not.toContain('not-a-token');
      const client: unknown = await new UnleashFlagStore(storeOptions({ token: s.clientToken, sleep }))
        .setEnabled({ flag: GATE, enabled: false, expectedEnabled: true, decisionId: 'decision-5' }).catch((e: unknown) => e);
      expect(client).toMatchObject({ code: 'unauthorized', status: 403 });
      expect((client as Error).message).toContain('invalid token: expected a different token type for this endpoint');
      expect(sleeps).toEqual([]);
    });

    it('refuses an unknown environment as not found, naming it', async () => {
      const error: unknown = await new UnleashFlagStore(storeOptions({ environment: 'staging' })).readFlag(GATE).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FlagNotFoundError);
      expect((error as Error).message).toBe(`Unleash answered 404 to read flag ${GATE} in staging: Could not find ${GATE} in staging`);
    });

    it('retries an unreachable server with full-jitter backoff, then reports it unavailable', async () => {
      const port = await freePort();
      const sleeps: number[] = [];
      const store = new UnleashFlagStore({
        url: `http://127.0.0.1:${port}/api`, token: running().adminToken, environment: 'development',
        retry: { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 5000 },
        random: () => 0.5,
        sleep: (ms) => {
          sleeps.push(ms);
          return Promise.resolve();
        },
      });
      const error: unknown = await store.setEnabled({ flag: GATE, enabled: false, expectedEnabled: true, decisionId: 'decision-6' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FlagStoreUnavailableError);
      expect(error).toMatchObject({ code: 'unavailable', attempts: 3 });
      expect((error as Error).message).toMatch(new RegExp(`^Unleash at http://127\\.0\\.0\\.1:${port}/api is unavailable: read flag ${GATE.replaceAll('.', '\\.')} in development failed 3 times, last with fetch failed: .*ECONNREFUSED`));
      expect(sleeps).toEqual([100, 200]);
    });
  });
});
