import { describe, expect, it } from 'vitest';
import { parseFeatureEnvironment, strategyUpdateBody, toFlagState } from './unleash-wire.js';
import type { UnleashStrategy } from './unleash-wire.js';

/** A strategy as unleash-server 6.10.1 returned it from GET …/environments/development. */
const STRATEGY: UnleashStrategy & Record<string, unknown> = {
  id: '672a332a-a984-42cb-a060-c2ddce8c86ac',
  featureName: 'dten.sync.backoff',
  title: 'backoff constants',
  parameters: { groupId: 'dten.sync.backoff', rollout: '100', stickiness: 'default' },
  constraints: [{ contextName: 'region', operator: 'IN', values: ['eu'] }],
  variants: [
    { name: 'constants', weight: 500, payload: { type: 'json', value: '{"baseDelayMs":100,"multiplier":2}' }, stickiness: 'default', weightType: 'variable' },
    { name: 'label', weight: 500, payload: { type: 'string', value: 'v2' }, stickiness: 'default', weightType: 'variable' },
  ],
  sortOrder: 0,
  disabled: false,
  name: 'flexibleRollout',
};

describe('toFlagState', () => {
  it('maps the environment and its first flexibleRollout strategy to plain data', () => {
    const dto = parseFeatureEnvironment({ name: 'dten.sync.backoff', environment: 'development', enabled: true, strategies: [{ id: 'x', name: 'default' }, STRATEGY] }, 'f', 'development');
    expect(toFlagState(dto, 'dten.sync.backoff', 'development', undefined)).toEqual({
      flag: 'dten.sync.backoff', environment: 'development', enabled: true,
      strategy: {
        id: STRATEGY.id, name: 'flexibleRollout', title: 'backoff constants', disabled: false,
        variants: [
          { name: 'constants', weight: 500, payloadType: 'json', json: { baseDelayMs: 100, multiplier: 2 } },
          { name: 'label', weight: 500, payloadType: 'string', json: null },
        ],
      },
    });
  });

  it('refuses bodies this adapter cannot drive', () => {
    expect(() => parseFeatureEnvironment('<html>', 'f', 'production')).toThrow('Unleash answered an unexpected body for flag f in production (not an object)');
    expect(() => parseFeatureEnvironment({ enabled: 'yes', strategies: [] }, 'f', 'production')).toThrow('no boolean "enabled"');
    expect(() => parseFeatureEnvironment({ enabled: true }, 'f', 'production')).toThrow('no "strategies" array');
    expect(() => parseFeatureEnvironment({ enabled: true, strategies: [{ id: 1, name: 'x' }] }, 'f', 'production')).toThrow('a strategy without string id and name');
    expect(() => parseFeatureEnvironment({ enabled: true, strategies: [{ id: 's', name: 'x', variants: {} }] }, 'f', 'production')).toThrow('strategy s with non-array "variants"');
  });
});

describe('strategyUpdateBody', () => {
  it('writes back every field Unleash replaces, with only the chosen payload changed', () => {
    expect(strategyUpdateBody(STRATEGY, 'constants', '{"baseDelayMs":125,"multiplier":2}')).toEqual({
      name: 'flexibleRollout',
      title: 'backoff constants',
      disabled: false,
      parameters: STRATEGY.parameters,
      constraints: STRATEGY.constraints,
      variants: [
        { ...STRATEGY.variants?.[0], payload: { type: 'json', value: '{"baseDelayMs":125,"multiplier":2}' } },
        STRATEGY.variants?.[1],
      ],
      sortOrder: 0,
    });
  });

  it('leaves out fields the strategy did not have', () => {
    expect(strategyUpdateBody({ id: 's', name: 'flexibleRollout' }, 'v', '{}')).toEqual({ name: 'flexibleRollout', parameters: {}, constraints: [], variants: [] });
  });
});
