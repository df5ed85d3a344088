import { SHIPPED_GUARDRAILS, SHIPPED_TUNE_RULE } from '../../test/support/shipped-guardrails.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundedPayload, boundedStep, isIntegerConstant, maxMove, pacing } from './guardrail-policy.js';
import type { TuneBound } from './guardrails-config.js';

const LIMITS = SHIPPED_GUARDRAILS.limits;
const RULE = SHIPPED_TUNE_RULE;

describe('boundedStep', () => {
  it('moves at most maxStep of the current value, and never outside [min, max]', () => {
    expect(boundedStep(100, 400, RULE.tune['baseDelayMs'] as TuneBound)).toEqual({ ok: true, value: 125, limitedBy: 'maxStep' });
    expect(boundedStep(380, 1000, RULE.tune['baseDelayMs'] as TuneBound)).toEqual({ ok: true, value: 400, limitedBy: 'bounds' });
    // 2 − 25% = 1.5 = min: both limits bind; the bounds are named.
    expect(boundedStep(2, 1.2, RULE.tune['multiplier'] as TuneBound)).toEqual({ ok: true, value: 1.5, limitedBy: 'bounds' });
    expect(boundedStep(2, 1.8, RULE.tune['multiplier'] as TuneBound)).toEqual({ ok: true, value: 1.8, limitedBy: 'none' });
  });

  it('moves integers by at least 1 (maxRetries 1 with maxStep 0.5 may become 2)', () => {
    expect(boundedStep(1, 5, RULE.tune['maxRetries'] as TuneBound)).toEqual({ ok: true, value: 2, limitedBy: 'maxStep' });
    expect(boundedStep(3, 0, RULE.tune['maxRetries'] as TuneBound)).toEqual({ ok: true, value: 2, limitedBy: 'maxStep' });
  });

  it('refuses when the current value is further than one step outside the bounds (an operator must act)', () => {
    // 12 may move by 6 (50%), to 6 at the least: still above max 5.
    const step = boundedStep(12, 3, RULE.tune['maxRetries'] as TuneBound);
    expect(step).toMatchObject({ ok: false });
    expect(step.ok ? '' : step.reason).toContain('further than one step');
  });

  it('brings a value just outside the bounds back inside in one step', () => {
    expect(boundedStep(6, 5, RULE.tune['maxRetries'] as TuneBound)).toEqual({ ok: true, value: 5, limitedBy: 'none' });
  });

  it('holds its invariants for any bounds, current value and target (property)', () => {
    const bound = fc
      .tuple(fc.double({ min: -1e4, max: 1e4, noNaN: true }), fc.double({ min: 0, max: 1e4, noNaN: true }), fc.double({ min: 0.01, max: 1, noNaN: true }), fc.boolean())
      .map(([min, width, maxStep, integer]): TuneBound => (integer ? { min: Math.round(min), max: Math.round(min) + Math.round(width), maxStep } : { min, max: min + width, maxStep }));
    fc.assert(
      fc.property(bound, fc.double({ min: -2e4, max: 2e4, noNaN: true }), fc.double({ min: -1e5, max: 1e5, noNaN: true }), fc.boolean(), (b, raw, target, roundCurrent) => {
        const current = roundCurrent ? Math.round(raw) : raw;
        const step = boundedStep(current, target, b);
        if (!step.ok) return;
        expect(step.value).toBeGreaterThanOrEqual(b.min);
        expect(step.value).toBeLessThanOrEqual(b.max);
        expect(Math.abs(step.value - current)).toBeLessThanOrEqual(maxMove(current, b) * (1 + 1e-12) + 1e-9);
        if (isIntegerConstant(current, b)) expect(Number.isInteger(step.value)).toBe(true);
      }),
      { seed: 42, numRuns: 2000 },
    );
  });
});

describe('boundedPayload', () => {
  const payload = { baseDelayMs: 100, multiplier: 2, maxDelayMs: 5000, maxRetries: 3, jitter: 'full' };

  it('steps each targeted constant and keeps every other key', () => {
    const result = boundedPayload(payload, { baseDelayMs: 300, maxRetries: 1 }, RULE);
    expect(result).toEqual({
      ok: true,
      payload: { baseDelayMs: 125, multiplier: 2, maxDelayMs: 5000, maxRetries: 2, jitter: 'full' },
      changes: [
        { key: 'baseDelayMs', from: 100, to: 125, limitedBy: 'maxStep' },
        { key: 'maxRetries', from: 3, to: 2, limitedBy: 'maxStep' },
      ],
    });
  });

  it('refuses constants without bounds and payloads without the constant', () => {
    expect(boundedPayload(payload, { timeoutMs: 10 }, RULE)).toEqual({ ok: false, reason: 'dten.sync.backoff: timeoutMs has no bounds in the guardrails' });
    expect(boundedPayload({ jitter: 'full' }, { baseDelayMs: 120 }, RULE)).toEqual({ ok: false, reason: 'dten.sync.backoff: the payload has no numeric baseDelayMs (found undefined)' });
  });
});

describe('pacing', () => {
  const T = Date.parse('2026-04-10T12:00:00Z');

  it('waits out the cooldown after the last change', () => {
    expect(pacing([T], T + 10 * 60_000, LIMITS)).toMatchObject({ allowed: false, notBeforeMs: T + 15 * 60_000 });
    expect(pacing([T], T + 15 * 60_000, LIMITS)).toEqual({ allowed: true });
  });

  it('allows at most maxChangesPerDay over any 24 h', () => {
    const six = Array.from({ length: 6 }, (_, i) => T + i * 3600_000);
    const verdict = pacing(six, T + 6 * 3600_000, LIMITS);
    expect(verdict).toMatchObject({ allowed: false, notBeforeMs: T + 24 * 3600_000 });
    expect(verdict.allowed ? '' : verdict.reason).toContain('daily cap');
    expect(pacing(six, T + 24 * 3600_000 + 1, LIMITS)).toEqual({ allowed: true });
  });

  it('keeps cooldown, daily cap, bounds and maxStep over any stream of wished changes (property)', () => {
    const wish = fc.record({ gapMs: fc.integer({ min: 0, max: 6 * 3600_000 }), baseDelayMs: fc.integer({ min: -100, max: 2000 }), multiplier: fc.double({ min: 0, max: 10, noNaN: true }), maxRetries: fc.integer({ min: -3, max: 20 }) });
    fc.assert(
      fc.property(fc.array(wish, { minLength: 1, maxLength: 80 }), (wishes) => {
        let now = Date.parse('2026-04-10T00:00:00Z');
        let current: Record<string, unknown> = { baseDelayMs: 100, multiplier: 2, maxRetries: 3, jitter: 'full' };
        const applied: { atMs: number; before: Record<string, unknown>; after: Record<string, unknown> }[] = [];
        for (const w of wishes) {
          now += w.gapMs;
          if (!pacing(applied.map((a) => a.atMs), now, LIMITS).allowed) continue;
          const step = boundedPayload(current, { baseDelayMs: w.baseDelayMs, multiplier: w.multiplier, maxRetries: w.maxRetries }, RULE);
          if (!step.ok || step.changes.length === 0) continue;
          applied.push({ atMs: now, before: current, after: step.payload });
          current = step.payload;
        }
        applied.forEach((a, i) => {
          for (const [key, bound] of Object.entries(RULE.tune)) {
            const before = a.before[key];
            const after = a.after[key];
            if (typeof before !== 'number' || typeof after !== 'number') continue;
            expect(after).toBeGreaterThanOrEqual(bound.min);
            expect(after).toBeLessThanOrEqual(bound.max);
            expect(Math.abs(after - before)).toBeLessThanOrEqual(maxMove(before, bound) * (1 + 1e-12));
          }
          const previous = applied[i - 1];
          if (previous !== undefined) expect(a.atMs - previous.atMs).toBeGreaterThanOrEqual(LIMITS.cooldownMs);
          const inDay = applied.filter((b) => b.atMs > a.atMs - 24 * 3600_000 && b.atMs <= a.atMs).length;
          expect(inDay).toBeLessThanOrEqual(LIMITS.maxChangesPerDay);
        });
      }),
      { seed: 7, numRuns: 500 },
    );
  });
});
