/**
 * The monitor when its state store fails (a database restart): a pass that cannot list the upgrades
 * is logged and retried, and a final pass the store cut off between "final report stored" and
 * "upgrade finished" is completed by the next pass instead of leaving the upgrade monitored forever.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryMetricsSource } from '../analysis/memory-metrics-source.js';
import { defaultConfig } from '../config/shiftguard-config.js';
import { MemoryStateStore } from '../store/memory-state-store.js';
import type { UpgradeRecord, UpgradeStatus } from '../store/state-store.js';
import { StoreError } from '../store/store-error.js';
import { createUpgradeMonitor } from './upgrade-monitor.js';
import type { MonitorFailure } from './upgrade-monitor.js';

const STARTED_AT = '2026-04-10T12:00:00Z';
/** Long after the upgrade's after window: its first evaluation is the final one. */
const NOW_MS = Date.parse('2026-04-11T12:00:00Z');

/** The in-memory store, whose next `failures` calls of `failing` throw as a PostgreSQL restart does. */
class FailingStore extends MemoryStateStore {
  failing: 'listUpgrades' | 'setUpgradeStatus' | null = null;
  failures = 0;

  private fail(method: string): void {
    if (this.failing === method && this.failures > 0) {
      this.failures--;
      throw new StoreError('unavailable', 'PostgreSQL database postgres://db/shiftguard is unavailable: Connection terminated unexpectedly');
    }
  }

  override async listUpgrades(): Promise<UpgradeRecord[]> {
    this.fail('listUpgrades');
    return super.listUpgrades();
  }

  override async setUpgradeStatus(id: string, status: UpgradeStatus): Promise<UpgradeRecord> {
    this.fail('setUpgradeStatus');
    return super.setUpgradeStatus(id, status);
  }
}

async function monitored(): Promise<{ store: FailingStore; errors: string[]; tick: () => Promise<MonitorFailure[]> }> {
  const store = new FailingStore();
  await store.open();
  const document = { id: 'u1', startedAt: STARTED_AT, binaries: [{ name: 'dten-sync', from: '1', to: '2' }] };
  await store.putUpgrade({ id: 'u1', document, registeredAtMs: NOW_MS, status: 'monitoring' });
  const errors: string[] = [];
  const monitor = createUpgradeMonitor({
    config: defaultConfig(),
    store,
    source: createMemoryMetricsSource([]),
    now: () => NOW_MS,
    logError: (message) => errors.push(message),
  });
  return { store, errors, tick: () => monitor.tick() };
}

describe('the upgrade monitor on a failing state store', () => {
  it('finishes an upgrade whose final report was stored but whose status the store failed to set', async () => {
    const { store, errors, tick } = await monitored();
    store.failing = 'setUpgradeStatus';
    store.failures = 1;
    expect(await tick()).toEqual([{ upgradeId: 'u1', error: expect.any(StoreError) as unknown }]);
    expect(errors).toEqual(['monitoring upgrade u1 failed; retrying at the next slice']);
    expect((await store.getReport('u1'))?.report).toMatchObject({ monitoring: { status: 'final' } });
    expect((await store.getUpgrade('u1'))?.status).toBe('monitoring');
    expect(await tick()).toEqual([]);
    expect((await store.getUpgrade('u1'))?.status).toBe('finished');
    expect(errors).toHaveLength(1);
  });

  it('logs a pass that cannot list the upgrades and goes on, instead of rejecting unhandled', async () => {
    const { store, errors } = await monitored();
    store.failing = 'listUpgrades';
    store.failures = 1;
    const passes: (readonly MonitorFailure[])[] = [];
    const monitor = createUpgradeMonitor({ config: defaultConfig(), store, source: createMemoryMetricsSource([]), now: () => NOW_MS, logError: (message) => errors.push(message), onPass: (f) => passes.push(f) });
    monitor.start();
    await monitor.stop();
    expect(errors).toEqual(['monitoring pass failed; retrying at the next slice']);
    expect(passes).toEqual([[{ upgradeId: null, error: expect.any(StoreError) as unknown }]]);
  });
});
