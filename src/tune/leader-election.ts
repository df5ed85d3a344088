/**
 * Port: which `shiftguard serve` replica leads the tuner (only the leader acts on feature flags).
 * The leader holds a leadership term of the state store (`LeadershipStore`); its epoch goes into
 * every decision write, and the store refuses writes of an epoch a newer term replaced, so a deposed
 * leader that has not noticed yet still cannot write. Implementations: `sole-leader.ts` (SQLite and
 * in-memory: one process owns the database) and `postgres-leader-elector.ts` (replicas sharing
 * PostgreSQL, an advisory lock with a lease PostgreSQL enforces).
 *
 * Also here: the change notifier both implementations share, and the logger slice they use.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** Leadership of this instance, as the tuner sees it. */
export interface LeaderElector {
  /** The epoch while this instance believes it leads, else null (cheap, in-memory). */
  current(): number | null;
  /**
   * Re-confirms leadership with a round trip (PostgreSQL: a query on the lock's own connection);
   * returns the epoch or null. The tuner calls it right before every flag write.
   */
  confirm(): Promise<number | null>;
  /** Subscribes to changes (the new epoch, or null on stepping down); returns the unsubscribe function. */
  onChange(listener: (epoch: number | null) => void): () => void;
  /** Starts campaigning (the sole leader: claims its term). */
  start(): Promise<void>;
  /** Steps down (releases the lock) and stops timers; idempotent. */
  stop(): Promise<void>;
}

/** The log methods the electors call; a pino `Logger` fits. */
export interface ElectorLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** A holder name unique to this process: `hostname/pid/uuid` (the uuid tells restarts apart). */
export function leaderHolder(): string {
  return `${hostname()}/${process.pid}/${randomUUID()}`;
}

/**
 * The epoch an elector believes it leads with, and its subscribers. Setting the same value again
 * notifies nobody; a listener that throws is logged and does not stop the others (setters run in
 * timers, which must not throw).
 */
export class LeaderSignal {
  private epoch: number | null = null;
  private readonly listeners = new Set<(epoch: number | null) => void>();

  constructor(private readonly logger: ElectorLogger | undefined) {}

  /** The epoch, or null when not leading. */
  get(): number | null {
    return this.epoch;
  }

  /** Changes the epoch and notifies every listener when it differs. */
  set(epoch: number | null): void {
    if (epoch === this.epoch) return;
    this.epoch = epoch;
    for (const listener of [...this.listeners]) {
      try {
        listener(epoch);
      } catch (error) {
        this.logger?.error({ err: error, epoch }, 'leader change listener threw');
      }
    }
  }

  /** Adds a listener; returns its removal. */
  subscribe(listener: (epoch: number | null) => void): () => void {
    const own = (epoch: number | null): void => listener(epoch);
    this.listeners.add(own);
    return () => {
      this.listeners.delete(own);
    };
  }
}
