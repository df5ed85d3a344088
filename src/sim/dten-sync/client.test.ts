import { describe, expect, it } from 'vitest';
import { freePort } from '../../../test/e2e/free-port.js';
import { FROM_VERSION, TO_VERSION, UnleashStartError, instanceName, startDtenSyncClient, versionAt } from './client.js';
import { resolveClientOptions } from './client-options.js';

describe('dten-sync client', () => {
  it('switches instance i to 2.0.0 at upgradeAt + i × stagger', () => {
    expect(instanceName(2)).toBe('dten-sync-2');
    expect(versionAt(0, 999, 1000, 500)).toBe(FROM_VERSION);
    expect(versionAt(0, 1000, 1000, 500)).toBe(TO_VERSION);
    expect(versionAt(2, 1999, 1000, 500)).toBe(FROM_VERSION);
    expect(versionAt(2, 2000, 1000, 500)).toBe(TO_VERSION);
    expect(versionAt(3, Number.MAX_SAFE_INTEGER, Infinity, 0)).toBe(FROM_VERSION);
  });

  it('fills in the documented defaults and names a bad option', () => {
    const resolved = resolveClientOptions({ unleashUrl: 'u', unleashToken: 't' });
    expect(resolved).toMatchObject({
      otlp: null, ratePerSecond: 50, instances: 4, upgradeAtMs: Infinity, upgradeStaggerMs: 0, seed: 1, refreshIntervalMs: 15_000,
      gateFlag: 'dten.sync.backoff-v2', tuneFlag: 'dten.sync.backoff', partnerUrl: null, v1: { delayMs: 400, maxRetries: 2 },
    });
    expect(resolveClientOptions({ unleashUrl: 'u', unleashToken: 't', shiftguardUrl: 's', ingestToken: 'i' }).otlp).toEqual({ shiftguardUrl: 's', ingestToken: 'i', exportIntervalMs: 1000 });
    expect(() => resolveClientOptions({ unleashUrl: 'u', unleashToken: 't', instances: 0 })).toThrow('instances must be an integer ≥ 1, got 0');
    expect(() => resolveClientOptions({ unleashUrl: 'u', unleashToken: 't', shiftguardUrl: 's' })).toThrow('ingestToken (with shiftguardUrl) is required');
    expect(() => resolveClientOptions({ unleashUrl: 'u', unleashToken: 't', v1: { maxRetries: -1 } })).toThrow('v1.maxRetries must be an integer ≥ 0');
  });

  it('fails clearly when Unleash does not answer at start, and leaves nothing running', async () => {
    const port = await freePort();
    const lines: string[] = [];
    const started = startDtenSyncClient({ unleashUrl: `http://127.0.0.1:${port}/api`, unleashToken: 't', unleashTimeoutMs: 5000, log: (l) => lines.push(l) });
    const error = await started.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnleashStartError);
    expect((error as Error).message).toMatch(new RegExp(`^Unleash at http://127\\.0\\.0\\.1:${port}/api gave no flags within 5000 ms: .*ECONNREFUSED`));
    expect(lines).toEqual([]);
  });

  it('survives the failure of a flag fetch still in flight when start gave up (a destroyed SDK must not crash the process)', async () => {
    const port = await freePort();
    // 300 ms: well before the SDK's first fetch fails (its two retries take about 3 s).
    const error = await startDtenSyncClient({ unleashUrl: `http://127.0.0.1:${port}/api`, unleashToken: 't', unleashTimeoutMs: 300, log: () => undefined }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnleashStartError);
    expect((error as Error).message).toBe(`Unleash at http://127.0.0.1:${port}/api gave no flags within 300 ms`);
    // Let that fetch fail: an unhandled rejection here would fail the test run.
    await new Promise((resolve) => setTimeout(resolve, 4000));
  });
});
