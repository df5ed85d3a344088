/**
 * Issue 6, point 5 — anti-flapping: an hour of a metric oscillating every slice produces no more
 * flag changes than the caps allow and no reversal inside the cooldown.
 *
 * The whole loop runs on simulated time (test/support/flapping-loop.ts): a dten-sync fleet pushes its
 * retries into the real series store, the real upgrade monitor raises findings, the real tuner
 * answers them under the guardrails, writes the in-memory flag service, verifies each change with
 * the real `verifyChange` over the same series and keeps or reverts it. The fleet's retries
 * oscillate, either regardless of the flags or through them (the gate picks dten-sync's strategy,
 * the tuned flag its constants), every slice or with a half period near the verify window (the
 * adversarial case for verify-then-revert: each change is judged on a window the oscillation turns
 * against it). Several peers oscillate out of phase, so several findings compete for the same flags.
 *
 * For each flag the history is checked from the flag service's answers, its change log and the
 * decision log (test/support/flag-history.ts): no more writes than the limits allow, every change a
 * cooldown after the previous write (a revert included, so nothing is re-applied inside the cooldown
 * after a revert), no change reversed inside the cooldown except by the tuner's revert after a
 * `worse` verification, never three writes inside one cooldown, the daily cap, and every tuning step
 * inside the bounds and `maxStep`. Each scenario also asserts that it exercised what it is about
 * (a binding cooldown or cap, a revert followed by a later change), so no check passes vacuously.
 *
 * `SHIFTGUARD_LONG_TESTS=1` adds the long sweep: both worlds × both rule orders × both limit sets ×
 * nine half periods × two peer counts (144 simulated hours, a few minutes).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { checkFlagHistory, classifyWrites, formatTimeline, maxWrites } from '../support/flag-history.js';
import { UPGRADE_AT_MS, loopGuardrails, startFlappingLoop } from '../support/flapping-loop.js';
import type { FlappingLoop, LoopLimits } from '../support/flapping-loop.js';
import { dtenSyncWorld, independentWorld } from '../support/oscillating-fleet.js';
import { parseProposal } from '../../src/tune/decision-proposal.js';
import type { Guardrails } from '../../src/tune/guardrails-config.js';
import type { DecisionRecord } from '../../src/store/state-store.js';

const MIN = 60_000;
/** The shipped config/guardrails.yaml limits. */
const SHIPPED: LoopLimits = { cooldown: '15m', maxChangesPerDay: 6, verifyWindow: '10m' };
/** Tighter pacing: the daily cap binds within the hour (a 7 m verify window is the shortest that still judges 5 slices). */
const TIGHT: LoopLimits = { cooldown: '5m', maxChangesPerDay: 3, verifyWindow: '7m' };
/** The hour after the upgrade (its after window ends at +71 m) plus the verifications still running then. */
const RUN_MS = 80 * MIN;

interface Scenario {
  readonly world: 'independent' | 'feedback';
  /** Half period of the oscillation, minutes (1: bad and good alternate every slice). */
  readonly halfPeriodMin: number;
  readonly limits: LoopLimits;
  readonly order: 'gate-first' | 'tune-first';
  /** Oscillating peers (plus one steady peer, `storage`). */
  readonly peers: number;
  readonly stateStore?: 'memory' | 'sqlite';
}

interface Outcome {
  readonly loop: FlappingLoop;
  readonly decisions: DecisionRecord[];
  readonly problems: string[];
}

let open: FlappingLoop | null = null;

afterEach(async () => {
  await open?.close();
  open = null;
});

/** Runs a scenario's hour and checks every flag's history against the guardrails it ran under. */
async function run(s: Scenario, checkedAgainst?: Guardrails): Promise<Outcome> {
  const oscillating = Array.from({ length: s.peers }, (_, i) => `partner-${i}`);
  const halfPeriodMs = s.halfPeriodMin * MIN;
  // Peers spread over one period, in whole slices.
  const offsetMs = Object.fromEntries(oscillating.map((peer, i) => [peer, Math.round((2 * s.halfPeriodMin * i) / s.peers) * MIN]));
  const wave = { originMs: UPGRADE_AT_MS, halfPeriodMs, offsetMs };
  const world = s.world === 'independent' ? independentWorld({ wave, good: 0.05, bad: 0.3, peers: oscillating }) : dtenSyncWorld({ wave, goodFailure: 0.04, badFailure: 0.12, peers: oscillating });
  const guardrails = loopGuardrails(s.limits, s.order);
  const loop = await startFlappingLoop({ world, guardrails, peers: [...oscillating, 'storage'], seed: 7 * s.halfPeriodMin + s.peers, ...(s.stateStore === undefined ? {} : { stateStore: s.stateStore }) });
  open = loop;
  await loop.runUntil(UPGRADE_AT_MS + RUN_MS);
  const decisions = await loop.state.listDecisions();
  const against = checkedAgainst ?? guardrails;
  const problems = [...loop.errors];
  for (const rule of against.rules) {
    const history = { flag: rule.flag, rule, limits: against.limits, writes: loop.writes.filter((w) => w.flag === rule.flag), events: loop.flags.events(rule.flag), decisions, actor: 'shiftguard' };
    problems.push(...checkFlagHistory(history, { fromMs: UPGRADE_AT_MS, toMs: UPGRADE_AT_MS + RUN_MS }));
  }
  return { loop, decisions, problems };
}

function describeScenario(s: Scenario): string {
  const limits = `${s.limits.cooldown}/${s.limits.maxChangesPerDay}/${s.limits.verifyWindow}`;
  return `${s.world}, half period ${s.halfPeriodMin}m, ${limits}, ${s.order}, ${s.peers} oscillating peers${s.stateStore === 'sqlite' ? ', SQLite' : ''}`;
}

function printTimeline(s: Scenario, o: Outcome): void {
  const lines = formatTimeline(o.loop.writes, o.decisions, UPGRADE_AT_MS);
  process.stderr.write(`anti-flapping [${describeScenario(s)}]: ${lines.length} flag writes (at most ${maxWrites(o.loop.guardrails.limits, RUN_MS)} per flag)\n${lines.map((l) => `  ${l}\n`).join('')}`);
}

/** Whether some finding was held back by this pacing limit (`cooldown` or `daily cap`). */
function held(o: Outcome, limit: 'cooldown' | 'daily cap'): boolean {
  return [...o.loop.notActing.keys()].some((reason) => reason.includes(`: ${limit}: `));
}

/** Whether some finding waited because another change for its binary was being verified. */
function heldOneAtATime(o: Outcome): boolean {
  return [...o.loop.notActing.keys()].some((reason) => reason.startsWith('one change at a time for '));
}

/** Flags that were changed again after a tuner revert. */
function reappliedAfterRevert(o: Outcome): string[] {
  const flags = [...new Set(o.loop.writes.map((w) => w.flag))];
  return flags.filter((flag) => {
    const writes = classifyWrites(o.loop.writes.filter((w) => w.flag === flag));
    return writes.some((w, i) => w.kind === 'revert' && writes.slice(i + 1).some((later) => later.kind === 'apply'));
  });
}

describe('anti-flapping: an hour of an oscillating retry ratio through detection, the tuner, the flags and verification', () => {
  it('every slice, regardless of the flags, shipped limits and rule order, SQLite state: each finding gets its change, paced by the cooldown', async () => {
    const s: Scenario = { world: 'independent', halfPeriodMin: 1, limits: SHIPPED, order: 'gate-first', peers: 4, stateStore: 'sqlite' };
    const o = await run(s);
    printTimeline(s, o);
    expect(o.problems).toEqual([]);
    expect(o.loop.writes.length).toBeGreaterThanOrEqual(3);
    expect(held(o, 'cooldown')).toBe(true);
  });

  it('every slice, through the flags (dten-sync), tuning first: steps and the gate stay inside the limits and bounds', async () => {
    const s: Scenario = { world: 'feedback', halfPeriodMin: 1, limits: SHIPPED, order: 'tune-first', peers: 2 };
    const o = await run(s);
    printTimeline(s, o);
    expect(o.problems).toEqual([]);
    expect(o.loop.writes.filter((w) => w.flag === 'dten.sync.backoff').length).toBeGreaterThanOrEqual(2);
    // The gate and the constants answer the same binary: one waits while the other is verified.
    expect(heldOneAtATime(o)).toBe(true);
  });

  it('half period = the verify window, regardless of the flags: reverts are exempt, nothing is re-applied inside the cooldown after one', async () => {
    const s: Scenario = { world: 'independent', halfPeriodMin: 10, limits: SHIPPED, order: 'tune-first', peers: 5 };
    const o = await run(s);
    printTimeline(s, o);
    expect(o.problems).toEqual([]);
    expect(o.decisions.filter((d) => d.status === 'reverted').length).toBeGreaterThanOrEqual(2);
    expect(reappliedAfterRevert(o).length).toBeGreaterThanOrEqual(1);
  });

  it('half period near the verify window, gate first: three reverts in a row freeze a flag (alerted), and nothing changes it on its own after', async () => {
    const s: Scenario = { world: 'independent', halfPeriodMin: 9, limits: SHIPPED, order: 'gate-first', peers: 5 };
    const o = await run(s);
    printTimeline(s, o);
    expect(o.problems).toEqual([]);
    const frozen = await o.loop.tuner.frozenFlags();
    expect(frozen.length).toBeGreaterThanOrEqual(1);
    for (const { flag, state } of frozen) {
      expect(o.loop.alerts.get(`ShiftguardFlagFrozen/${flag}`)?.severity).toBe('critical');
      expect(o.loop.writes.filter((w) => w.flag === flag && w.atMs > state.sinceMs)).toEqual([]);
    }
  });

  it('tight limits, half period = the verify window, regardless of the flags: the daily cap binds; at most one revert past it', async () => {
    const s: Scenario = { world: 'independent', halfPeriodMin: 7, limits: TIGHT, order: 'gate-first', peers: 5 };
    const o = await run(s);
    printTimeline(s, o);
    expect(o.problems).toEqual([]);
    expect(held(o, 'daily cap')).toBe(true);
    expect(reappliedAfterRevert(o).length).toBeGreaterThanOrEqual(1);
  });

  it('tight limits, through the flags, tuning first: kept steps follow each other no faster than the limits allow, and stop at the cap', async () => {
    const s: Scenario = { world: 'feedback', halfPeriodMin: 7, limits: TIGHT, order: 'tune-first', peers: 2 };
    const o = await run(s);
    printTimeline(s, o);
    expect(o.problems).toEqual([]);
    // Every step improved, so the tuner would take another; the cap (3) stops it, and it turns to the gate.
    const steps = o.decisions.filter((d) => d.flag === 'dten.sync.backoff');
    expect(o.loop.writes.filter((w) => w.flag === 'dten.sync.backoff')).toHaveLength(TIGHT.maxChangesPerDay);
    expect(steps.map((d) => [d.status, parseProposal(d.proposal, d.id).verification?.outcome])).toEqual(steps.map(() => ['kept', 'better']));
    expect(o.decisions.some((d) => d.flag === 'dten.sync.backoff-v2')).toBe(true);
  });

  it('the same checks catch a tuner that paces by a shorter cooldown and a higher cap than the guardrails promise', async () => {
    const s: Scenario = { world: 'independent', halfPeriodMin: 10, limits: { cooldown: '1m', maxChangesPerDay: 50, verifyWindow: '10m' }, order: 'tune-first', peers: 5 };
    const o = await run(s, loopGuardrails(SHIPPED, 'tune-first'));
    expect(o.problems.some((p) => p.includes('re-applies what was reverted'))).toBe(true);
    expect(o.problems.some((p) => /more than the \d+ the limits allow/.test(p) || p.includes('oscillates faster than the cooldown') || p.includes('daily cap'))).toBe(true);
  });
});

describe.runIf(process.env['SHIFTGUARD_LONG_TESTS'] === '1')('anti-flapping sweep (long)', () => {
  const grid: Scenario[] = [];
  for (const world of ['independent', 'feedback'] as const) {
    for (const order of ['gate-first', 'tune-first'] as const) {
      for (const limits of [SHIPPED, TIGHT]) {
        for (const halfPeriodMin of [1, 3, 5, 7, 9, 10, 11, 12, 15]) for (const peers of [2, 5]) grid.push({ world, order, limits, halfPeriodMin, peers });
      }
    }
  }
  it(`keeps every flag inside the limits over ${grid.length} simulated hours`, async () => {
    const failures: string[] = [];
    for (const s of grid) {
      const o = await run(s);
      if (o.problems.length > 0) {
        printTimeline(s, o);
        failures.push(`${describeScenario(s)}:\n  ${o.problems.join('\n  ')}`);
      }
      await o.loop.close();
      open = null;
    }
    expect(failures).toEqual([]);
  }, 1_800_000);
});
