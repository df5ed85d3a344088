/**
 * The elector for a store one process owns (SQLite, in-memory): there is nobody to elect against,
 * so the process claims a new term when it starts and leads until it stops.
 *
 * SQLite means one replica: run a single `shiftguard serve` per database file (several replicas need
 * PostgreSQL and `postgres-leader-elector.ts`). Should a second process claim a term on the same file
 * anyway, the first one's writes are fenced by the store, and its `confirm()` sees the newer term and
 * steps down for good (this elector never campaigns again; restart it to lead).
 */
import type { LeadershipStore } from '../store/state-store.js';
import { LeaderSignal } from './leader-election.js';
import type { ElectorLogger, LeaderElector } from './leader-election.js';

/**
 * The sole leader over `store`: `start()` claims a term as `holder` at `now()` (epoch ms) and rejects
 * when the store refuses; `confirm()` re-reads the newest term. A store error in `confirm()` answers
 * null (no flag write without confirmation) but keeps the term, since no rival exists to take over.
 */
export function createSoleLeader(store: LeadershipStore, holder: string, now: () => number, logger?: ElectorLogger): LeaderElector {
  const signal = new LeaderSignal(logger);
  let starting: Promise<void> | null = null;

  const claim = async (): Promise<void> => {
    const term = await store.claimLeaderTerm(holder, now());
    logger?.info({ epoch: term.epoch, holder }, 'leading the tuner as the sole replica');
    signal.set(term.epoch);
  };

  return {
    current: () => signal.get(),
    confirm: async () => {
      const epoch = signal.get();
      if (epoch === null) return null;
      let newest: number | null;
      try {
        newest = (await store.currentLeaderTerm())?.epoch ?? null;
      } catch (error) {
        logger?.warn({ err: error, epoch }, 'cannot confirm leadership: the state store did not answer');
        return null;
      }
      if (newest === epoch) return signal.get();
      logger?.error({ epoch, newest, holder }, 'another process claimed a newer leadership term on this database; stepping down (SQLite serves one replica)');
      if (signal.get() === epoch) signal.set(null);
      return null;
    },
    onChange: (listener) => signal.subscribe(listener),
    start: async () => {
      starting ??= claim().catch((error: unknown) => {
        starting = null;
        throw error;
      });
      await starting;
    },
    stop: async () => {
      await starting?.catch(() => undefined);
      starting = null;
      if (signal.get() !== null) logger?.info({ epoch: signal.get(), holder }, 'stepped down');
      signal.set(null);
    },
  };
}
