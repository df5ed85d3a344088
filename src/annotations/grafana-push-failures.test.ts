import { afterEach, describe, expect, it } from 'vitest';
import { GRAFANA_TOKEN, pushWorld } from '../../test/support/grafana-push-harness.js';
import type { PushWorld } from '../../test/support/grafana-push-harness.js';
import { MemoryStateStore } from '../store/memory-state-store.js';
import { GRAFANA_CURSOR_KEY, GRAFANA_PUSHED_ACTION } from './grafana-cursor.js';
import { GRAFANA_BLOCKED_ALERT } from './grafana-health.js';

const PINO_ERROR = 50;
const PINO_WARN = 40;
const worlds: PushWorld[] = [];
afterEach(async () => {
  for (const world of worlds.splice(0)) await world.close();
});

async function world(options: Parameters<typeof pushWorld>[1] = {}): Promise<PushWorld> {
  const store = new MemoryStateStore();
  await store.open();
  const w = await pushWorld(store, options);
  worlds.push(w);
  return w;
}

/** Two upgrades and a decision proposed then approved: four annotations. */
async function fourEvents(w: PushWorld): Promise<void> {
  await w.registerUpgrade('dten-2026.04', { startedAt: '2026-04-10T12:00:00Z', finishedAt: '2026-04-10T12:40:00Z' });
  const d = await w.propose('dten-2026.04', 'dten.sync.backoff-v2');
  await w.move(d, 'approved', 'alice');
  await w.registerUpgrade('dten-2026.05', { startedAt: '2026-04-10T13:00:00Z' });
}

const FOUR = [
  'upgrade dten-2026.04 — dten-2026.04: dten-sync 2.7.0→2.8.0',
  'decision 1: dten.sync.backoff-v2 proposed — toggle of dten.sync.backoff-v2 for upgrade dten-2026.04, requested by tuner',
  'decision 1: dten.sync.backoff-v2 approved — toggle of dten.sync.backoff-v2 for upgrade dten-2026.04, requested by tuner, approved by alice',
  'upgrade dten-2026.05 — dten-2026.05: dten-sync 2.7.0→2.8.0',
];

const texts = (w: PushWorld): string[] => w.server.stored.map((a) => a.text);
const messages = (w: PushWorld, level: number): string[] => w.logs.filter((l) => l.level === level).map((l) => l.msg);

describe('the push to Grafana when Grafana fails', () => {
  it('on 503 keeps the cursor at the last pushed annotation, honours Retry-After, and then pushes the rest once', async () => {
    const w = await world();
    await fourEvents(w);
    let posts = 0;
    w.server.rejectWhen(() => ++posts === 2, { status: 503, message: 'Service Unavailable', headers: { 'Retry-After': '120' } });
    const pusher = w.pusher();

    expect(await pusher.pass()).toEqual({ outcome: 'unavailable', pushed: 1, skipped: 0, retryAfterMs: 120_000 });
    const cursor = (await w.store.getSetting(GRAFANA_CURSOR_KEY))?.value as { seq: number };
    expect(cursor.seq).toBe((await w.store.listAudit({ limit: 10 })).find((r) => r.action === 'upgrade.registered')?.seq);
    expect(messages(w, PINO_WARN)).toEqual(['Grafana did not take an annotation; retrying at the next pass (HTTP 503: Service Unavailable)']);

    expect(await pusher.pass()).toEqual({ outcome: 'caught_up', pushed: 3, skipped: 0, retryAfterMs: null });
    expect(texts(w)).toEqual(FOUR);
    expect(w.logs.at(-1)?.msg).toBe('Grafana takes annotations again');
    expect(await w.metric('shiftguard_grafana_annotations_total', { outcome: 'failed' })).toBe(1);
    expect(await w.metric('shiftguard_grafana_annotations_total', { outcome: 'pushed' })).toBe(4);
  });

  it('retries an attempt that timed out, and stores it once when Grafana answers', async () => {
    const w = await world();
    await w.registerUpgrade('dten-2026.04', { startedAt: '2026-04-10T12:00:00Z' });
    w.server.hold();
    expect(await w.pusher({ timeoutMs: 50 }).pass()).toMatchObject({ outcome: 'unavailable', pushed: 0 });
    expect(messages(w, PINO_WARN)).toEqual(['Grafana did not take an annotation; retrying at the next pass (no answer within 50 ms)']);
    expect(await w.store.getSetting(GRAFANA_CURSOR_KEY)).toBeNull();
    while (w.server.abandoned < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    w.server.release();
    expect(await w.pusher().pass()).toMatchObject({ outcome: 'caught_up', pushed: 1 });
    expect(texts(w)).toEqual([FOUR[0]]);
  });

  it('skips an annotation Grafana rejects with 400, logs Grafana\'s message, and goes on', async () => {
    const w = await world();
    await fourEvents(w);
    w.server.rejectWhen((body) => String(body['text']).includes('proposed'), { status: 400, message: 'Failed to save annotation' });
    const pusher = w.pusher();

    expect(await pusher.pass()).toEqual({ outcome: 'caught_up', pushed: 3, skipped: 1, retryAfterMs: null });
    expect(texts(w)).toEqual([FOUR[0], FOUR[2], FOUR[3]]);
    const proposedSeq = (await w.store.listAudit({ limit: 10 })).find((r) => r.action === 'decision.created')?.seq;
    expect(messages(w, PINO_ERROR)).toEqual([`Grafana rejected the annotation of audit row ${proposedSeq} (decision.created decision/1) with HTTP 400: Failed to save annotation; skipped`]);
    const move = (await w.store.listAudit({ limit: 100 })).find((r) => r.action === GRAFANA_PUSHED_ACTION);
    expect(move?.details).toMatchObject({ skipped: [{ seq: proposedSeq, reason: 'HTTP 400: Failed to save annotation' }] });
    expect(await pusher.pass()).toMatchObject({ outcome: 'caught_up', pushed: 0, skipped: 0 });
    expect(await w.metric('shiftguard_grafana_annotations_total', { outcome: 'skipped' })).toBe(1);
  });

  it('on 401 keeps the cursor, logs the refusal once and raises the alert; clears it once the token is accepted', async () => {
    const w = await world({ serverToken: 'glsa_rotated-token' });
    await fourEvents(w);
    const pusher = w.pusher();

    expect(await pusher.pass()).toMatchObject({ outcome: 'refused', pushed: 0 });
    expect(await pusher.pass()).toMatchObject({ outcome: 'refused', pushed: 0 });
    expect(w.server.stored).toEqual([]);
    expect(await w.store.getSetting(GRAFANA_CURSOR_KEY)).toBeNull();
    expect(messages(w, PINO_ERROR)).toEqual(['the Grafana token in GRAFANA_TOKEN was refused: annotations wait until it is fixed (HTTP 401: Invalid API key)']);
    expect(w.alerts.activeOperational()).toEqual([
      {
        name: GRAFANA_BLOCKED_ALERT,
        key: '',
        labels: { reason: 'refused' },
        summary: 'the Grafana token in GRAFANA_TOKEN was refused: annotations wait until it is fixed',
        description: `POST ${w.server.url}/api/annotations answered HTTP 401: Invalid API key`,
      },
    ]);

    w.server.setToken(GRAFANA_TOKEN);
    expect(await pusher.pass()).toMatchObject({ outcome: 'caught_up', pushed: 4 });
    expect(texts(w)).toEqual(FOUR);
    expect(w.alerts.activeOperational()).toEqual([]);
    expect(await w.metric('shiftguard_grafana_annotations_total', { outcome: 'failed' })).toBe(2);
  });

  it('treats a 403 like a refused token', async () => {
    const w = await world();
    await fourEvents(w);
    w.server.failNext({ status: 403, message: 'Access denied to save the annotation' });
    expect(await w.pusher().pass()).toMatchObject({ outcome: 'refused', pushed: 0 });
    expect(w.alerts.activeOperational().map((a) => a.description)).toEqual([`POST ${w.server.url}/api/annotations answered HTTP 403: Access denied to save the annotation`]);
  });

  it('waits, without skipping, while grafana.url leads elsewhere (404), and says so', async () => {
    const w = await world({ pathPrefix: '/grafana' });
    await fourEvents(w);
    const wrong = w.pusher({ url: w.server.url.replace('/grafana', '') });
    expect(await wrong.pass()).toMatchObject({ outcome: 'misdirected', pushed: 0, skipped: 0 });
    expect(messages(w, PINO_ERROR)).toEqual(['grafana.url does not lead to Grafana\'s annotation API: annotations wait until it is fixed (HTTP 404: Not found)']);
    expect(w.alerts.activeOperational().map((a) => a.labels)).toEqual([{ reason: 'misdirected' }]);
    expect(await w.pusher().pass()).toMatchObject({ outcome: 'caught_up', pushed: 4 });
  });

  it('never puts the token into logs, alerts or audit rows', async () => {
    const wrongToken = 'glsa_wrong-secret-9876543210';
    const w = await world();
    await fourEvents(w);
    const refused = w.pusher({ token: wrongToken });
    await refused.pass();
    let posts = 0;
    w.server.rejectWhen(() => ++posts === 1, { status: 400, message: 'Failed to save annotation' });
    w.server.failNext({ status: 503, message: 'Service Unavailable' });
    const pusher = w.pusher();
    await pusher.pass();
    await pusher.pass();
    expect(w.server.stored).toHaveLength(3);

    const everything = JSON.stringify([w.logs, w.alerts.activeOperational(), await w.store.listAudit({ limit: 1000 })]);
    expect(w.logs.length).toBeGreaterThan(3);
    expect(everything).not.toContain(GRAFANA_TOKEN);
    expect(everything).not.toContain(wrongToken);
    expect(w.server.requests.map((r) => r.authorization)).toEqual([`Bearer ${wrongToken}`, ...Array<string>(5).fill(`Bearer ${GRAFANA_TOKEN}`)]);
  });
});
