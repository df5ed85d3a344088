/**
 * Property tests of the whole tuner over random decision streams: random regressions opening, time
 * passing, verifications coming out better, worse or flat, operators approving or rejecting, kill
 * switch flips. Whatever happens, every value the tuner writes on its own lies inside the rule's
 * bounds and within `maxStep` of the value before it, cooldown and the daily cap hold for every such
 * write, and a revert restores exactly the value its change replaced.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TUNED, testGuardrails, tunerHarness } from '../../test/support/tuner-harness.js';
import type { FlagStore, JsonValue, ReplacePayloadRequest } from '../flags/flag-store.js';
import { maxMove } from './guardrail-policy.js';
import type { TuneRule } from './guardrails-config.js';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;

interface Write {
  readonly atMs: number;
  readonly from: Record<string, number>;
  readonly to: Record<string, number>;
  readonly decisionId: string;
}

const step = fc.record({
  advanceMs: fc.integer({ min: 0, max: 40 * MIN }),
  outcome: fc.constantFrom('better', 'better', 'worse', 'no_change', 'inconclusive') as fc.Arbitrary<'better' | 'worse' | 'no_change' | 'inconclusive'>,
  open: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: null }),
  ratio: fc.double({ min: 0.12, max: 0.9, noNaN: true }),
  verifiedRatio: fc.double({ min: 0.05, max: 0.9, noNaN: true }),
  operator: fc.constantFrom('none', 'none', 'none', 'approve', 'reject', 'kill', 'release'),
});

describe('the tuner over random decision streams', () => {
  it('never writes outside the bounds or beyond maxStep on its own, and always keeps cooldown and the daily cap', async () => {
    const seen = { changes: 0, reverts: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          cooldown: fc.constantFrom('1m', '5m', '15m'),
          maxChangesPerDay: fc.integer({ min: 1, max: 6 }),
          verifyWindow: fc.constantFrom('2m', '10m'),
          steps: fc.array(step, { minLength: 3, maxLength: 10 }),
        }),
        async ({ cooldown, maxChangesPerDay, verifyWindow, steps }) => {
          const guardrails = testGuardrails({ gate: false, cooldown, maxChangesPerDay, verifyWindow });
          const rule = guardrails.rules[0] as TuneRule;
          const writes: Write[] = [];
          let clock = () => 0;
          const recording = (inner: FlagStore): FlagStore => ({
            environment: inner.environment,
            readFlag: (flag, strategy) => inner.readFlag(flag, strategy),
            setEnabled: (request) => inner.setEnabled(request),
            replaceVariantPayload: async (request: ReplacePayloadRequest) => {
              const result = await inner.replaceVariantPayload(request);
              if (result.changed) writes.push({ atMs: clock(), from: numbers(request.expectedPayload), to: numbers(request.payload), decisionId: request.decisionId });
              return result;
            },
          });
          const h = await tunerHarness({ guardrails, flagStore: recording });
          clock = () => h.now();
          try {
            for (const s of steps) {
              if (s.open !== null) await h.openRegression(s.open, { baseline: 0.09, after: s.ratio });
              h.outcomes.push(s.outcome);
              h.verifiedRatio = s.verifiedRatio;
              if (s.operator === 'kill' || s.operator === 'release') await h.killSwitch.set(s.operator === 'kill', 'alice', null);
              const pending = await h.store.listDecisions({ status: 'proposed' });
              for (const d of pending) {
                if (s.operator === 'approve') await h.store.transitionDecision(d.id, 'proposed', 'approved', { atMs: h.now(), actor: 'alice', approvedBy: 'alice' }, d.version);
                if (s.operator === 'reject') await h.store.transitionDecision(d.id, 'proposed', 'rejected', { atMs: h.now(), actor: 'alice' }, d.version);
              }
              // A round a minute, as the service runs them, so pacing is probed as tightly as it binds.
              for (let t = 0; t <= s.advanceMs; t += MIN) {
                await h.tuner.round();
                h.advance(Math.min(MIN, s.advanceMs - t) || MIN);
              }
            }
            const decisions = new Map((await h.store.listDecisions()).map((d) => [d.id, d]));
            for (const [i, w] of writes.entries()) {
              const earlier = writes.slice(0, i);
              // No lost update: each write starts from what the previous one left.
              if (i > 0) expect(w.from).toEqual(writes[i - 1]?.to);
              const isRevert = earlier.some((e) => e.decisionId === w.decisionId);
              seen[isRevert ? 'reverts' : 'changes']++;
              if (isRevert) {
                const change = earlier.find((e) => e.decisionId === w.decisionId);
                expect(w.to).toEqual(change?.from);
                continue;
              }
              expect(decisions.get(w.decisionId)?.flag).toBe(TUNED);
              for (const [key, bound] of Object.entries(rule.tune)) {
                const to = w.to[key] as number;
                const from = w.from[key] as number;
                expect(to).toBeGreaterThanOrEqual(bound.min);
                expect(to).toBeLessThanOrEqual(bound.max);
                expect(Math.abs(to - from)).toBeLessThanOrEqual(maxMove(from, bound) + 1e-9);
              }
              const last = earlier.at(-1);
              if (last !== undefined) expect(w.atMs - last.atMs).toBeGreaterThanOrEqual(guardrails.limits.cooldownMs);
              expect(earlier.filter((e) => e.atMs > w.atMs - DAY).length).toBeLessThan(guardrails.limits.maxChangesPerDay);
            }
          } finally {
            await h.stop();
          }
        },
      ),
      { numRuns: 40, seed: 20261122 },
    );
    // The streams exercised what the properties are about.
    expect(seen.changes).toBeGreaterThanOrEqual(40);
    expect(seen.reverts).toBeGreaterThanOrEqual(3);
  }, 240_000);
});

function numbers(payload: JsonValue): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(payload as Record<string, JsonValue>)) if (typeof v === 'number') out[k] = v;
  return out;
}
