/**
 * Leader election of `shiftguard serve` replicas sharing one PostgreSQL database.
 *
 * The leader holds a session-level advisory lock ({@link TUNER_LOCK_KEY}) on a connection of its
 * own. The lease is enforced by PostgreSQL, not by the leader's good behaviour: that connection runs
 * with `idle_session_timeout = leaseMs` (PostgreSQL ≥ 14) and sends a heartbeat `SELECT 1` every
 * leaseMs/3. A leader that is paused (SIGSTOP, a long GC, a hung event loop) or cut off stops sending
 * heartbeats, PostgreSQL terminates its idle session after the lease and so releases the lock; a
 * follower, polling `pg_try_advisory_lock` every leaseMs/3, then wins it and claims a new term
 * through the store. When the old leader wakes up, its heartbeat or `confirm()` fails, it steps down,
 * and any decision write it still attempts carries the old epoch and is refused by the store
 * (`StoreFencedError`).
 *
 * Locally, leadership also lapses leaseMs after the last heartbeat that was answered (counted from
 * when it was sent, since PostgreSQL's idle clock starts no earlier), so `current()` is already null
 * when a paused process resumes, before its first failed query. Heartbeats time out after leaseMs/3,
 * and TCP keep-alive covers a silently dead network, so a cut-off leader steps down before
 * PostgreSQL can hand the lock to someone else.
 *
 * Timers never throw: every failure is logged, steps down when leading, and the next tick reconnects
 * and polls as a follower. The lock and the timeout belong to the session, so `url` must reach
 * PostgreSQL directly (or through a session-mode pooler), never through transaction pooling.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { redactUrl, sqlState } from '../store/postgres-transaction.js';
import type { LeadershipStore } from '../store/state-store.js';
import { LeaderSignal } from './leader-election.js';
import type { ElectorLogger, LeaderElector } from './leader-election.js';

/** The name the tuner's advisory lock key is derived from. */
export const TUNER_LOCK_NAME = 'shiftguard.tuner';

/**
 * The advisory lock key for `name`: the first 8 bytes of its SHA-256 as a signed 64-bit integer, in
 * decimal (how `pg` passes a bigint).
 */
export function advisoryLockKey(name: string): string {
  return createHash('sha256').update(name).digest().readBigInt64BE(0).toString();
}

/**
 * `pg_try_advisory_lock` key of tuner leadership, `advisoryLockKey(TUNER_LOCK_NAME)` written out:
 * every replica, whatever its version, must use the same key, so it is pinned here and by a test.
 */
export const TUNER_LOCK_KEY = '1790925107948493314';

/** Default lease: how long PostgreSQL lets a silent leader keep the lock, in ms. */
export const DEFAULT_LEASE_MS = 15_000;

/** Shortest lease accepted, in ms (heartbeats every leaseMs/3 must fit several round trips). */
export const MIN_LEASE_MS = 300;

/** How to build a {@link createPostgresLeaderElector}. */
export interface PostgresLeaderElectorOptions {
  /** The state store's database URL (`postgres://…`); the elector opens its own connection. */
  readonly url: string;
  /** Where terms are claimed (the PostgreSQL state store on the same database). */
  readonly store: LeadershipStore;
  /** This replica's name in terms and logs (see `leaderHolder()`). */
  readonly holder: string;
  /** Lease in ms (default {@link DEFAULT_LEASE_MS}); heartbeats and follower polls run every leaseMs/3. */
  readonly leaseMs?: number;
  /** Clock stamping claimed terms, epoch ms (default `Date.now`); the lease runs on a monotonic clock. */
  readonly now?: () => number;
  readonly logger?: ElectorLogger;
  /** `application_name` of the lock connection in `pg_stat_activity` (default `shiftguard-leader`). */
  readonly applicationName?: string;
}

/** An elector over PostgreSQL (see the module comment); call `start()` to campaign. */
export function createPostgresLeaderElector(options: PostgresLeaderElectorOptions): LeaderElector {
  return new PostgresLeaderElector(options);
}

class PostgresLeaderElector implements LeaderElector {
  private readonly leaseMs: number;
  private readonly tickMs: number;
  private readonly signal: LeaderSignal;
  private readonly label: string;
  private client: pg.Client | null = null;
  /** Monotonic ms until which the lock connection's lease is known to hold. */
  private leaseUntil = 0;
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  /** Whether the last tick failed (logs once per outage, not per tick). */
  private failing = false;

  constructor(private readonly options: PostgresLeaderElectorOptions) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    if (!Number.isSafeInteger(this.leaseMs) || this.leaseMs < MIN_LEASE_MS) {
      throw new RangeError(`leaseMs: expected an integer of at least ${MIN_LEASE_MS}, got ${this.leaseMs}`);
    }
    this.tickMs = Math.floor(this.leaseMs / 3);
    this.signal = new LeaderSignal(options.logger);
    this.label = redactUrl(options.url);
  }

  current(): number | null {
    const epoch = this.signal.get();
    return epoch !== null && performance.now() < this.leaseUntil ? epoch : null;
  }

  async confirm(): Promise<number | null> {
    const epoch = this.signal.get();
    const client = this.client;
    if (epoch === null || client === null) return null;
    try {
      await this.heartbeat(client);
    } catch (error) {
      this.drop(client, error);
      return null;
    }
    let newest: number | null;
    try {
      newest = (await this.options.store.currentLeaderTerm())?.epoch ?? null;
    } catch (error) {
      this.options.logger?.warn({ err: error, epoch }, 'cannot confirm leadership: the state store did not answer');
      return null;
    }
    if (newest !== epoch) {
      this.options.logger?.warn({ epoch, newest, holder: this.options.holder }, 'a newer leadership term exists; stepping down');
      this.drop(client, null);
      return null;
    }
    return this.current();
  }

  onChange(listener: (epoch: number | null) => void): () => void {
    return this.signal.subscribe(listener);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.runTick();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.ticking;
    const client = this.client;
    this.client = null;
    const epoch = this.signal.get();
    this.signal.set(null);
    if (client === null) return;
    if (epoch !== null) {
      // Unlocking first hands over even if closing the socket lingers; ending the session would too.
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [TUNER_LOCK_KEY]).catch(() => undefined);
      this.options.logger?.info({ epoch, holder: this.options.holder }, 'stepped down: stopping');
    }
    await this.endWithin(client, this.leaseMs);
  }

  /** One tick now, then the next after leaseMs/3 (ticks never overlap). */
  private async runTick(): Promise<void> {
    this.ticking = this.tick();
    await this.ticking;
    this.ticking = null;
    if (this.running) this.timer = setTimeout(() => void this.runTick(), this.tickMs);
  }

  private async tick(): Promise<void> {
    let client = this.client;
    try {
      client ??= await this.connect();
      if (!this.running) return;
      if (this.signal.get() === null) await this.campaign(client);
      else await this.heartbeat(client);
      if (this.failing) this.options.logger?.info({ database: this.label }, 'leader election connection restored');
      this.failing = false;
    } catch (error) {
      if (client !== null) this.drop(client, error);
      else this.report(error);
    }
  }

  /** A new lock connection with the lease set; it becomes `this.client`. */
  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.options.url,
      application_name: this.options.applicationName ?? 'shiftguard-leader',
      connectionTimeoutMillis: this.leaseMs,
      query_timeout: this.tickMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: this.tickMs,
    });
    // Errors of an idle connection (PostgreSQL ended the session) arrive here, not at a query.
    client.on('error', (error: Error) => this.drop(client, error));
    client.on('end', () => this.drop(client, new Error('the lock connection closed')));
    try {
      await client.connect();
      await client.query("SELECT set_config('idle_session_timeout', $1, false)", [String(this.leaseMs)]);
    } catch (error) {
      void client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    return client;
  }

  /** A follower's poll: takes the lock if free, claims a term, checks the lock survived the claim. */
  private async campaign(client: pg.Client): Promise<void> {
    const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [TUNER_LOCK_KEY]);
    if (result.rows[0]?.locked !== true) return;
    let epoch: number;
    try {
      epoch = (await this.options.store.claimLeaderTerm(this.options.holder, (this.options.now ?? Date.now)())).epoch;
    } catch (error) {
      this.options.logger?.warn({ err: error, holder: this.options.holder }, 'won the leader lock but cannot claim a term; releasing it');
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [TUNER_LOCK_KEY]);
      return;
    }
    // The lock session may have ended while the claim ran (a pause): lead only if it still answers.
    await this.heartbeat(client);
    if (this.client !== client || !this.running) return;
    this.options.logger?.info({ epoch, holder: this.options.holder }, 'leading the tuner');
    this.signal.set(epoch);
  }

  /** `SELECT 1` on the lock connection; renews the local lease from when it was sent. */
  private async heartbeat(client: pg.Client): Promise<void> {
    const sentAt = performance.now();
    await client.query('SELECT 1');
    if (this.client === client) this.leaseUntil = Math.max(this.leaseUntil, sentAt + this.leaseMs);
  }

  /**
   * Forgets a lock connection that failed (or, with a null error, whose term was superseded): steps
   * down at once when leading, closes it (which releases the lock if the session still has it); the
   * next tick reconnects as a follower. Calls for a connection already dropped do nothing.
   */
  private drop(client: pg.Client, error: unknown): void {
    if (this.client !== client) return;
    this.client = null;
    this.leaseUntil = 0;
    const epoch = this.signal.get();
    if (epoch !== null && error !== null) {
      this.options.logger?.warn({ err: error, epoch, holder: this.options.holder }, 'stepped down: the leader lock connection failed');
      this.failing = true;
    } else if (error !== null) {
      this.report(error);
    }
    this.signal.set(null);
    void client.end().catch(() => undefined);
  }

  /** Logs a failed tick once per outage; a server too old for the lease is a misconfiguration. */
  private report(error: unknown): void {
    if (sqlState(error) === '42704') {
      this.options.logger?.error({ err: error, database: this.label }, 'leader election needs PostgreSQL 14 or newer (idle_session_timeout)');
    } else if (!this.failing) {
      this.options.logger?.warn({ err: error, database: this.label, retryMs: this.tickMs }, 'leader election connection failed; retrying');
    }
    this.failing = true;
  }

  /** `client.end()`, waiting at most `ms` (a socket to a vanished peer may never close cleanly). */
  private async endWithin(client: pg.Client, ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      client.end().catch(() => undefined),
      new Promise((resolve) => {
        timer = setTimeout(resolve, ms);
      }),
    ]);
    clearTimeout(timer);
  }
}
