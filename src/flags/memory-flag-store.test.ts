import { beforeEach, describe, expect, it } from 'vitest';
import { INITIAL_CONSTANTS, describeFlagStoreContract } from './flag-store-contract.js';
import type { FlagSpec, FlagStoreHarness } from './flag-store-contract.js';
import { FlagStoreUnavailableError } from './flag-store-error.js';
import { MemoryFlagStore, MemoryFlags } from './memory-flag-store.js';

function memoryHarness(): FlagStoreHarness {
  const flags = new MemoryFlags('production');
  let created = 0;
  return {
    store: new MemoryFlagStore(flags),
    createFlag: (hint: string, spec: FlagSpec) => {
      const name = `${hint}-${++created}`;
      flags.define(name, {
        enabled: spec.enabled,
        strategies: spec.strategies.map((strategy) => ({
          ...(strategy.title === undefined ? {} : { title: strategy.title }),
          variants: (strategy.variants ?? []).map((variant) => ({
            name: variant.name,
            ...(variant.payload === undefined ? {} : { payload: variant.payload.type === 'json' ? variant.payload : { type: variant.payload.type, text: variant.payload.text } }),
          })),
        })),
      });
      return Promise.resolve(name);
    },
    humanSetEnabled: (flag, enabled) => Promise.resolve(flags.setEnabled(flag, enabled)),
    humanSetPayloadText: (flag, variant, text) => Promise.resolve(flags.setPayloadText(flag, variant, text)),
    countEvents: (flag) => Promise.resolve(flags.events(flag).length),
  };
}

let current: FlagStoreHarness = memoryHarness();
beforeEach(() => {
  current = memoryHarness();
});

describeFlagStoreContract('in-memory fake', () => current);

describe('MemoryFlags specifics', () => {
  it('records who made each change and the decision a store write carried out', async () => {
    const flags = new MemoryFlags();
    flags.define('gate', { enabled: true, strategies: [{ id: 's-gate' }] });
    flags.define('tuned', { enabled: true, strategies: [{ variants: [{ name: 'constants', payload: { type: 'json', json: INITIAL_CONSTANTS } }] }] });
    const store = new MemoryFlagStore(flags, 'tuner-1');
    await store.setEnabled({ flag: 'gate', enabled: false, expectedEnabled: true, decisionId: 'd-41' });
    flags.setEnabled('gate', true, 'alice');
    await store.replaceVariantPayload({ flag: 'tuned', payload: { ...INITIAL_CONSTANTS, maxRetries: 2 }, expectedPayload: INITIAL_CONSTANTS, decisionId: 'd-42' });
    expect(flags.events()).toEqual([
      { id: 1, type: 'feature-environment-disabled', flag: 'gate', actor: 'tuner-1', decisionId: 'd-41' },
      { id: 2, type: 'feature-environment-enabled', flag: 'gate', actor: 'alice', decisionId: null },
      { id: 3, type: 'feature-strategy-update', flag: 'tuned', actor: 'tuner-1', decisionId: 'd-42' },
    ]);
    expect(flags.events('gate')).toHaveLength(2);
  });

  it('fails every call during an outage and works again after it', async () => {
    const flags = new MemoryFlags();
    flags.define('gate', { enabled: true });
    const store = new MemoryFlagStore(flags);
    flags.setOutage(new FlagStoreUnavailableError('Unleash at http://127.0.0.1:1/api is unavailable', 4));
    await expect(store.readFlag('gate')).rejects.toMatchObject({ code: 'unavailable' });
    await expect(store.setEnabled({ flag: 'gate', enabled: false, expectedEnabled: true, decisionId: 'd-1' })).rejects.toBeInstanceOf(FlagStoreUnavailableError);
    expect(flags.events()).toEqual([]);
    flags.setOutage(null);
    expect(await store.setEnabled({ flag: 'gate', enabled: false, expectedEnabled: true, decisionId: 'd-1' })).toMatchObject({ changed: true, eventId: 1 });
  });
});
