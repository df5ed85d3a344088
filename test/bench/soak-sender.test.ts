import { describe, expect, it } from 'vitest';
import { FALLBACK_BACKOFF_MS, createLoadStop, deliver, emptyTally, retryAfterMs } from './soak-sender.js';
import type { Answer, DeliverDeps } from './soak-sender.js';

describe('retryAfterMs', () => {
  const now = Date.UTC(2026, 3, 10, 12);
  it('reads delay-seconds and HTTP-dates, never negative', () => {
    expect(retryAfterMs('5', now)).toBe(5000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('Fri, 10 Apr 2026 12:00:07 GMT', now)).toBe(7000);
    expect(retryAfterMs('Fri, 10 Apr 2026 11:00:00 GMT', now)).toBe(0);
  });

  it('is null when absent or unreadable', () => {
    expect(retryAfterMs(null, now)).toBeNull();
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs('-1', now)).toBeNull();
    expect(retryAfterMs('1.5', now)).toBeNull();
  });
});

/** A sender whose answers are scripted; records every body sent and every wait asked for. */
function scripted(answers: Answer[], stopAfterWaits = Infinity): DeliverDeps & { sent: Uint8Array[]; waits: number[] } {
  const sent: Uint8Array[] = [];
  const waits: number[] = [];
  return {
    sent,
    waits,
    post: (body) => {
      sent.push(body);
      const answer = answers.shift();
      if (answer === undefined) throw new Error('no scripted answer left');
      return Promise.resolve(answer);
    },
    wait: (ms) => {
      waits.push(ms);
      return Promise.resolve(waits.length <= stopAfterWaits);
    },
    now: () => 0,
  };
}

const answer = (status: number, retryAfter: string | null = null): Answer => ({ status, retryAfter, text: `status ${status}` });

describe('deliver', () => {
  it('waits out each 503 as Retry-After says and resends the same body until it is accepted', async () => {
    const deps = scripted([answer(503, '5'), answer(503, '2'), answer(204)]);
    const body = Uint8Array.of(1, 2, 3);
    const tally = emptyTally();
    expect(await deliver(deps, body, 2000, tally)).toBe('accepted');
    expect(deps.sent).toEqual([body, body, body]);
    expect(deps.waits).toEqual([5000, 2000]);
    expect(tally).toMatchObject({ requests: 3, ok: 1, overloaded: 2, overloadedWithRetryAfter: 2, samplesSent: 2000, samplesAccepted: 2000 });
  });

  it("backs off as Prometheus does after a 503 without Retry-After or no answer, and counts those apart", async () => {
    const deps = scripted([answer(503), answer(0), answer(503, 'later'), answer(200)]);
    const tally = emptyTally();
    expect(await deliver(deps, Uint8Array.of(1), 10, tally)).toBe('accepted');
    expect(deps.waits).toEqual([FALLBACK_BACKOFF_MS.first, 2 * FALLBACK_BACKOFF_MS.first, 4 * FALLBACK_BACKOFF_MS.first]);
    expect(tally).toMatchObject({ overloaded: 2, overloadedWithRetryAfter: 0, noAnswer: 1, firstNoAnswer: 'status 0', ok: 1 });
  });

  it('gives up on any other answer without resending', async () => {
    const deps = scripted([answer(500)]);
    const tally = emptyTally();
    expect(await deliver(deps, Uint8Array.of(1), 10, tally)).toBe('failed');
    expect(deps.sent).toHaveLength(1);
    expect(tally).toMatchObject({ other: { 500: 1 }, firstOther: '500: status 500', samplesFailed: 10, samplesAccepted: 0 });
  });

  it('abandons the batch when the load stops during a wait', async () => {
    const deps = scripted([answer(503, '5')], 0);
    const tally = emptyTally();
    expect(await deliver(deps, Uint8Array.of(1), 10, tally)).toBe('abandoned');
    expect(tally).toMatchObject({ samplesSent: 10, samplesAbandoned: 10, samplesAccepted: 0 });
  });
});

describe('createLoadStop', () => {
  it('ends pending waits early when the load stops, and refuses new ones', async () => {
    const stop = createLoadStop();
    const waiting = stop.wait(60_000);
    stop.stop();
    expect(await waiting).toBe(false);
    expect(await stop.wait(1)).toBe(false);
    expect(stop.stopped).toBe(true);
  });

  it('resolves true when the wait ran out first', async () => {
    expect(await createLoadStop().wait(1)).toBe(true);
  });
});
