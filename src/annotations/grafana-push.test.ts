import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GRAFANA_TOKEN, T0, pushWorld } from '../../test/support/grafana-push-harness.js';
import type { PushWorld } from '../../test/support/grafana-push-harness.js';
import { MemoryStateStore } from '../store/memory-state-store.js';
import { SqliteStateStore } from '../store/sqlite-state-store.js';
import type { AuditLog, SettingStore, StateStore } from '../store/state-store.js';
import { createKillSwitch } from '../tune/kill-switch.js';
import { annotationFeed } from './annotation-feed.js';
import { GRAFANA_CURSOR_KEY, GRAFANA_PUSHED_ACTION } from './grafana-cursor.js';

const HOUR = 3600_000;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function memoryWorld(options: Parameters<typeof pushWorld>[1] = {}): Promise<PushWorld> {
  const store = new MemoryStateStore();
  await store.open();
  const world = await pushWorld(store, options);
  cleanups.push(() => world.close());
  return world;
}

function sqlitePath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'shiftguard-grafana-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'state.db');
}

async function openSqlite(path: string): Promise<StateStore> {
  const store = new SqliteStateStore({ path, nowMs: () => T0 });
  await store.open();
  cleanups.push(() => store.close());
  return store;
}

/** A story: an upgrade, a decision through its lifecycle, a kill-switch change (no annotation), a second upgrade. */
async function story(world: PushWorld): Promise<void> {
  await world.registerUpgrade('dten-2026.04', { package: 'Full-upgrade-package-dten.zip', startedAt: '2026-04-10T12:00:00Z', finishedAt: '2026-04-10T12:40:00Z' });
  world.clock.ms += 60_000;
  let d = await world.propose('dten-2026.04', 'dten.sync.backoff-v2');
  world.clock.ms += 60_000;
  d = await world.move(d, 'approved', 'alice');
  await createKillSwitch(world.store, false, () => world.clock.ms).set(true, 'bob', 'maintenance');
  world.clock.ms += 60_000;
  d = await world.move(d, 'applied');
  world.clock.ms += 60_000;
  d = await world.move(d, 'verifying');
  world.clock.ms += 60_000;
  await world.move(d, 'kept');
  await world.registerUpgrade('dten-2026.05', { startedAt: '2026-04-10T13:00:00Z' });
}

const texts = (world: PushWorld): string[] => world.server.stored.map((a) => a.text);

describe('the push to Grafana', () => {
  it('pushes each upgrade and decision transition once, in audit order, with time, timeEnd, tags and dashboard', async () => {
    const world = await memoryWorld();
    await story(world);
    const pusher = world.pusher({ dashboardUid: 'shiftguard-ops', tags: ['env:prod', 'shiftguard'] }, { pageSize: 3 });

    expect(await pusher.pass()).toEqual({ outcome: 'caught_up', pushed: 7, skipped: 0, retryAfterMs: null });
    const T = (minutes: number): number => T0 + minutes * 60_000;
    expect(world.server.stored.map(({ id: _id, ...a }) => a)).toEqual([
      { dashboardUID: 'shiftguard-ops', panelId: 0, time: T(0), timeEnd: T(40), tags: ['shiftguard', 'upgrade', 'dten-2026.04', 'env:prod'], text: 'upgrade dten-2026.04 — Full-upgrade-package-dten.zip: dten-sync 2.7.0→2.8.0' },
      { dashboardUID: 'shiftguard-ops', panelId: 0, time: T(1), timeEnd: T(1), tags: ['shiftguard', 'decision', 'proposed', 'dten.sync.backoff-v2', 'env:prod'], text: 'decision 1: dten.sync.backoff-v2 proposed — toggle of dten.sync.backoff-v2 for upgrade dten-2026.04, requested by tuner' },
      { dashboardUID: 'shiftguard-ops', panelId: 0, time: T(2), timeEnd: T(2), tags: ['shiftguard', 'decision', 'approved', 'dten.sync.backoff-v2', 'env:prod'], text: 'decision 1: dten.sync.backoff-v2 approved — toggle of dten.sync.backoff-v2 for upgrade dten-2026.04, requested by tuner, approved by alice' },
      { dashboardUID: 'shiftguard-ops', panelId: 0, time: T(3), timeEnd: T(3), tags: ['shiftguard', 'decision', 'applied', 'dten.sync.backoff-v2', 'env:prod'], text: 'decision 1: dten.sync.backoff-v2 applied — toggle of dten.sync.backoff-v2 for upgrade dten-2026.04, requested by tuner, approved by alice' },
      { dashboardUID: 'shiftguard-ops', panelId: 0, time: T(4), timeEnd: T(4), tags: ['shiftguard', 'decision', 'verifying', 'dten.sync.backoff-v2', 'env:prod'], text: 'decision 1: dten.sync.backoff-v2 verifying — toggle of dten.sync.backoff-v2 for upgrade dten-2026.04, requested by tuner, approved by alice' },
      { dashboardUID: 'shiftguard-ops', panelId: 0, time: T(5), timeEnd: T(5), tags: ['shiftguard', 'decision', 'kept', 'dten.sync.backoff-v2', 'env:prod'], text: 'decision 1: dten.sync.backoff-v2 kept — toggle of dten.sync.backoff-v2 for upgrade dten-2026.04, requested by tuner, approved by alice' },
      { dashboardUID: 'shiftguard-ops', panelId: 0, time: T(60), timeEnd: T(60), tags: ['shiftguard', 'upgrade', 'dten-2026.05', 'env:prod'], text: 'upgrade dten-2026.05 — dten-2026.05: dten-sync 2.7.0→2.8.0' },
    ]);
    // Only the region carries timeEnd; every request carried the token as a bearer token.
    expect(world.server.requests.map((r) => 'timeEnd' in (JSON.parse(r.body) as object))).toEqual([true, false, false, false, false, false, false]);
    expect(new Set(world.server.requests.map((r) => r.authorization))).toEqual(new Set([`Bearer ${GRAFANA_TOKEN}`]));

    // The API's feed says the same about the same events (its decisions at their current state).
    const upgrades = await Promise.all(['dten-2026.04', 'dten-2026.05'].map(async (id) => (await world.registry.get(id))?.upgrade));
    const feed = annotationFeed(upgrades.filter((u) => u !== undefined), await world.store.listDecisions(), -Infinity, Infinity);
    expect(feed.map((a) => `${a.title} — ${a.text}`)).toEqual([texts(world)[0], texts(world)[5], texts(world)[6]]);

    // Nothing twice: the cursor's own audit rows are passed over.
    expect(await pusher.pass()).toMatchObject({ outcome: 'caught_up', pushed: 0 });
    expect(world.server.requests).toHaveLength(7);
    expect(await world.metric('shiftguard_grafana_annotations_total', { outcome: 'pushed' })).toBe(7);
    expect(await world.metric('shiftguard_grafana_annotations_last_success_timestamp_seconds')).toBe(world.clock.ms / 1000);
  });

  it('records each cursor move in the audit log with its seq range and Grafana ids', async () => {
    const world = await memoryWorld();
    await story(world);
    await world.pusher({}, { pageSize: 4 }).pass();
    const audit = await world.store.listAudit({ limit: 100 });
    const moves = audit.filter((r) => r.action === GRAFANA_PUSHED_ACTION);
    // seq 1 leader.elected, 2 upgrade, 3-4 decision, 5 kill switch, 6-8 decision, 9 upgrade; pages of 4
    // rows; a move's own row (10, 11) is passed over by the next page.
    expect(audit.slice(0, 11).map((r) => `${r.seq} ${r.action}`)).toEqual([
      '1 leader.elected', '2 upgrade.registered', '3 decision.created', '4 decision.approved', '5 tuner.kill_switch.engaged', '6 decision.applied',
      '7 decision.verifying', '8 decision.kept', '9 upgrade.registered', `10 ${GRAFANA_PUSHED_ACTION}`, `11 ${GRAFANA_PUSHED_ACTION}`,
    ]);
    const url = world.server.url;
    expect(moves.map((r) => r.details)).toEqual([
      { grafana: url, fromSeq: 0, toSeq: 4, pushed: [{ seq: 2, id: 1 }, { seq: 3, id: 2 }, { seq: 4, id: 3 }], skipped: [] },
      { grafana: url, fromSeq: 4, toSeq: 8, pushed: [{ seq: 6, id: 4 }, { seq: 7, id: 5 }, { seq: 8, id: 6 }], skipped: [] },
      { grafana: url, fromSeq: 8, toSeq: 11, pushed: [{ seq: 9, id: 7 }], skipped: [] },
    ]);
    expect(moves.every((r) => r.actor === 'grafana-push' && r.subject === `setting/${GRAFANA_CURSOR_KEY}`)).toBe(true);
    expect((await world.store.getSetting(GRAFANA_CURSOR_KEY))?.value).toEqual({ seq: 11 });
  });

  it('after a restart on the same SQLite file pushes nothing again, then only what is new', async () => {
    const path = sqlitePath();
    const first = await openSqlite(path);
    const before = await pushWorld(first);
    cleanups.push(() => before.close());
    await story(before);
    await before.pusher().pass();
    expect(before.server.stored).toHaveLength(7);
    await first.close();

    const second = await openSqlite(path);
    const after = await pushWorld(second);
    cleanups.push(() => after.close());
    after.clock.ms = before.clock.ms + HOUR;
    const restarted = after.pusher({ url: before.server.url });
    expect(await restarted.pass()).toMatchObject({ outcome: 'caught_up', pushed: 0 });
    const d = await after.propose('dten-2026.05', 'dten.sync.backoff');
    await after.move(d, 'rejected', 'carol');
    expect(await restarted.pass()).toMatchObject({ outcome: 'caught_up', pushed: 2 });
    expect(texts(before).slice(7)).toEqual([
      'decision 2: dten.sync.backoff proposed — toggle of dten.sync.backoff for upgrade dten-2026.05, requested by tuner',
      'decision 2: dten.sync.backoff rejected — toggle of dten.sync.backoff for upgrade dten-2026.05, requested by tuner',
    ]);
    expect(new Set(texts(before)).size).toBe(9);
  });

  it('repeats at most the page whose cursor move a crash lost, and loses nothing', async () => {
    const world = await memoryWorld();
    await story(world);
    let failMoves = 1;
    const crashing: AuditLog & SettingStore = {
      appendAudit: (entry) => world.store.appendAudit(entry),
      listAudit: (query) => world.store.listAudit(query),
      getSetting: (key) => world.store.getSetting(key),
      putSetting: (record, audit) => (failMoves-- > 0 ? Promise.reject(new Error('disk I/O error')) : world.store.putSetting(record, audit)),
    };
    const crashed = world.pusher({}, { store: crashing, pageSize: 4 });
    await expect(crashed.pass()).rejects.toThrow('disk I/O error');
    expect(world.server.stored).toHaveLength(3);
    expect(await world.pusher({}, { pageSize: 4 }).pass()).toMatchObject({ outcome: 'caught_up', pushed: 7 });
    const all = texts(world);
    expect(all.slice(0, 3)).toEqual(all.slice(3, 6));
    expect(new Set(all).size).toBe(7);
  });

  it('on its first run passes over audit rows older than 7 days', async () => {
    const world = await memoryWorld();
    world.clock.ms = T0 - 8 * 24 * HOUR;
    await world.registerUpgrade('old-2026.03', { startedAt: '2026-04-02T12:00:00Z' });
    world.clock.ms = T0;
    await world.registerUpgrade('dten-2026.04', { startedAt: '2026-04-10T12:00:00Z' });
    expect(await world.pusher().pass()).toMatchObject({ outcome: 'caught_up', pushed: 1 });
    expect(texts(world)).toEqual(['upgrade dten-2026.04 — dten-2026.04: dten-sync 2.7.0→2.8.0']);
  });

  it('pushes nothing while another replica leads, and starts when this one leads', async () => {
    const world = await memoryWorld({ leading: false });
    await story(world);
    const pusher = world.pusher();
    expect(await pusher.pass()).toEqual({ outcome: 'not_leader', pushed: 0, skipped: 0, retryAfterMs: null });
    expect(world.server.requests).toEqual([]);
    expect(await world.store.getSetting(GRAFANA_CURSOR_KEY)).toBeNull();
    await world.elector.start();
    expect(await pusher.pass()).toMatchObject({ outcome: 'caught_up', pushed: 7 });
  });

  it('stops pushing mid-pass when leadership is lost, keeping what it pushed', async () => {
    const world = await memoryWorld();
    await story(world);
    world.server.rejectWhen((body) => {
      if (String(body['text']).includes('approved')) void world.elector.stop();
      return false;
    }, { status: 500, message: 'unused' });
    expect(await world.pusher().pass()).toMatchObject({ outcome: 'not_leader', pushed: 3 });
    expect((await world.store.getSetting(GRAFANA_CURSOR_KEY))?.value).toMatchObject({ seq: expect.any(Number) as number });
  });

  it('runs passes on its interval once started, and stop() cuts the request in flight and waits', async () => {
    const world = await memoryWorld();
    const pusher = world.pusher({ intervalMs: 10 });
    pusher.start();
    await world.registerUpgrade('dten-2026.04', { startedAt: '2026-04-10T12:00:00Z' });
    while (world.server.stored.length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    world.server.hold();
    await world.registerUpgrade('dten-2026.05', { startedAt: '2026-04-10T13:00:00Z' });
    await world.server.untilHeld(1);
    await pusher.stop();
    while (world.server.abandoned < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(world.server.stored).toHaveLength(1);
    expect(await pusher.pass()).toMatchObject({ outcome: 'stopped', pushed: 0 });
    expect(await world.metric('shiftguard_grafana_annotations_total', { outcome: 'failed' })).toBe(0);

    world.server.release();
    expect(await world.pusher().pass()).toMatchObject({ outcome: 'caught_up', pushed: 1 });
    expect(texts(world)).toEqual(['upgrade dten-2026.04 — dten-2026.04: dten-sync 2.7.0→2.8.0', 'upgrade dten-2026.05 — dten-2026.05: dten-sync 2.7.0→2.8.0']);
  });
});
