/**
 * The one contract suite every `FlagStore` adapter passes: the in-memory fake
 * (`memory-flag-store.test.ts`) and Unleash (`test/integration/unleash-flag-store.test.ts`). Each
 * test creates the flags it needs through the harness (fresh names, so one server serves the whole
 * suite) and edits them "by hand" through the harness, never through the store under test.
 */
import { describe, expect, it } from 'vitest';
import type { FlagStore, JsonValue } from './flag-store.js';
import { FlagDriftError, FlagNotFoundError, FlagRequestRejectedError, FlagShapeError } from './flag-store-error.js';

/** The backoff constants the tuned flag starts with (the dten story's v2 strategy). */
export const INITIAL_CONSTANTS = { baseDelayMs: 100, multiplier: 2, maxDelayMs: 5000, maxRetries: 3, jitter: 'full' } as const;

/** A variant to create: a JSON payload, or a payload of another type given as text. */
export interface VariantSpec {
  readonly name: string;
  readonly payload?: { readonly type: 'json'; readonly json: JsonValue } | { readonly type: 'string'; readonly text: string };
}

/** A strategy to create (always `flexibleRollout`, 100%). */
export interface StrategySpec {
  readonly title?: string;
  readonly variants?: readonly VariantSpec[];
}

/**
 * A flag to create in the store's environment. (Unleash adds a default strategy when a flag without
 * one is turned on, so specs with no strategies are created disabled.)
 */
export interface FlagSpec {
  readonly enabled: boolean;
  readonly strategies: readonly StrategySpec[];
}

/** One adapter under test, with the service behind it. */
export interface FlagStoreHarness {
  readonly store: FlagStore;
  /** Creates a flag with a fresh name (derived from `hint`) and returns the name. */
  createFlag(hint: string, spec: FlagSpec): Promise<string>;
  /** Turns `flag` on or off by hand, bypassing the store. */
  humanSetEnabled(flag: string, enabled: boolean): Promise<void>;
  /** Stores `text` as the JSON payload of `variant` of the flag's first strategy by hand. */
  humanSetPayloadText(flag: string, variant: string, text: string): Promise<void>;
  /** Number of changes the service has recorded for `flag` so far (creation included; compare deltas). */
  countEvents(flag: string): Promise<number>;
}

/** Registers the contract suite for one adapter; `harness` is called inside tests, after setup. */
export function describeFlagStoreContract(name: string, harness: () => FlagStoreHarness): void {
  describe(`FlagStore contract: ${name}`, () => {
    describeReads(harness);
    describeToggles(harness);
    describePayloads(harness);
    describeRefusals(harness);
  });
}

const gateSpec: FlagSpec = { enabled: true, strategies: [{}] };
const tunedSpec: FlagSpec = {
  enabled: true,
  strategies: [{ title: 'backoff constants', variants: [{ name: 'constants', payload: { type: 'json', json: INITIAL_CONSTANTS } }] }],
};
const twoVariantSpec: FlagSpec = {
  enabled: true,
  strategies: [{
    title: 'two variants',
    variants: [{ name: 'constants', payload: { type: 'json', json: INITIAL_CONSTANTS } }, { name: 'label', payload: { type: 'string', text: 'v2' } }],
  }],
};

function describeReads(harness: () => FlagStoreHarness): void {
  describe('reads', () => {
    it('reads a gate and a tuned flag: enabled, the flexibleRollout strategy and its variants', async () => {
      const h = harness();
      const gate = await h.createFlag('gate', gateSpec);
      const tuned = await h.createFlag('tuned', tunedSpec);
      expect(await h.store.readFlag(gate)).toMatchObject({
        flag: gate, environment: h.store.environment, enabled: true, strategy: { name: 'flexibleRollout', disabled: false, variants: [] },
      });
      const state = await h.store.readFlag(tuned);
      expect(state).toMatchObject({ flag: tuned, enabled: true, strategy: { name: 'flexibleRollout', title: 'backoff constants' } });
      expect(state.strategy?.variants).toEqual([{ name: 'constants', weight: 1000, payloadType: 'json', json: INITIAL_CONSTANTS }]);
      expect(await h.store.readFlag(tuned, { id: state.strategy?.id ?? '' })).toEqual(state);
      expect(await h.store.readFlag(tuned, { title: 'backoff constants' })).toEqual(state);
    });

    it('reports a flag without strategies as having none, and refuses selectors that match nothing', async () => {
      const h = harness();
      const bare = await h.createFlag('bare', { enabled: false, strategies: [] });
      expect(await h.store.readFlag(bare)).toEqual({ flag: bare, environment: h.store.environment, enabled: false, strategy: null });
      await expect(h.store.readFlag(bare, { title: 'nope' })).rejects.toThrow(`flag ${bare} in ${h.store.environment}: strategy titled "nope" was asked for, but none matches`);
    });

    it('refuses an unknown flag as not found', async () => {
      const h = harness();
      const error: unknown = await h.store.readFlag('shiftguard.no-such-flag').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FlagNotFoundError);
      expect(error).toMatchObject({ code: 'not_found', flag: 'shiftguard.no-such-flag' });
      expect((error as Error).message).toContain('shiftguard.no-such-flag');
    });
  });
}

function describeToggles(harness: () => FlagStoreHarness): void {
  describe('on/off', () => {
    it('disables and re-enables a flag, one recorded change each, and says so', async () => {
      const h = harness();
      const gate = await h.createFlag('gate', gateSpec);
      const events = await h.countEvents(gate);
      const off = await h.store.setEnabled({ flag: gate, enabled: false, expectedEnabled: true, decisionId: 'd-1' });
      expect(off).toMatchObject({ changed: true, state: { flag: gate, enabled: false } });
      expect(off.eventId).toEqual(expect.any(Number));
      expect((await h.store.readFlag(gate)).enabled).toBe(false);
      const on = await h.store.setEnabled({ flag: gate, enabled: true, expectedEnabled: false, decisionId: 'd-2' });
      expect(on).toMatchObject({ changed: true, state: { enabled: true } });
      expect(on.eventId).toBeGreaterThan(off.eventId ?? Infinity);
      expect(await h.countEvents(gate)).toBe(events + 2);
    });

    it('sends nothing when the flag already has the target state', async () => {
      const h = harness();
      const gate = await h.createFlag('gate', gateSpec);
      const events = await h.countEvents(gate);
      expect(await h.store.setEnabled({ flag: gate, enabled: true, expectedEnabled: true, decisionId: 'd-1' }))
        .toMatchObject({ changed: false, eventId: null, state: { enabled: true } });
      expect(await h.countEvents(gate)).toBe(events);
    });

    it('refuses to toggle a flag someone changed since the decision was planned, naming both values', async () => {
      const h = harness();
      const gate = await h.createFlag('gate', gateSpec);
      await h.humanSetEnabled(gate, false);
      const events = await h.countEvents(gate);
      const error: unknown = await h.store.setEnabled({ flag: gate, enabled: false, expectedEnabled: true, decisionId: 'd-1' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FlagDriftError);
      expect(error).toMatchObject({ code: 'drift', flag: gate, expected: { kind: 'enabled', value: true }, actual: { kind: 'enabled', value: false } });
      expect((error as Error).message).toBe(`flag ${gate} drifted since the decision was planned: enabled was expected in ${h.store.environment}, found disabled; refusing to write`);
      expect(await h.countEvents(gate)).toBe(events);
    });
  });
}

function describePayloads(harness: () => FlagStoreHarness): void {
  describe('variant payloads', () => {
    it('replaces only the chosen payload, leaving the strategy and the other variants as they were', async () => {
      const h = harness();
      const flag = await h.createFlag('two', twoVariantSpec);
      const before = await h.store.readFlag(flag);
      const events = await h.countEvents(flag);
      const after = { ...INITIAL_CONSTANTS, baseDelayMs: 125, maxRetries: 2 };
      const result = await h.store.replaceVariantPayload({ flag, variant: 'constants', payload: after, expectedPayload: INITIAL_CONSTANTS, decisionId: 'd-7' });
      expect(result.changed).toBe(true);
      expect(result.eventId).toEqual(expect.any(Number));
      const expected = { ...before, strategy: { ...before.strategy, variants: [{ ...before.strategy?.variants[0], json: after }, before.strategy?.variants[1]] } };
      expect(result.state).toEqual(expected);
      expect(await h.store.readFlag(flag)).toEqual(expected);
      expect(await h.countEvents(flag)).toBe(events + 1);
    });

    it('takes the only variant when none is named, and sends nothing when the payload already holds', async () => {
      const h = harness();
      const flag = await h.createFlag('tuned', tunedSpec);
      const events = await h.countEvents(flag);
      const reordered = { jitter: 'full', maxRetries: 3, maxDelayMs: 5000, multiplier: 2, baseDelayMs: 100 };
      expect(await h.store.replaceVariantPayload({ flag, payload: reordered, expectedPayload: INITIAL_CONSTANTS, decisionId: 'd-1' }))
        .toMatchObject({ changed: false, eventId: null });
      expect(await h.countEvents(flag)).toBe(events);
      const result = await h.store.replaceVariantPayload({ flag, payload: { ...INITIAL_CONSTANTS, multiplier: 1.5 }, expectedPayload: INITIAL_CONSTANTS, decisionId: 'd-2' });
      expect(result.state.strategy?.variants[0]?.json).toEqual({ ...INITIAL_CONSTANTS, multiplier: 1.5 });
    });

    it('refuses to replace a payload someone edited since, and keeps their edit', async () => {
      const h = harness();
      const flag = await h.createFlag('tuned', tunedSpec);
      const human = { ...INITIAL_CONSTANTS, maxRetries: 5 };
      await h.humanSetPayloadText(flag, 'constants', JSON.stringify(human));
      const events = await h.countEvents(flag);
      const error: unknown = await h.store.replaceVariantPayload({
        flag, variant: 'constants', payload: { ...INITIAL_CONSTANTS, baseDelayMs: 125 }, expectedPayload: INITIAL_CONSTANTS, decisionId: 'd-1',
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FlagDriftError);
      expect(error).toMatchObject({ flag, expected: { kind: 'payload', value: INITIAL_CONSTANTS }, actual: { kind: 'payload', value: human } });
      expect((error as Error).message).toContain(`"maxRetries":5`);
      expect((await h.store.readFlag(flag)).strategy?.variants[0]?.json).toEqual(human);
      expect(await h.countEvents(flag)).toBe(events);
    });

    it('does not take a re-formatted payload (spacing, key order) for drift', async () => {
      const h = harness();
      const flag = await h.createFlag('tuned', tunedSpec);
      await h.humanSetPayloadText(flag, 'constants', '{ "maxRetries": 3, "jitter": "full", "baseDelayMs": 100, "maxDelayMs": 5000, "multiplier": 2 }');
      const result = await h.store.replaceVariantPayload({ flag, payload: { ...INITIAL_CONSTANTS, baseDelayMs: 80 }, expectedPayload: INITIAL_CONSTANTS, decisionId: 'd-1' });
      expect(result).toMatchObject({ changed: true, state: { strategy: { variants: [{ json: { ...INITIAL_CONSTANTS, baseDelayMs: 80 } }] } } });
    });
  });
}

function describeRefusals(harness: () => FlagStoreHarness): void {
  describe('refusals', () => {
    it('refuses writes to an unknown flag as not found', async () => {
      const h = harness();
      const flag = 'shiftguard.no-such-flag';
      await expect(h.store.setEnabled({ flag, enabled: false, expectedEnabled: true, decisionId: 'd-1' })).rejects.toBeInstanceOf(FlagNotFoundError);
      await expect(h.store.replaceVariantPayload({ flag, payload: {}, expectedPayload: {}, decisionId: 'd-1' })).rejects.toBeInstanceOf(FlagNotFoundError);
    });

    it('refuses unknown or ambiguous variants, non-JSON payloads and flags without a strategy, changing nothing', async () => {
      const h = harness();
      const two = await h.createFlag('two', twoVariantSpec);
      const bare = await h.createFlag('bare', { enabled: false, strategies: [] });
      const events = await h.countEvents(two);
      const write = (over: object) => h.store.replaceVariantPayload({ flag: two, payload: { a: 1 }, expectedPayload: INITIAL_CONSTANTS, decisionId: 'd-1', ...over });
      await expect(write({})).rejects.toThrow(/no variant was named and the strategy has 2 variants \(constants, label\)/);
      await expect(write({ variant: 'nope' })).rejects.toThrow(/no variant named "nope" \(it has constants, label\)/);
      await expect(write({ variant: 'label' })).rejects.toThrow('variant label: expected a json payload, found a string payload');
      await expect(write({ variant: 'constants', payload: { a: Number.NaN } })).rejects.toThrow('the new payload is not plain JSON at $.a (NaN)');
      await expect(write({ variant: 'constants', strategy: { id: 'no-such-strategy' } })).rejects.toBeInstanceOf(FlagShapeError);
      await expect(h.store.replaceVariantPayload({ flag: bare, payload: {}, expectedPayload: {}, decisionId: 'd-1' }))
        .rejects.toThrow(`flag ${bare} in ${h.store.environment} has no flexibleRollout strategy to hold variant payloads`);
      expect(await h.countEvents(two)).toBe(events);
    });

    it('refuses a decision id that cannot travel in a header before touching the flag', async () => {
      const h = harness();
      const gate = await h.createFlag('gate', gateSpec);
      const events = await h.countEvents(gate);
      for (const decisionId of ['', ' d-1', 'd\n1', 'x'.repeat(201)]) {
        await expect(h.store.setEnabled({ flag: gate, enabled: false, expectedEnabled: true, decisionId })).rejects.toBeInstanceOf(FlagRequestRejectedError);
      }
      expect(await h.countEvents(gate)).toBe(events);
      expect((await h.store.readFlag(gate)).enabled).toBe(true);
    });
  });
}
