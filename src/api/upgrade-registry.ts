/**
 * The narrow port the upgrade routes need: register, read and list upgrades. The state store
 * adapters satisfy it; the in-memory version here serves tests and a service without a database.
 */
import type { Upgrade } from '../upgrades/upgrade.js';
import { validateUpgrade } from '../upgrades/load-upgrade.js';
import { StoreConflictError } from '../store/store-error.js';
import type { AuditLog, UpgradeRecord, UpgradeStore } from '../store/state-store.js';

/** A registered upgrade: the document as sent, its validated model, and when it was registered. */
export interface RegisteredUpgrade {
  readonly document: unknown;
  readonly upgrade: Upgrade;
  readonly registeredAtMs: number;
}

export interface UpgradeRegistry {
  /** Registers an upgrade; resolves false when the id is already registered. */
  register(entry: RegisteredUpgrade, actor: string): Promise<boolean>;
  get(id: string): Promise<RegisteredUpgrade | null>;
  list(): Promise<RegisteredUpgrade[]>;
}

/** An in-memory registry (tests, and `serve` before a store is wired). */
export function createMemoryUpgradeRegistry(): UpgradeRegistry {
  const byId = new Map<string, RegisteredUpgrade>();
  return {
    register: (entry) => {
      if (byId.has(entry.upgrade.id)) return Promise.resolve(false);
      byId.set(entry.upgrade.id, entry);
      return Promise.resolve(true);
    },
    get: (id) => Promise.resolve(byId.get(id) ?? null),
    list: () => Promise.resolve([...byId.values()].sort((a, b) => b.registeredAtMs - a.registeredAtMs)),
  };
}

/**
 * The registry over the state store: upgrades persist across restarts, and each registration is
 * written to the audit log.
 */
export function createStoreUpgradeRegistry(store: UpgradeStore & AuditLog, nowMs: () => number): UpgradeRegistry {
  const toEntry = (record: UpgradeRecord): RegisteredUpgrade => ({
    document: record.document,
    upgrade: validateUpgrade(record.document, `stored upgrade ${record.id}`),
    registeredAtMs: record.registeredAtMs,
  });
  return {
    register: async (entry, actor) => {
      try {
        await store.putUpgrade(
          { id: entry.upgrade.id, document: entry.document, registeredAtMs: entry.registeredAtMs, status: 'monitoring' },
          { atMs: nowMs(), actor, action: 'upgrade.registered', subject: `upgrade/${entry.upgrade.id}`, details: {} },
        );
      } catch (error) {
        if (error instanceof StoreConflictError) return false;
        throw error;
      }
      return true;
    },
    get: async (id) => {
      const record = await store.getUpgrade(id);
      return record === null ? null : toEntry(record);
    },
    list: async () => (await store.listUpgrades()).map(toEntry).sort((a, b) => b.registeredAtMs - a.registeredAtMs),
  };
}
