import { describe, expect, it } from 'vitest';
import { MemoryStateDatabase, MemoryStateStore } from '../store/memory-state-store.js';
import { createKillSwitch } from './kill-switch.js';

const T0 = Date.parse('2026-04-10T12:00:00Z');

async function open(database: MemoryStateDatabase): Promise<MemoryStateStore> {
  const store = new MemoryStateStore(database);
  await store.open();
  return store;
}

describe('createKillSwitch', () => {
  it('is released until engaged, survives a restart, and audits each change', async () => {
    const database = new MemoryStateDatabase();
    const first = createKillSwitch(await open(database), false, () => T0);
    expect(await first.state()).toEqual({ engaged: false, source: null, api: null });
    expect(await first.set(true, 'operator', 'incident 42')).toMatchObject({ engaged: true, source: 'api', api: { reason: 'incident 42', updatedBy: 'operator' } });
    const store = await open(database);
    const afterRestart = createKillSwitch(store, false, () => T0 + 1000);
    expect((await afterRestart.state()).engaged).toBe(true);
    await afterRestart.set(false, 'operator', null);
    expect((await afterRestart.state()).engaged).toBe(false);
    expect((await store.listAudit({ limit: 10 })).map((e) => e.action)).toEqual(['tuner.kill_switch.engaged', 'tuner.kill_switch.released']);
  });

  it('stays engaged while the guardrails file engages it, whatever the API says', async () => {
    const ks = createKillSwitch(await open(new MemoryStateDatabase()), true, () => T0);
    expect(await ks.set(false, 'operator', 'try to release')).toMatchObject({ engaged: true, source: 'config', api: { engaged: false } });
  });
});
