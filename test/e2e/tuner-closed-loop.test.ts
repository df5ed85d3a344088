/**
 * Issue 4's closed-loop must-show, end to end with real components (see closed-loop.ts): three loops
 * run side by side on one real unleash-server 6.10.1.
 * - keep: v2 retries too eagerly; shiftguard detects the retry regression, disables the gate on its
 *   own, the client's retries recover, verification keeps the change. Then the configuration-level
 *   rollback (`shiftguard rollback`) previews the change and `--apply` turns the gate back on.
 * - revert: the partner degrades at the upgrade and the legacy strategy hammers it; disabling the
 *   gate makes things worse, verification says so and the tuner restores the gate exactly. Its
 *   guardrails hold the gate rule alone: latency regresses too, and whether its finding or the
 *   retries one opens first is a matter of timing (the tune rule would answer a latency finding).
 * - rollback: rules in the order tune, then gate: the tuner tunes the constants first, then disables
 *   the gate; a human edits the constants by hand; the rollback preview lists both flags, `--apply`
 *   turns the gate back on (read back from Unleash) and refuses the hand-edited flag, naming it.
 * - dry-run: the same story as keep under `mode: dry-run`: decisions, and not one mutating call in
 *   Unleash's event log.
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoop, verifiedRatio } from './closed-loop.js';
import type { ApiDecision, Loop } from './closed-loop.js';
import { PUSH_TOKENS } from './push-service.js';
import { makeTempDir, runCli } from './run-cli.js';
import type { TempDir } from './run-cli.js';
import { startUnleash, unleashSkipReason } from '../support/unleash-server.js';
import type { UnleashServer } from '../support/unleash-server.js';
import { TUNER_TOKEN_NAME } from '../support/unleash-server.js';
import { V2_DEFAULTS } from '../../src/sim/dten-sync/backoff.js';

const unavailable = await unleashSkipReason('the closed-loop test');

/** v2's constants as the upgrade ships them (they retry too eagerly). */
const EAGER = V2_DEFAULTS;
const CALM = { baseDelayMs: 300, multiplier: 2, maxDelayMs: 4000, maxRetries: 3, jitter: 'none' as const };
/** From the upgrade to a decision on the gate (about 20 s on an idle machine; minutes when CI's other tests starve the loops). */
const LOOP_TIMEOUT_MS = 240_000;
/** From a change to its verification outcome: the verify window (30 s; 60 s for the revert loop), the next look, margins. */
const VERIFY_TIMEOUT_MS = 120_000;

/** Waits for the loop's first applied change to its gate, then for that change's outcome: detection and verification each get their own budget. */
async function gateOutcome(l: Loop, outcome: 'kept' | 'reverted'): Promise<ApiDecision[]> {
  await l.waitFor('a gate decision', (ds) => ds.some((d) => d.flag === l.gate && d.proposal.applied != null), LOOP_TIMEOUT_MS);
  return l.waitFor(`a ${outcome} gate decision`, (ds) => ds.some((d) => d.flag === l.gate && d.status === outcome), VERIFY_TIMEOUT_MS);
}

/** Seconds from the loop's upgrade to the change `d` applied (NaN before it was applied). */
function onsetToChangeSeconds(l: Loop, d: ApiDecision): number {
  return ((d.proposal.applied?.atMs ?? NaN) - l.upgradeAtMs) / 1000;
}

let unleash: UnleashServer | undefined;
let tmp: TempDir | undefined;
const loops: Partial<Record<'keep' | 'revert' | 'dryrun' | 'rollback', Loop>> = {};
const eventsAtStart: Record<string, number> = {};

function loop(name: keyof typeof loops): Loop {
  const l = loops[name];
  if (l === undefined) throw new Error(`loop ${name} did not start`);
  return l;
}

function dir(name: string): string {
  const path = join(tmp?.path ?? '.', name);
  mkdirSync(path, { recursive: true });
  return path;
}

async function rollbackCli(l: Loop, apply: boolean): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCli(['rollback', '--upgrade', l.upgradeId, '--url', l.service.base, ...(apply ? ['--apply'] : [])], {
    env: { SHIFTGUARD_OPERATOR_TOKEN: PUSH_TOKENS.operator },
  });
}

describe.skipIf(unavailable !== null)('the tuner in a closed loop with a real Unleash', () => {
  beforeAll(async () => {
    tmp = makeTempDir('closed-loop');
    unleash = await startUnleash({ progress: (line) => process.stderr.write(`${line}\n`) });
    const u = unleash;
    const started = await Promise.allSettled([
      startLoop({ name: 'keep', unleash: u, dir: dir('keep'), payload: EAGER, faults: { baseFailure: 0.08 } }),
      // Gate only: the partner's degradation raises latency too, and a latency finding opening first would get the tune rule.
      // Its verification has only the ~15 s between the upgrade's after window and the change as its
      // before window. With v1 retrying 5 times into faults that a retry within 250 ms meets again
      // with 70%, the change made retries +50 to +80%, and under CI's load that was twice judged
      // no_change (so few slices give a wide model variance). Here v1 retries 8 times and a fast retry
      // fails with 90%: about 0.5 -> 1.4 retries per request (CALM's first retry, at 300 ms, is
      // mostly past the fault); the verify window is 60 s.
      startLoop({ name: 'revert', unleash: u, dir: dir('revert'), rules: 'gate-only', verifyWindow: '60s', payload: CALM, v1: { delayMs: 0, maxRetries: 8 }, faults: { baseFailure: 0.04 }, faultsAtUpgrade: { baseFailure: 0.25, soonFailure: 0.9 } }),
      startLoop({ name: 'dryrun', unleash: u, dir: dir('dryrun'), mode: 'dry-run', payload: EAGER, faults: { baseFailure: 0.08 } }),
      startLoop({ name: 'rollback', unleash: u, dir: dir('rollback'), rules: 'tune-first', payload: EAGER, faults: { baseFailure: 0.08 } }),
    ]);
    const [keep, revert, dryrun, rollback] = started;
    if (keep?.status === 'fulfilled') loops.keep = keep.value;
    if (revert?.status === 'fulfilled') loops.revert = revert.value;
    if (dryrun?.status === 'fulfilled') loops.dryrun = dryrun.value;
    if (rollback?.status === 'fulfilled') loops.rollback = rollback.value;
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    for (const flag of [loop('dryrun').gate, loop('dryrun').tuned]) eventsAtStart[flag] = await u.countEvents(flag);
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled(Object.values(loops).map((l) => l.stop()));
    await unleash?.stop();
    tmp?.remove();
  }, 60_000);

  it('keep: detects the retry regression, disables the gate on its own, the client recovers, verification keeps it', async () => {
    const l = loop('keep');
    const decisions = await gateOutcome(l, 'kept');
    const d = decisions.find((x) => x.flag === l.gate) as ApiDecision;
    expect(d).toMatchObject({ kind: 'toggle', requestedBy: 'tuner', approvedBy: 'guardrails' });
    expect(d.proposal).toMatchObject({ action: 'disable', automatic: true, mode: 'enforce' });
    const onsetToChangeS = onsetToChangeSeconds(l, d);
    const ratio = verifiedRatio(d);
    process.stderr.write(`keep: ${d.proposal.summary}\n  onset → gate disabled: ${onsetToChangeS.toFixed(1)} s; verification: ${d.proposal.verification?.summary ?? ''}\n`);
    expect(onsetToChangeS).toBeGreaterThan(0);
    expect(d.proposal.verification?.outcome).toBe('better');
    // The client's own metrics recovered: retries per request after the change well below before.
    expect(ratio.after ?? Infinity).toBeLessThan((ratio.before ?? 0) * 0.7);
    expect(await l.gateEnabled()).toBe(false);
    const byTuner = (await unleash?.listEvents(l.gate))?.filter((e) => e.createdBy === TUNER_TOKEN_NAME) ?? [];
    expect(byTuner.map((e) => e.type)).toEqual(['feature-environment-disabled']);
  }, LOOP_TIMEOUT_MS + VERIFY_TIMEOUT_MS + 30_000);

  it('revert: a change that made things worse is reverted to the exact earlier value', async () => {
    const l = loop('revert');
    const decisions = await gateOutcome(l, 'reverted');
    const d = decisions.find((x) => x.flag === l.gate) as ApiDecision;
    const ratio = verifiedRatio(d);
    const onsetToChangeS = onsetToChangeSeconds(l, d);
    process.stderr.write(`revert: ${d.proposal.summary}\n  onset → gate disabled: ${onsetToChangeS.toFixed(1)} s; verification: ${d.proposal.verification?.summary ?? ''}\n`);
    expect(d.proposal.verification?.outcome).toBe('worse');
    expect(ratio.after ?? 0).toBeGreaterThan(ratio.before ?? Infinity);
    expect(d.proposal.reverted).toMatchObject({ by: 'tuner' });
    expect(await l.gateEnabled()).toBe(true);
    const byTuner = (await unleash?.listEvents(l.gate))?.filter((e) => e.createdBy === TUNER_TOKEN_NAME).map((e) => e.type).reverse();
    expect(byTuner).toEqual(['feature-environment-disabled', 'feature-environment-enabled']);
  }, LOOP_TIMEOUT_MS + VERIFY_TIMEOUT_MS + 30_000);

  it('dry-run: writes decisions and makes zero mutating calls (Unleash event log)', async () => {
    const l = loop('dryrun');
    const decisions = await l.waitFor('a dry-run decision', (ds) => ds.length > 0, LOOP_TIMEOUT_MS);
    expect(decisions[0]).toMatchObject({ flag: l.gate, status: 'approved', approvedBy: 'guardrails' });
    expect(decisions[0]?.proposal).toMatchObject({ mode: 'dry-run', action: 'disable', applied: null });
    // Long enough for an enforce loop to have applied its change (the keep loop does ~20 s after onset).
    await new Promise((resolve) => setTimeout(resolve, 20_000));
    for (const flag of [l.gate, l.tuned]) expect(await unleash?.countEvents(flag), flag).toBe(eventsAtStart[flag]);
    expect(await l.gateEnabled()).toBe(true);
  }, LOOP_TIMEOUT_MS + 60_000);

  it('rollback: the preview lists the change; --apply restores the value before it (read back from Unleash)', async () => {
    const l = loop('keep');
    const preview = await rollbackCli(l, false);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toContain(`${l.gate}: restore off → on`);
    expect(await l.gateEnabled()).toBe(false);
    const applied = await rollbackCli(l, true);
    expect(applied.code, `${applied.stderr}\nservice log tail:\n${l.service.stdout().slice(-3000)}`).toBe(0);
    expect(applied.stdout).toContain(`${l.gate}: restored`);
    expect(await l.gateEnabled()).toBe(true);
    const restore = (await l.decisions()).find((d) => d.proposal.action === 'restore');
    expect(restore).toMatchObject({ flag: l.gate, status: 'applied', requestedBy: 'operator' });
  }, 60_000);

  it('rollback: after the tuner changed both flags, --apply restores the gate and refuses the constants a human edited since, naming them', async () => {
    const l = loop('rollback');
    const settled = (d: ApiDecision): boolean => d.status === 'kept' || d.status === 'reverted';
    const both = await l.waitFor(
      'the tuner changing the constants and then the gate, both judged',
      (ds) => ds.some((d) => d.flag === l.tuned && settled(d)) && ds.some((d) => d.flag === l.gate && settled(d)),
      LOOP_TIMEOUT_MS + 60_000,
    );
    for (const d of both) process.stderr.write(`rollback loop: decision ${d.id} ${d.status}: ${d.proposal.summary}\n`);
    // The gate's net change: off if its disable was kept, none if verification reverted it.
    const gateKept = both.some((d) => d.flag === l.gate && d.status === 'kept');
    const tunerWrote = (await l.payload()) as Record<string, unknown>;
    const edited = { ...tunerWrote, maxRetries: 2, baseDelayMs: 333 };
    await l.editPayloadByHand(edited);
    const preview = await rollbackCli(l, false);
    expect(preview.code, preview.stdout + preview.stderr).toBe(3);
    expect(preview.stdout).toContain(gateKept ? `${l.gate}: restore off → on` : `${l.gate}: unchanged: already on`);
    expect(preview.stdout).toContain(`${l.tuned}: refused: changed by someone else since the tuner's last write`);
    const applied = await rollbackCli(l, true);
    expect(applied.code, `${applied.stdout}${applied.stderr}\nservice log tail:\n${l.service.stdout().slice(-3000)}`).toBe(3);
    if (gateKept) expect(applied.stdout).toContain(`${l.gate}: restored`);
    expect(applied.stdout).toContain(`refused (changed by someone else since the tuner's last write): ${l.tuned}`);
    expect(await l.gateEnabled()).toBe(true);
    expect(await l.payload()).toEqual(edited);
  }, LOOP_TIMEOUT_MS + 120_000);
});
