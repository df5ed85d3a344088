import { describe, expect, it } from 'vitest';
import { createRng } from '../../detect/random.js';
import { backoffDelayMs } from '../../tune/retry-model.js';
import {
  BackoffPayloadReader, V1_DEFAULTS, V2_DEFAULTS, describeStrategy, initialPreviousSleepMs, majorVersion, maxRetriesOf, parseBackoffPayload,
  retrySleepMs, selectStrategy, usesV2,
} from './backoff.js';
import type { BackoffFlagView, BackoffStrategy } from './backoff.js';

const TUNED = { baseDelayMs: 100, multiplier: 2, maxDelayMs: 5000, maxRetries: 3, jitter: 'none' } as const;

/** A flag view whose answers the test sets, counting how often each flag is read. */
function flags(gate: boolean, payload: string | undefined): BackoffFlagView & { reads: { gate: number; payload: number } } {
  const reads = { gate: 0, payload: 0 };
  return {
    reads,
    isGateOn: () => {
      reads.gate++;
      return gate;
    },
    tuningPayload: () => {
      reads.payload++;
      return payload;
    },
  };
}

describe('strategy selection', () => {
  it('uses v2 iff the binary is 2.x or later and the gate is on', () => {
    expect(majorVersion('2.0.0')).toBe(2);
    expect(majorVersion('v10.1')).toBe(10);
    expect(majorVersion('dev')).toBeNaN();
    expect(usesV2('1.9.9', true)).toBe(false);
    expect(usesV2('2.0.0', false)).toBe(false);
    expect(usesV2('2.0.0', true)).toBe(true);
    expect(usesV2('3.1.0', true)).toBe(true);
    expect(usesV2('dev', true)).toBe(false);
  });

  it('gives a 1.x binary v1 without reading either flag', () => {
    const view = flags(true, JSON.stringify(TUNED));
    const strategy = selectStrategy('i0', '1.0.0', view, V1_DEFAULTS, new BackoffPayloadReader(() => undefined));
    expect(strategy).toEqual({ kind: 'v1', v1: { delayMs: 400, maxRetries: 2 } });
    expect(view.reads).toEqual({ gate: 0, payload: 0 });
  });

  it('gives a 2.x binary v1 while the gate is off, without reading the payload', () => {
    const view = flags(false, JSON.stringify(TUNED));
    expect(selectStrategy('i0', '2.0.0', view, V1_DEFAULTS, new BackoffPayloadReader(() => undefined)).kind).toBe('v1');
    expect(view.reads).toEqual({ gate: 1, payload: 0 });
  });

  it('gives a 2.x binary with the gate on v2 with the payload constants', () => {
    const strategy = selectStrategy('i0', '2.0.0', flags(true, JSON.stringify(TUNED)), V1_DEFAULTS, new BackoffPayloadReader(() => undefined));
    expect(strategy).toEqual({ kind: 'v2', constants: TUNED, source: 'flag' });
  });
});

describe('payload', () => {
  it('accepts the five constants and ignores other keys', () => {
    expect(parseBackoffPayload(JSON.stringify({ ...TUNED, note: 'x' }))).toEqual({ ok: true, constants: TUNED });
  });

  it.each([
    [undefined, 'no payload'],
    ['{', 'not JSON'],
    ['[1]', 'not a JSON object'],
    [JSON.stringify({ ...TUNED, baseDelayMs: 0 }), 'baseDelayMs must be a number > 0, got 0'],
    [JSON.stringify({ ...TUNED, multiplier: 0.5 }), 'multiplier must be a number ≥ 1'],
    [JSON.stringify({ ...TUNED, maxRetries: 2.5 }), 'maxRetries must be an integer ≥ 0'],
    [JSON.stringify({ ...TUNED, maxDelayMs: '5s' }), 'maxDelayMs must be a number ≥ 0, got "5s"'],
    [JSON.stringify({ ...TUNED, jitter: 'random' }), 'jitter must be one of none, full, equal, decorrelated'],
  ])('refuses %s (%s)', (text, reason) => {
    const parsed = parseBackoffPayload(text);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.reason).toContain(reason);
  });

  it('falls back to the eager v2 defaults, warning once per distinct bad payload', () => {
    const warnings: string[] = [];
    const reader = new BackoffPayloadReader((m) => warnings.push(m));
    const defaults: BackoffStrategy = { kind: 'v2', constants: V2_DEFAULTS, source: 'defaults' };
    expect(reader.read(undefined)).toEqual(defaults);
    expect(reader.read(undefined)).toEqual(defaults);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^backoff payload unusable \(the variant has no payload\); using built-in v2 defaults \{"baseDelayMs":20,/);
    expect(reader.read(JSON.stringify(TUNED))).toEqual({ kind: 'v2', constants: TUNED, source: 'flag' });
    expect(reader.read('{')).toEqual(defaults);
    expect(reader.read('{')).toEqual(defaults);
    expect(warnings).toHaveLength(2);
  });
});

describe('sleeps', () => {
  it('v1 sleeps its fixed delay before each of its retries', () => {
    const v1: BackoffStrategy = { kind: 'v1', v1: V1_DEFAULTS };
    const rng = createRng(1);
    expect([1, 2].map((k) => retrySleepMs(v1, k, 400, rng))).toEqual([400, 400]);
    expect(maxRetriesOf(v1)).toBe(2);
  });

  it('v2 without jitter sleeps min(maxDelayMs, base × multiplier^(k−1))', () => {
    const v2: BackoffStrategy = { kind: 'v2', constants: { ...TUNED, maxDelayMs: 300 }, source: 'flag' };
    const rng = createRng(1);
    expect([1, 2, 3, 4].map((k) => retrySleepMs(v2, k, 0, rng))).toEqual([100, 200, 300, 300]);
    expect(maxRetriesOf(v2)).toBe(3);
    expect(initialPreviousSleepMs(v2)).toBe(100);
  });

  it('v2 with jitter draws exactly what retry-model.backoffDelayMs draws from the same generator', () => {
    for (const jitter of ['full', 'equal', 'decorrelated'] as const) {
      const constants = { ...V2_DEFAULTS, jitter };
      const a = createRng(5);
      const b = createRng(5);
      let previous = constants.baseDelayMs;
      for (let k = 1; k <= 5; k++) {
        const sleep = retrySleepMs({ kind: 'v2', constants, source: 'flag' }, k, previous, a);
        expect(sleep).toBe(backoffDelayMs(constants, k, previous, b));
        previous = sleep;
      }
    }
  });

  it('describes each strategy on one line', () => {
    expect(describeStrategy({ kind: 'v1', v1: V1_DEFAULTS })).toBe('v1(400ms x2)');
    expect(describeStrategy({ kind: 'v2', constants: V2_DEFAULTS, source: 'defaults' })).toBe('v2(20ms*1.5^k<=2000ms x5 full defaults)');
    expect(describeStrategy({ kind: 'v2', constants: TUNED, source: 'flag' })).toBe('v2(100ms*2^k<=5000ms x3 none)');
  });
});
