/**
 * Durability of `shiftguard serve` under `kill -9` (issue 3): on SQLite and on PostgreSQL, 20 times,
 * a stream of upgrade registrations and approvals/rejections of seeded decisions (several requests
 * in flight) is cut by SIGKILL at a seeded random moment: a delay of 50–400 ms after the stream
 * starts, or the arrival of the n-th 2xx (1–40), alternating. After every kill the service restarts
 * on the same store and must serve every request that got a 2xx as acknowledged; requests whose
 * connection died are in doubt and may or may not have landed, but once seen they stay. After the
 * last restart the service is stopped with SIGTERM and the store itself is read through the
 * `StateStore` adapter: no duplicates, and exactly one audit row per registration and per transition.
 * A third test makes one such crash deterministic on PostgreSQL: the kill lands while a registration's
 * audit insert waits for a lock the test holds.
 *
 * PostgreSQL comes from `SHIFTGUARD_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`,
 * a role allowed to create databases); the test creates its own database and drops it. Without a
 * reachable server the PostgreSQL half is skipped with a warning, except when `CI` is set: then it fails.
 */
import { POSTGRES_ADMIN_URL, postgresUnreachableReason } from '../support/postgres-admin.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/detect/random.js';
import { T0, decisionInput, upgradeRecord } from '../../src/store/contract-fixtures.js';
import { openStateStore } from '../../src/store/open-state-store.js';
import { checkDecisions, checkStore, checkUpgrades, readAudit, readThroughApi } from './durability-checks.js';
import { DurabilityLedger } from './durability-ledger.js';
import type { DurabilityOutcome } from './durability-ledger.js';
import { requireBuiltCli, startServiceProcess } from './durability-service.js';
import type { ServiceProcess, ServiceStore } from './durability-service.js';
import { runKilledStream, sendOp } from './durability-stream.js';
import type { KillPlan } from './durability-stream.js';
import { makeTempDir } from './run-cli.js';
import type { TempDir } from './run-cli.js';

/** Kills (and restarts) per backend. */
const CYCLES = 20;
/** Approvals/rejections per cycle at most; as many decisions are seeded per cycle. */
const DECISIONS_PER_CYCLE = 10;
const SEED = 20_260_410;
/** Per-test hang guard, ms (the whole file normally takes well under a minute). */
const TEST_TIMEOUT_MS = 110_000;

const ADMIN_URL = POSTGRES_ADMIN_URL;
const inCi = (process.env.CI ?? '') !== '' && process.env.CI !== 'false';
const pgUnreachable = await postgresUnreachableReason();
if (pgUnreachable !== null) {
  const message = `PostgreSQL is unreachable at ${ADMIN_URL} (${pgUnreachable}); start it (pg_ctlcluster <version> main start) or set SHIFTGUARD_TEST_POSTGRES_URL`;
  if (inCi) throw new Error(`CI requires PostgreSQL for the serve durability test: ${message}`);
  console.warn(`SKIPPED serve durability on PostgreSQL: ${message}`);
}

const running = new Set<ServiceProcess>();
let tmp: TempDir | undefined;

beforeAll(() => {
  requireBuiltCli();
  tmp = makeTempDir('durability');
});

afterAll(async () => {
  await Promise.allSettled([...running].map((service) => service.kill()));
  tmp?.remove();
});

describe('serve durability under kill -9', () => {
  it(`SQLite: ${CYCLES} kills, every 2xx survives`, async () => {
    const dir = tmp?.path ?? '';
    const path = join(dir, 'sqlite', 'state.db');
    const configPath = join(dir, 'sqlite.yaml');
    writeFileSync(configPath, `store:\n  url: sqlite:${path}\n`);
    await runDurability('sqlite', 1, `sqlite:${path}`, { configPath, env: {}, cwd: dir });
    const db = new BetterSqlite3(path, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  }, TEST_TIMEOUT_MS);

  describe.skipIf(pgUnreachable !== null)('PostgreSQL', () => {
    const database = `shiftguard_durability_${process.pid}_${Date.now().toString(36)}`;
    const url = new URL(ADMIN_URL);
    url.pathname = `/${database}`;
    beforeAll(() => admin(`CREATE DATABASE ${database}`));
    afterAll(async () => {
      await Promise.allSettled([...running].map((service) => service.kill()));
      await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    });

    const configPath = (): string => {
      const path = join(tmp?.path ?? '', 'postgres.yaml');
      writeFileSync(path, '# all defaults; the store comes from env DATABASE_URL\n');
      return path;
    };

    it(`PostgreSQL: ${CYCLES} kills, every 2xx survives`, async () => {
      await runDurability('postgres', 2, url.toString(), { configPath: configPath(), env: { DATABASE_URL: url.toString() }, cwd: tmp?.path ?? '' });
    }, TEST_TIMEOUT_MS);

    it('a registration killed while its audit row waits leaves the upgrade and its audit row both there or both gone', async () => {
      const halfUrl = new URL(url);
      halfUrl.pathname = `/${database}_half`;
      await admin(`CREATE DATABASE ${database}_half`);
      try {
        const outcome = await killBetweenUpgradeAndAudit(halfUrl.toString(), { configPath: configPath(), env: { DATABASE_URL: halfUrl.toString() }, cwd: tmp?.path ?? '' });
        expect(outcome.consistent, outcome.explanation).toBe(true);
      } finally {
        await admin(`DROP DATABASE IF EXISTS ${database}_half WITH (FORCE)`);
      }
    }, TEST_TIMEOUT_MS);
  });
});

/**
 * Seeds the store at `storeUrl`, then runs {@link CYCLES} start–check–stream–kill cycles, restarts
 * once more, checks, stops gracefully and checks the store; prints a one-line summary to stderr.
 */
async function runDurability(label: string, backendIndex: number, storeUrl: string, serviceStore: ServiceStore): Promise<void> {
  const ledger = await seed(label, storeUrl);
  const planRng = createRng(SEED + backendIndex);
  const problems: string[] = [];
  let killsMidRequest = 0;
  let service = await start(serviceStore);
  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    problems.push(...(await checkApi(service, ledger, `after start ${cycle}`)));
    const plan: KillPlan = cycle % 2 === 1 ? { afterMs: 50 + planRng.int(351) } : { afterAcks: 1 + planRng.int(40) };
    const stats = await runKilledStream({ service, ledger, rng: createRng(SEED + 100_000 * backendIndex + cycle), cycle, plan });
    running.delete(service);
    if (stats.inFlightAtKill > 0) killsMidRequest++;
    service = await start(serviceStore);
  }
  problems.push(...(await checkApi(service, ledger, `after the restart following kill ${CYCLES}`)));
  const exitCode = await service.stop();
  running.delete(service);
  if (exitCode !== 0) problems.push(`the final service exited with code ${exitCode} after SIGTERM; stderr:\n${service.stderrTail()}`);
  const store = await openStateStore(storeUrl);
  const { problems: storeProblems, auditRows } = await checkStore(store, ledger).finally(() => store.close());
  problems.push(...storeProblems);
  printSummary(label, ledger, killsMidRequest, auditRows, problems);
  expect(ledger.violations, `answers that contradict the contract (${label}):\n${ledger.violations.slice(0, 40).join('\n')}`).toEqual([]);
  expect(problems, `durability problems (${label}):\n${problems.slice(0, 40).join('\n')}`).toEqual([]);
}

async function start(serviceStore: ServiceStore): Promise<ServiceProcess> {
  const service = await startServiceProcess(serviceStore);
  running.add(service);
  return service;
}

async function checkApi(service: ServiceProcess, ledger: DurabilityLedger, where: string): Promise<string[]> {
  const { upgrades, decisions } = await readThroughApi(service.base);
  return [...checkUpgrades(upgrades, ledger, `API ${where}`, true), ...checkDecisions(decisions, ledger, `API ${where}`, true)];
}

/** Writes the seeded upgrade (with its audit row) and CYCLES × DECISIONS_PER_CYCLE proposed decisions through the adapter. */
async function seed(label: string, storeUrl: string): Promise<DurabilityLedger> {
  const seedUpgradeId = `durability-${label}-seed`;
  const store = await openStateStore(storeUrl);
  try {
    await store.putUpgrade(upgradeRecord(seedUpgradeId, T0));
    await store.appendAudit({ atMs: T0, actor: 'durability-test', action: 'upgrade.registered', subject: `upgrade/${seedUpgradeId}`, details: {} });
    const ids: string[] = [];
    for (let i = 0; i < CYCLES * DECISIONS_PER_CYCLE; i++) {
      ids.push((await store.createDecision(decisionInput(seedUpgradeId, { atMs: T0 + i, flag: `dten.sync.backoff-${i}` }))).id);
    }
    return new DurabilityLedger(label, seedUpgradeId, ids, DECISIONS_PER_CYCLE);
  } finally {
    await store.close();
  }
}

function printSummary(label: string, ledger: DurabilityLedger, killsMidRequest: number, auditRows: number, problems: readonly string[]): void {
  const approvals = [...ledger.ackedTransitions.values()].filter((t) => t.status === 'approved').length;
  const verdict = problems.length + ledger.violations.length === 0 ? 'verified' : `FAILED (${problems.length} problems, ${ledger.violations.length} contract violations)`;
  process.stderr.write(
    `serve durability [${label}]: ${CYCLES} cycles (${killsMidRequest} kills with requests in flight), ` +
      `${ledger.acked} acknowledged (${ledger.ackedUpgrades.size} registrations, ${approvals} approvals, ${ledger.ackedTransitions.size - approvals} rejections), ` +
      `${ledger.inDoubt} in doubt (${ledger.landed.size} landed), ${ledger.conflictsRefused} repeats refused with 409, ` +
      `${auditRows} audit rows; ${verdict} after ${CYCLES} restarts and in the store\n`,
  );
}

/**
 * Deterministic form of the half-registration the random kills find: holds an EXCLUSIVE lock on
 * `audit_log`, registers an upgrade, waits until the service's audit insert is blocked on that lock,
 * SIGKILLs the service, releases the lock, restarts the service and reports what it lists and what
 * the audit log holds for that upgrade.
 */
async function killBetweenUpgradeAndAudit(storeUrl: string, serviceStore: ServiceStore): Promise<{ consistent: boolean; explanation: string }> {
  const id = 'durability-half-registration';
  let service = await start(serviceStore);
  const locker = new pg.Client({ connectionString: storeUrl, connectionTimeoutMillis: 5_000 });
  await locker.connect();
  let outcome: DurabilityOutcome;
  try {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE audit_log IN EXCLUSIVE MODE');
    const request = sendOp(service.base, { kind: 'register', upgradeId: id });
    await waitForBlockedAuditInsert(locker);
    await service.kill();
    running.delete(service);
    outcome = await request;
    await locker.query('ROLLBACK');
  } finally {
    await locker.end();
  }
  service = await start(serviceStore);
  const { upgrades } = await readThroughApi(service.base);
  const store = await openStateStore(storeUrl);
  const audit = await readAudit(store).finally(() => store.close());
  const again = await sendOp(service.base, { kind: 'reregister', upgradeId: id });
  await service.stop();
  running.delete(service);
  const upgradeListed = upgrades.some((u) => u.id === id);
  const auditRows = audit.filter((row) => row.subject === `upgrade/${id}` && row.action === 'upgrade.registered').length;
  const consistent = upgradeListed ? auditRows === 1 : auditRows === 0;
  const explanation = `POST /api/v1/upgrades ${id} was cut by SIGKILL while its audit insert waited (client saw ${outcome.kind}); ` +
    `after the restart the upgrade is ${upgradeListed ? 'listed' : 'not listed'} with ${auditRows} upgrade.registered audit row(s), ` +
    `and registering it again answers ${again.kind === 'in-doubt' ? again.error : again.status}` +
    (upgradeListed && auditRows === 0 ? ', so its registration can never reach the audit log' : '');
  return { consistent, explanation };
}

/** Resolves once some session waits for a lock on `audit_log` (the one `locker` holds); fails after 10 s. */
async function waitForBlockedAuditInsert(locker: pg.Client): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = await locker.query<{ waiting: string }>("SELECT count(*) AS waiting FROM pg_locks WHERE NOT granted AND relation = 'audit_log'::regclass");
    if (Number(rows[0]?.waiting ?? 0) > 0) return;
    if (Date.now() > deadline) throw new Error('no session waited for the audit_log lock within 10 s: the registration never reached its audit insert');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}


async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
