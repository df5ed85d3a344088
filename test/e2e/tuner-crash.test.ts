/**
 * Issue 4's crash must-show: `serve` is killed (SIGKILL through a failpoint, at exactly that point)
 * between "decision written" and "Unleash called", and, in a second loop, between "Unleash called"
 * and "outcome written". After a restart on the same state store, nothing is applied twice (Unleash's
 * event log holds exactly one change by the tuner) and nothing is lost (the one decision goes on to
 * be applied and verified).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoop } from './closed-loop.js';
import type { Loop } from './closed-loop.js';
import { makeTempDir } from './run-cli.js';
import type { TempDir } from './run-cli.js';
import { TUNER_TOKEN_NAME, startUnleash, unleashSkipReason } from '../support/unleash-server.js';
import type { UnleashServer } from '../support/unleash-server.js';

const unavailable = await unleashSkipReason('the crash test');

const EAGER = { baseDelayMs: 20, multiplier: 1.5, maxDelayMs: 2000, maxRetries: 5, jitter: 'full' as const };
const TIMEOUT_MS = 240_000;

let unleash: UnleashServer | undefined;
let tmp: TempDir | undefined;
const loops: Loop[] = [];

async function crashed(l: Loop, timeoutMs: number): Promise<string> {
  const child = l.service.child;
  if (child.exitCode === null && child.signalCode === null) {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not crash within ${timeoutMs} ms:\n${l.service.stderr().slice(-3000)}`)), timeoutMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  return child.signalCode ?? String(child.exitCode);
}

describe.skipIf(unavailable !== null)('the tuner killed at the worst moments', () => {
  beforeAll(async () => {
    tmp = makeTempDir('tuner-crash');
    unleash = await startUnleash();
    const u = unleash;
    const dir = (name: string): string => {
      const path = join(tmp?.path ?? '.', name);
      mkdirSync(path, { recursive: true });
      return path;
    };
    const started = await Promise.all([
      startLoop({ name: 'crash-before', unleash: u, dir: dir('before'), payload: EAGER, faults: { baseFailure: 0.08 }, serviceEnv: { SHIFTGUARD_FAILPOINTS: 'tuner.beforeFlagWrite=crash' } }),
      startLoop({ name: 'crash-after', unleash: u, dir: dir('after'), payload: EAGER, faults: { baseFailure: 0.08 }, serviceEnv: { SHIFTGUARD_FAILPOINTS: 'tuner.afterFlagWrite=crash' } }),
    ]);
    loops.push(...started);
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled(loops.map((l) => l.stop()));
    await unleash?.stop();
    tmp?.remove();
  }, 60_000);

  it.each([
    ['between "decision written" and "Unleash called"', 0, 'tuner.beforeFlagWrite', false],
    ['between "Unleash called" and "outcome written"', 1, 'tuner.afterFlagWrite', true],
  ] as const)('killed %s: after a restart the change is applied exactly once', async (_when, index, failpoint, writtenBeforeCrash) => {
    const l = loops[index] as Loop;
    expect(await crashed(l, TIMEOUT_MS)).toBe('SIGKILL');
    expect(l.service.stderr()).toContain(`failpoint ${failpoint} reached: crash`);
    const eventsAtCrash = (await unleash?.listEvents(l.gate))?.filter((e) => e.createdBy === TUNER_TOKEN_NAME).length;
    expect(eventsAtCrash).toBe(writtenBeforeCrash ? 1 : 0);

    await l.restartService({ SHIFTGUARD_FAILPOINTS: '' });
    const decisions = await l.waitFor('the decision applied after the restart', (ds) => ds.some((d) => d.proposal.applied !== null), 60_000);
    expect(decisions).toHaveLength(1);
    const [d] = decisions;
    expect(d).toMatchObject({ flag: l.gate, requestedBy: 'tuner', approvedBy: 'guardrails' });
    expect(d?.proposal.applied).toMatchObject(writtenBeforeCrash ? { reconciled: true, changed: false } : { reconciled: false, changed: true });
    // A few more rounds of the restarted tuner change nothing further.
    await new Promise((resolve) => setTimeout(resolve, 8000));
    const byTuner = (await unleash?.listEvents(l.gate))?.filter((e) => e.createdBy === TUNER_TOKEN_NAME).map((e) => e.type);
    expect(byTuner).toEqual(['feature-environment-disabled']);
    expect(await l.gateEnabled()).toBe(false);
    expect(await l.decisions()).toHaveLength(1);
  }, TIMEOUT_MS + 120_000);
});
