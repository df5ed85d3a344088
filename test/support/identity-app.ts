/**
 * The API (createApp) over the in-memory tuner harness (test/support/tuner-harness.ts), with named
 * tokens: two operators (alice, bob), a viewer (vera), plus the env role tokens. Everything an
 * operator does through the API (register, request, approve, reject, kill switch, unfreeze, rollback)
 * lands in the harness's store and flags, and `h.tuner.round()` carries approved decisions out, so
 * tests see who did what end to end without a server.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createApp } from '../../src/api/create-app.js';
import { tableAuth } from '../../src/api/auth.js';
import { envTokenEntries, fileTokenEntries } from '../../src/api/token-table.js';
import type { TokenEntry } from '../../src/api/token-table.js';
import { parseTokensFile } from '../../src/api/token-table-file.js';
import { createStoreUpgradeRegistry } from '../../src/api/upgrade-registry.js';
import { MemoryFlagStore } from '../../src/flags/memory-flag-store.js';
import { createServiceMetrics } from '../../src/telemetry/service-metrics.js';
import { applyRollback, planRollback } from '../../src/tune/rollback.js';
import { tokenDigest } from '../../src/api/token-table.js';
import { tunerHarness } from './tuner-harness.js';
import type { TunerHarness } from './tuner-harness.js';

/** A flag the harness's upgrade names for dten-sync that no guardrails rule governs. */
export const UNGOVERNED = 'dten.sync.hybrid';
/** Tokens by holder. */
export const PEOPLE = { alice: 'alice-token', bob: 'bob-token', vera: 'vera-token', operator: 'env-operator-token', viewer: 'env-viewer-token' } as const;
export type Person = keyof typeof PEOPLE;

export interface IdentityApp {
  readonly app: OpenAPIHono;
  readonly h: TunerHarness;
  /** Replaces the tokens file's entries (what a reload of the file does). */
  setFile(lines: readonly string[]): void;
  /** A request as `who` (no token when null). */
  call(who: Person | null, method: string, path: string, body?: unknown): Promise<Response>;
}

/** A tokens-file line. */
export function tokenLine(name: string, role: string, token: string): string {
  return `- { name: ${name}, role: ${role}, sha256: ${tokenDigest(token).toString('hex')} }`;
}

/** The app; `h.stop()` releases it. */
export async function identityApp(): Promise<IdentityApp> {
  const h = await tunerHarness({ upgradeFlags: [{ name: UNGOVERNED, binary: 'dten-sync' }] });
  const env = envTokenEntries({ viewer: { env: 'V' }, operator: { env: 'O' }, ingest: { env: 'I' } }, { V: PEOPLE.viewer, O: PEOPLE.operator }).entries;
  let file: TokenEntry[] = [];
  const setFile = (lines: readonly string[]): void => {
    file = fileTokenEntries(parseTokensFile(lines.length === 0 ? '[]' : lines.join('\n'), 'tokens.yaml'), env).entries;
  };
  setFile([tokenLine('alice', 'operator', PEOPLE.alice), tokenLine('bob', 'operator', PEOPLE.bob), tokenLine('vera', 'viewer', PEOPLE.vera)]);
  const flags = new MemoryFlagStore(h.flags);
  const registry = createStoreUpgradeRegistry(h.store, h.now);
  const rollbackDeps = { store: h.store, flags, now: h.now };
  const app = createApp({
    auth: tableAuth(env, { entries: () => file }),
    registry,
    metrics: createServiceMetrics(),
    analyze: () => Promise.reject(new Error('no report in identity tests')),
    now: h.now,
    ready: () => true,
    maxJsonBodyBytes: 1 << 20,
    version: 'test',
    logError: () => undefined,
    findings: h.store,
    decisions: h.store,
    killSwitch: h.killSwitch,
    tuner: {
      mode: h.guardrails.mode,
      flags: h.guardrails.rules.map((r) => r.flag),
      instance: h.tuner,
      rollback: { preview: (id) => planRollback(rollbackDeps, id), apply: (id, actor) => applyRollback(rollbackDeps, id, actor) },
    },
    requests: {
      guardrails: h.guardrails,
      flags,
      upgradeOf: async (id) => (await registry.get(id))?.upgrade ?? null,
      leaderEpoch: async () => (await h.store.currentLeaderTerm())?.epoch ?? 0,
    },
  });
  const call = (who: Person | null, method: string, path: string, body?: unknown): Promise<Response> =>
    Promise.resolve(
      app.request(path, {
        method,
        headers: { ...(who === null ? {} : { Authorization: `Bearer ${PEOPLE[who]}` }), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
  return { app, h, setFile, call };
}
