import { describe, expect, it } from 'vitest';
import { checkDecisionId, checkEnabledDrift, checkPayloadDrift, selectStrategy, selectVariant } from './flag-selection.js';
import type { FlagState } from './flag-store.js';
import { FlagDriftError, FlagRequestRejectedError, FlagShapeError } from './flag-store-error.js';

const strategies = [
  { id: 'a', name: 'default', title: null },
  { id: 'b', name: 'flexibleRollout', title: 'canary' },
  { id: 'c', name: 'flexibleRollout', title: 'backoff' },
  { id: 'd', name: 'flexibleRollout', title: 'backoff' },
];

const state: FlagState = {
  flag: 'f', environment: 'production', enabled: true,
  strategy: {
    id: 'b', name: 'flexibleRollout', title: null, disabled: false,
    variants: [{ name: 'constants', weight: 500, payloadType: 'json', json: { baseDelayMs: 100 } }, { name: 'label', weight: 500, payloadType: 'string', json: null }],
  },
};

describe('selectStrategy', () => {
  it('takes the first flexibleRollout strategy by default, or none', () => {
    expect(selectStrategy(strategies, undefined, 'f', 'production')?.id).toBe('b');
    expect(selectStrategy(strategies.slice(0, 1), undefined, 'f', 'production')).toBeNull();
  });

  it('finds by id or by a unique title, and refuses no match or several', () => {
    expect(selectStrategy(strategies, { id: 'd' }, 'f', 'production')?.id).toBe('d');
    expect(selectStrategy(strategies, { title: 'canary' }, 'f', 'production')?.id).toBe('b');
    expect(() => selectStrategy(strategies, { title: 'backoff' }, 'f', 'production'))
      .toThrow('flag f in production: strategy titled "backoff" was asked for, but 2 match among its 4 strategies');
    expect(() => selectStrategy(strategies, { id: 'z' }, 'f', 'production')).toThrow(FlagShapeError);
  });
});

describe('selectVariant', () => {
  it('needs a name when there are several variants', () => {
    const strategy = state.strategy!;
    expect(selectVariant(state, strategy, 'label').name).toBe('label');
    expect(() => selectVariant(state, strategy, undefined)).toThrow('flag f in production, strategy b: no variant was named and the strategy has 2 variants (constants, label)');
    expect(selectVariant(state, { ...strategy, variants: strategy.variants.slice(0, 1) }, undefined).name).toBe('constants');
    expect(() => selectVariant(state, { ...strategy, variants: [] }, 'x')).toThrow('no variant named "x" (it has none)');
  });
});

describe('drift checks', () => {
  it('passes equal values and names both values otherwise', () => {
    expect(() => checkEnabledDrift(state, true)).not.toThrow();
    expect(() => checkEnabledDrift(state, false)).toThrow(new FlagDriftError('f', { kind: 'enabled', value: false }, { kind: 'enabled', value: true }, 'in production'));
    const variant = state.strategy!.variants[0]!;
    expect(() => checkPayloadDrift(state, variant, { baseDelayMs: 100 }, { baseDelayMs: 100.0 })).not.toThrow();
    expect(() => checkPayloadDrift(state, variant, { baseDelayMs: 100 }, { baseDelayMs: 125 }))
      .toThrow('flag f drifted since the decision was planned: payload {"baseDelayMs":125} was expected for variant constants in production, found payload {"baseDelayMs":100}; refusing to write');
  });
});

describe('checkDecisionId', () => {
  it('accepts printable ids and refuses what cannot travel in a header', () => {
    for (const ok of ['d-1', '42', 'upgrade u1 / decision 7', 'x'.repeat(200)]) expect(() => checkDecisionId(ok)).not.toThrow();
    for (const bad of ['', ' d', 'd ', 'd\r\n', 'dé', 'x'.repeat(201)]) expect(() => checkDecisionId(bad)).toThrow(FlagRequestRejectedError);
  });
});
