import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStoreUpgradeRegistry } from './upgrade-registry.js';
import { SqliteStateStore } from '../store/sqlite-state-store.js';
import { validateUpgrade } from '../upgrades/load-upgrade.js';
import { dtenStory } from '../sim/scenarios.js';

const dir = mkdtempSync(join(tmpdir(), 'shiftguard-registry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the store-backed upgrade registry', () => {
  it('keeps registrations across a restart, refuses a duplicate id and audits each registration', async () => {
    const path = join(dir, 'state.db');
    const document = dtenStory(1).upgrade;
    const first = new SqliteStateStore({ path });
    await first.open();
    const registry = createStoreUpgradeRegistry(first, () => 1_000);
    const entry = { document, upgrade: validateUpgrade(document, 'dten.json'), registeredAtMs: 500 };
    expect(await registry.register(entry, 'operator')).toBe(true);
    expect(await registry.register(entry, 'operator')).toBe(false);
    await first.close();

    const second = new SqliteStateStore({ path });
    await second.open();
    const reopened = createStoreUpgradeRegistry(second, () => 2_000);
    const found = await reopened.get('dten-2026.04');
    expect(found?.upgrade.startedAtMs).toBe(Date.parse('2026-04-10T12:00:00Z'));
    expect((await reopened.list()).map((u) => u.upgrade.id)).toEqual(['dten-2026.04']);
    const audit = await second.listAudit({ limit: 10 });
    expect(audit.map((a) => [a.action, a.subject, a.actor])).toEqual([['upgrade.registered', 'upgrade/dten-2026.04', 'operator']]);
    await second.close();
  });
});
