/**
 * The narrow port the upgrade routes need: register, read and list upgrades. The state store
 * adapters satisfy it; the in-memory version here serves tests and a service without a database.
 */
import type { Upgrade } from '../upgrades/upgrade.js';

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
