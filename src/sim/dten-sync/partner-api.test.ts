import { afterEach, describe, expect, it, vi } from 'vitest';
import { startPartnerApi } from './partner-api.js';
import type { PartnerApi } from './partner-api.js';
import { createPartnerCaller } from './partner-call.js';

let partner: PartnerApi | undefined;
afterEach(async () => {
  await partner?.close();
  partner = undefined;
});

async function attempt(url: string, requestId: string, attemptNumber: number): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}/sync`, { method: 'POST', headers: { 'x-request-id': requestId, 'x-attempt': String(attemptNumber) } });
  return { status: response.status, body: await response.json() };
}

describe('partner API over real HTTP on loopback', () => {
  it('answers 503 or 200 as the fault model says, and counts attempts, failures and retries', async () => {
    partner = await startPartnerApi({ faults: { baseFailure: 1, soonFailure: 1, latencyMs: 1 } });
    expect(partner.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await attempt(partner.url, 'a', 0)).toEqual({ status: 503, body: { error: { code: 'transient', message: 'partner temporarily unavailable' } } });
    expect(await attempt(partner.url, 'a', 1)).toMatchObject({ status: 503 });
    expect(partner.trackedRequests()).toBe(1);
    partner.setFaults({ baseFailure: 0, soonFailure: 0 });
    expect(await attempt(partner.url, 'a', 2)).toEqual({ status: 200, body: { ok: true } });
    expect(partner.trackedRequests()).toBe(0);
    expect(partner.counters()).toEqual({ attempts: 3, failures: 2, retries: 2, retryFailures: 1 });
    expect(partner.faults()).toMatchObject({ baseFailure: 0, soonFailure: 0, latencyMs: 1 });
  });

  it('makes a retry that comes too soon meet the same fault: soonFailure applies to it, not baseFailure', async () => {
    partner = await startPartnerApi({ faults: { baseFailure: 1, soonFailure: 1, recoveryMs: 60_000, latencyMs: 0 } });
    expect((await attempt(partner.url, 'b', 0)).status).toBe(503);
    partner.setFaults({ baseFailure: 0 });
    // Within recoveryMs of the failure: still failing, though a first attempt now succeeds.
    expect((await attempt(partner.url, 'b', 1)).status).toBe(503);
    expect((await attempt(partner.url, 'c', 0)).status).toBe(200);
  });

  it('is what the client caller reaches: 2xx is success, 503 and a closed partner are failed attempts', async () => {
    partner = await startPartnerApi({ faults: { baseFailure: 0, latencyMs: 0 } });
    const caller = createPartnerCaller(partner.url, 1000);
    const signal = new AbortController().signal;
    expect(await caller.call({ requestId: 'd', attempt: 0 }, signal)).toBe(true);
    partner.setFaults({ baseFailure: 1 });
    expect(await caller.call({ requestId: 'e', attempt: 0 }, signal)).toBe(false);
    await partner.close();
    expect(await caller.call({ requestId: 'f', attempt: 0 }, signal)).toBe(false);
    caller.close();
  });

  it('refuses a partner URL that is not http://', () => {
    expect(() => createPartnerCaller('https://127.0.0.1:1', 1000)).toThrow('partner URL must be an http:// URL, got "https://127.0.0.1:1"');
    expect(() => createPartnerCaller('not a url', 1000)).toThrow(RangeError);
  });

  it('rejects a caller attempt only when the caller aborts it', async () => {
    partner = await startPartnerApi({ faults: { baseFailure: 0, latencyMs: 60_000, latencySigma: 0 } });
    const caller = createPartnerCaller(partner.url, 120_000);
    const abort = new AbortController();
    const pending = caller.call({ requestId: 'g', attempt: 0 }, abort.signal);
    abort.abort();
    await expect(pending).rejects.toThrow();
    caller.close();
  });

  it('close() drops attempts still waiting for their latency and resolves', async () => {
    partner = await startPartnerApi({ faults: { latencyMs: 60_000, latencySigma: 0 } });
    const hanging = fetch(`${partner.url}/sync`, { method: 'POST' }).then(() => 'answered', () => 'dropped');
    await vi.waitFor(() => expect(partner?.counters().attempts).toBe(1));
    await partner.close();
    expect(await hanging).toBe('dropped');
  });
});
