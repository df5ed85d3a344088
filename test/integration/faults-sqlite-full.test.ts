/**
 * Issue 6 fault: the disk of the SQLite state store fills up. `serve` (in this process, on the source
 * tree) keeps its state in SQLite; the test registers upgrades, fills the disk, goes on writing, then
 * frees the space. Checks: writes fail with 503 `store_full` naming the database (never a 500 or a
 * stack trace) and are counted in `shiftguard_state_store_errors_total{code="full"}`; reads go on
 * working and every write acknowledged before is intact (`PRAGMA integrity_check`); once space is
 * free again, writes succeed and the monitor finishes the upgrades whose final report it could not
 * store, all without a restart.
 *
 * How the disk fills, said in the test's name:
 * - `tmpfs`: a real full filesystem. The database lives on a 4 MiB tmpfs mounted for this test, and
 *   a filler file takes every free block (ENOSPC); deleting it frees the space. Needs root with
 *   CAP_SYS_ADMIN (`mount`), which this machine and CI containers started with it have.
 * - `page-limit`: where `mount` is refused (a container without CAP_SYS_ADMIN), SQLite's own limit
 *   `PRAGMA max_page_count`, set to the database's current size on the store's connection (the
 *   pragma is per connection, so the test opens the store and hands it to serve); raising it frees
 *   the space. SQLite answers exactly as on a full disk (SQLITE_FULL). Set
 *   `SHIFTGUARD_TEST_DISK_FULL=page-limit` to run this mode where `mount` works.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T0, decisionInput, upgradeRecord } from '../../src/store/contract-fixtures.js';
import { SqliteStateStore } from '../../src/store/sqlite-state-store.js';
import { makeTempDir } from '../e2e/run-cli.js';
import type { TempDir } from '../e2e/run-cli.js';
import { startServeInProcess } from '../support/serve-in-process.js';
import type { InProcessService } from '../support/serve-in-process.js';

const SEED_UPGRADE = 'full-seed';
const DECISIONS = 20;
/** Registrations sent at most while waiting for the first refusal (a full disk refuses within a few). */
const MAX_WRITES_UNTIL_FULL = 400;
/** Writes sent while the disk is full, after the first refusal. */
const WRITES_WHILE_FULL = 6;

/** How the disk is filled and freed. */
interface Filler {
  readonly mode: 'tmpfs' | 'page-limit';
  fill(): void;
  free(): void;
  close(): void;
}

/** `tmpfs` when a small tmpfs can be mounted here (unless the environment forces `page-limit`), with why not. */
function chooseMode(): { mode: 'tmpfs' | 'page-limit'; why: string } {
  if (process.env['SHIFTGUARD_TEST_DISK_FULL'] === 'page-limit') return { mode: 'page-limit', why: 'SHIFTGUARD_TEST_DISK_FULL=page-limit' };
  const probe = makeTempDir('mount-probe');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe.path], { stdio: 'pipe' });
    execFileSync('umount', [probe.path], { stdio: 'pipe' });
    return { mode: 'tmpfs', why: 'mount -t tmpfs works here' };
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim() ?? String(error);
    return { mode: 'page-limit', why: `mount -t tmpfs is refused here (${stderr || 'no reason given'})` };
  } finally {
    probe.remove();
  }
}

const chosen = chooseMode();

describe(`the SQLite state store's disk fills up (${chosen.mode}: ${chosen.why})`, () => {
  let tmp: TempDir | undefined;
  let filler: Filler | undefined;
  let service: InProcessService | undefined;
  let dbPath = '';
  const decisionIds: string[] = [];

  beforeAll(async () => {
    tmp = makeTempDir('faults-sqlite-full');
    const storeDir = join(tmp.path, 'store');
    mkdirSync(storeDir);
    if (chosen.mode === 'tmpfs') execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', storeDir], { stdio: 'pipe' });
    dbPath = join(storeDir, 'shiftguard.db');
    const store = new SqliteStateStore({ path: dbPath });
    await store.open();
    await store.putUpgrade({ ...upgradeRecord(SEED_UPGRADE, T0), status: 'finished' });
    for (let i = 0; i < DECISIONS; i++) decisionIds.push((await store.createDecision(decisionInput(SEED_UPGRADE, { atMs: T0 + i, flag: `dten.sync.backoff-${i}` }))).id);
    filler = chosen.mode === 'tmpfs' ? tmpfsFiller(storeDir) : pageLimitFiller(store);
    if (chosen.mode === 'tmpfs') await store.close();
    const serveDir = join(tmp.path, 'serve');
    mkdirSync(serveDir);
    service = await startServeInProcess({
      dir: serveDir,
      configYaml: [`store: { url: "sqlite:${dbPath}" }`, 'windows: { baseline: 60s, after: 30s, settle: 5s, slice: 1s }', 'monitoring: { delay: 1s }', ''].join('\n'),
      ...(chosen.mode === 'page-limit' ? { store } : {}),
    });
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    filler?.close();
    if (chosen.mode === 'tmpfs' && tmp !== undefined) execFileSync('umount', [join(tmp.path, 'store')], { stdio: 'pipe' });
    tmp?.remove();
  }, 60_000);

  it('refuses writes with 503 store_full, keeps what was written, and takes writes again once space is free', async () => {
    const s = need(service, 'serve');
    const f = need(filler, 'the filler');
    const log = (): string => s.logText().slice(-3000);
    const acked: string[] = [];
    for (let i = 0; i < 5; i++) acked.push(await registered(s, `full-before-${i}`));

    f.fill();
    const refused: { status: number; body: string }[] = [];
    let n = 0;
    while (refused.length === 0) {
      if (n >= MAX_WRITES_UNTIL_FULL) throw new Error(`${MAX_WRITES_UNTIL_FULL} registrations on a full disk were all acknowledged\n${log()}`);
      const id = `full-while-${String(n++).padStart(4, '0')}`;
      const answer = await register(s, id);
      if (answer.status === 201) acked.push(id);
      else refused.push(answer);
    }
    for (let i = 0; i < WRITES_WHILE_FULL; i++) {
      const decision = decisionIds[i] as string;
      refused.push(i % 2 === 0 ? await register(s, `full-refused-${i}`) : await post(s, `/api/v1/decisions/${decision}/approve`, {}));
    }
    for (const answer of refused) {
      expect(answer.status, `${answer.body}\n${log()}`).toBe(503);
      const { error } = JSON.parse(answer.body) as { error: { code: string; message: string } };
      expect(error.code).toBe('store_full');
      expect(error.message).toBe(`SQLite database ${dbPath} is full (no space left on its disk, or at its page limit): nothing was written; free space and retry`);
      expect(answer.body).not.toMatch(/\n\s+at /);
    }
    expect(await s.metric('shiftguard_state_store_errors_total', { code: 'full' })).toBe(refused.length);
    expect(await s.metric('shiftguard_state_store_errors_total', { code: 'unavailable' })).toBe(0);

    // Reads go on; what was acknowledged is there, nothing refused is, and the file is sound.
    expect((await s.call('/readyz')).status).toBe(200);
    const listed = new Set(((await (await s.call('/api/v1/upgrades', 'viewer')).json()) as { id: string }[]).map((u) => u.id));
    expect(listed).toEqual(new Set([SEED_UPGRADE, ...acked]));
    const decisions = (await (await s.call('/api/v1/decisions', 'viewer')).json()) as { id: string; status: string }[];
    expect(decisions.map((d) => [d.id, d.status]).sort()).toEqual(decisionIds.map((id) => [id, 'proposed']).sort());
    expect(integrity(dbPath)).toBe('ok');

    // Space freed: writes succeed again, no restart; the monitor stores the final reports it could not.
    f.free();
    for (let i = 0; i < 5; i++) acked.push(await registered(s, `full-after-${i}`));
    expect(await post(s, `/api/v1/decisions/${decisionIds[1] as string}/approve`, {})).toMatchObject({ status: 200 });
    await waitFor('every upgrade finished by the monitor', async () => (await statuses(dbPath)).every((st) => st === 'finished'), 30_000, log);
    expect(integrity(dbPath)).toBe('ok');
    process.stderr.write(`faults-sqlite-full [${chosen.mode}]: ${acked.length} registrations acknowledged and kept, ${refused.length} writes refused with 503 store_full while full\n`);
  }, 90_000);
});

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} did not start`);
  return value;
}

/** A filler file that takes every free block of the filesystem at `dir` (a tmpfs). */
function tmpfsFiller(dir: string): Filler {
  const path = join(dir, 'filler');
  return {
    mode: 'tmpfs',
    fill: () => {
      const fd = openSync(path, 'w');
      const chunk = Buffer.alloc(4096, 0x5a);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (error) {
        if ((error as { code?: string }).code !== 'ENOSPC') throw error;
      } finally {
        closeSync(fd);
      }
    },
    free: () => rmSync(path, { force: true }),
    close: () => rmSync(path, { force: true }),
  };
}

/**
 * `PRAGMA max_page_count` on the store's own connection. The adapter keeps it private (`db`); this
 * test reaches it on purpose, and fails loudly if the field is renamed.
 */
function pageLimitFiller(store: SqliteStateStore): Filler {
  const db = (store as unknown as { db: Database | null }).db;
  if (db === null || typeof db?.pragma !== 'function') throw new Error('SqliteStateStore no longer keeps its connection in `db`: update pageLimitFiller');
  return {
    mode: 'page-limit',
    fill: () => {
      const pages = db.pragma('page_count', { simple: true }) as number;
      db.pragma(`max_page_count = ${pages}`);
    },
    free: () => {
      db.pragma('max_page_count = 1073741823');
    },
    close: () => undefined,
  };
}

async function post(s: InProcessService, path: string, body: unknown): Promise<{ status: number; body: string }> {
  const response = await s.call(path, 'operator', { method: 'POST', body: JSON.stringify(body) });
  return { status: response.status, body: await response.text() };
}

function register(s: InProcessService, id: string): Promise<{ status: number; body: string }> {
  return post(s, '/api/v1/upgrades', { id, package: 'x'.repeat(2000), startedAt: '2026-04-10T12:00:00Z', binaries: [{ name: 'dten-sync', from: '2.7.0', to: '2.8.0', services: ['sync'] }] });
}

/** Registers `id`, failing unless the answer is 201; returns the id. */
async function registered(s: InProcessService, id: string): Promise<string> {
  const answer = await register(s, id);
  expect(answer.status, answer.body).toBe(201);
  return id;
}

/** `PRAGMA integrity_check` through a read-only connection of its own. */
function integrity(path: string): string {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

/** The status of every upgrade but the seeded one, read through a read-only connection. */
async function statuses(path: string): Promise<string[]> {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return (db.prepare('SELECT status FROM upgrades WHERE id <> ?').all(SEED_UPGRADE) as { status: string }[]).map((r) => r.status);
  } finally {
    db.close();
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, context: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
