/**
 * Pushes upgrades and decisions to Grafana's annotation API as they happen, so every dashboard shows
 * them without an annotation query against shiftguard. The source is the state store's append-only
 * audit log, tailed from a durable cursor (`grafana-cursor.ts`); which rows become annotations and
 * what they say is `audit-annotation.ts`; the HTTP contract is `grafana-client.ts`.
 *
 * Delivery is at least once, in audit-log order: a page of rows is pushed one annotation at a time,
 * then the cursor is moved past it. A crash (or a cut request at shutdown) between a push and the move
 * repeats at most that page (default 100 rows) on the next start; nothing is lost.
 *
 * - Only the leading replica pushes (`elector.current() !== null`), so replicas sharing PostgreSQL
 *   do not each push the same annotations; a new leader reads the cursor afresh. Right after a
 *   leadership change the old leader may finish the annotation in flight: at least once again.
 * - First run (no cursor stored): the log is read from its beginning, but rows older than 7 days
 *   (`firstRunMaxAgeMs`) are passed over, so enabling the push on an old database does not flood
 *   Grafana with history; once a cursor is stored every row after it is pushed, however late.
 * - No answer, 408, 429 or 5xx: the pass stops, the cursor stays before the annotation, and the next
 *   pass (after `intervalMs`, or Grafana's `Retry-After` when longer) tries again.
 * - Another 4xx (400: Grafana refused this annotation's body): the annotation is skipped (logged as
 *   an error with Grafana's message, counted, and recorded in the cursor's audit row), so one bad
 *   annotation cannot wedge the feed.
 * - 401/403 (token refused) or 3xx/404/405 (the URL leads elsewhere): nothing is skipped, since every
 *   annotation would meet the same answer; the cursor waits, an error is logged once and the
 *   operational alert `ShiftguardGrafanaAnnotationsBlocked` is raised until Grafana takes one again
 *   (`grafana-health.ts`).
 *
 * The token goes only into the `Authorization` header: never into logs, alerts or audit rows.
 */
import type { AuditEntry, AuditLog, SettingStore } from '../store/state-store.js';
import type { LeaderElector } from '../tune/leader-election.js';
import type { Annotation } from './annotation-feed.js';
import { annotationOfAudit } from './audit-annotation.js';
import type { AnnotationSources } from './audit-annotation.js';
import { classifyGrafanaOutcome, describeGrafanaOutcome, grafanaBody, postGrafanaAnnotation } from './grafana-client.js';
import type { GrafanaPostOutcome } from './grafana-client.js';
import type { GrafanaTarget } from './grafana-config.js';
import { readGrafanaCursor, writeGrafanaCursor } from './grafana-cursor.js';
import type { CursorMove } from './grafana-cursor.js';
import { createGrafanaHealth } from './grafana-health.js';
import type { GrafanaPushAlerts, GrafanaPushLogger } from './grafana-health.js';
import type { GrafanaPushMetrics } from './grafana-metrics.js';

/** Audit rows read per page by default: also the most a crash can make the push repeat. */
export const DEFAULT_PAGE_SIZE = 100;
/** On the first run, rows older than this (7 days) are not pushed. */
export const DEFAULT_FIRST_RUN_MAX_AGE_MS = 7 * 24 * 3600_000;
/** The longest wait a `Retry-After` may ask for (10 minutes). */
const MAX_RETRY_AFTER_MS = 600_000;

/** Everything the push needs; all I/O is injected. */
export interface GrafanaPushDeps {
  readonly target: GrafanaTarget;
  readonly store: AuditLog & SettingStore;
  readonly sources: AnnotationSources;
  readonly elector: Pick<LeaderElector, 'current'>;
  readonly logger: GrafanaPushLogger;
  /** Epoch ms. */
  readonly now: () => number;
  readonly alerts?: GrafanaPushAlerts;
  readonly metrics?: GrafanaPushMetrics;
  readonly fetch?: typeof fetch;
  /** Audit rows per page (default {@link DEFAULT_PAGE_SIZE}). */
  readonly pageSize?: number;
  /** First run: rows older than this are passed over (default {@link DEFAULT_FIRST_RUN_MAX_AGE_MS}). */
  readonly firstRunMaxAgeMs?: number;
}

/** How a pass ended. */
export type PassOutcome = 'caught_up' | 'not_leader' | 'unavailable' | 'refused' | 'misdirected' | 'stopped';

/** What one pass did. */
export interface PassResult {
  readonly outcome: PassOutcome;
  /** Annotations Grafana stored in this pass. */
  readonly pushed: number;
  /** Annotations given up in this pass. */
  readonly skipped: number;
  /** Grafana's `Retry-After`, ms, when it asked for one. */
  readonly retryAfterMs: number | null;
}

/** The running push. */
export interface GrafanaPusher {
  /** One pass now: pushes everything beyond the cursor, or stops at the first failure. Concurrent calls share one pass. */
  pass(): Promise<PassResult>;
  /** A pass now and then every `target.intervalMs` (longer when Grafana asks with `Retry-After`). */
  start(): void;
  /** Stops the timer, cuts the request in flight (the pass keeps what was pushed before it) and waits for the pass. */
  stop(): Promise<void>;
}

/** Where the feed stands for one leadership epoch. */
interface Position {
  readonly epoch: number;
  /** Last audit row dealt with (in memory; stored only when a move pushed or skipped something). */
  seq: number;
  /** Rows before this (epoch ms) are passed over: the first-run age limit, -Infinity once a cursor is stored. */
  readonly sinceMs: number;
}

/** The result of one page. */
interface PageResult {
  readonly move: CursorMove;
  readonly stop: { readonly outcome: PassOutcome; readonly retryAfterMs: number | null } | null;
}

/** Creates the push; nothing is sent before `pass` or `start`. */
export function createGrafanaPusher(deps: GrafanaPushDeps): GrafanaPusher {
  const { target, store, logger } = deps;
  const fetchImpl = deps.fetch ?? fetch;
  const pageSize = deps.pageSize ?? DEFAULT_PAGE_SIZE;
  const shutdown = new AbortController();
  const health = createGrafanaHealth(deps);
  let position: Position | null = null;
  let running: Promise<PassResult> | null = null;
  let timer: NodeJS.Timeout | null = null;

  async function load(epoch: number): Promise<Position> {
    const stored = await readGrafanaCursor(store);
    const sinceMs = stored === null ? deps.now() - (deps.firstRunMaxAgeMs ?? DEFAULT_FIRST_RUN_MAX_AGE_MS) : Number.NEGATIVE_INFINITY;
    return { epoch, seq: stored ?? 0, sinceMs };
  }

  async function runPass(): Promise<PassResult> {
    const tally = { pushed: 0, skipped: 0 };
    const done = (outcome: PassOutcome, retryAfterMs: number | null = null): PassResult => ({ outcome, ...tally, retryAfterMs });
    const epoch = deps.elector.current();
    if (epoch === null) {
      position = null;
      return done('not_leader');
    }
    if (position?.epoch !== epoch) position = await load(epoch);
    const at = position;
    for (;;) {
      if (shutdown.signal.aborted) return done('stopped');
      const rows = await store.listAudit({ afterSeq: at.seq, limit: pageSize });
      const page = await pushPage(rows, at);
      tally.pushed += page.move.pushed.length;
      tally.skipped += page.move.skipped.length;
      if (page.move.pushed.length + page.move.skipped.length > 0) await writeGrafanaCursor(store, page.move, deps.now(), target.url);
      at.seq = page.move.toSeq;
      if (page.stop !== null) return done(page.stop.outcome, page.stop.retryAfterMs);
      if (rows.length < pageSize) {
        deps.metrics?.caughtUp(deps.now());
        return done('caught_up');
      }
    }
  }

  /** Pushes the annotations of `rows` in order until one fails; returns how far it got. */
  async function pushPage(rows: readonly AuditEntry[], at: Position): Promise<PageResult> {
    const pushed: { seq: number; id: number | null }[] = [];
    const skipped: { seq: number; reason: string }[] = [];
    let toSeq = at.seq;
    const result = (stop: PageResult['stop']): PageResult => ({ move: { fromSeq: at.seq, toSeq, pushed, skipped }, stop });
    for (const row of rows) {
      const built = row.atMs < at.sinceMs ? ({ kind: 'none' } as const) : await annotationOfAudit(row, deps.sources);
      if (built.kind === 'unbuildable') {
        deps.metrics?.record('skipped');
        logger.error({ seq: row.seq, action: row.action, subject: row.subject }, `no Grafana annotation for audit row ${row.seq} (${row.action} ${row.subject}): ${built.reason}; skipped`);
        skipped.push({ seq: row.seq, reason: built.reason });
      }
      if (built.kind !== 'annotation') {
        toSeq = row.seq;
        continue;
      }
      if (shutdown.signal.aborted) return result({ outcome: 'stopped', retryAfterMs: null });
      if (deps.elector.current() !== at.epoch) return result({ outcome: 'not_leader', retryAfterMs: null });
      const stop = await pushRow(row, built.annotation, pushed, skipped);
      if (stop !== null) return result(stop);
      toSeq = row.seq;
    }
    return result(null);
  }

  /** Pushes one row's annotation and records the answer; returns why the page stops, or null to go on. */
  async function pushRow(row: AuditEntry, annotation: Annotation, pushed: CursorMove['pushed'][number][], skipped: CursorMove['skipped'][number][]): Promise<PageResult['stop']> {
    const outcome = await post(annotation);
    const verdict = classifyGrafanaOutcome(outcome);
    if (verdict === 'pushed' || verdict === 'rejected') {
      health.answered();
      if (verdict === 'pushed') {
        deps.metrics?.record('pushed');
        pushed.push({ seq: row.seq, id: outcome.kind === 'added' ? outcome.id : null });
        return null;
      }
      const reason = describeGrafanaOutcome(outcome);
      deps.metrics?.record('skipped');
      logger.error({ seq: row.seq, action: row.action, subject: row.subject, grafana: target.url }, `Grafana rejected the annotation of audit row ${row.seq} (${row.action} ${row.subject}) with ${reason}; skipped`);
      skipped.push({ seq: row.seq, reason });
      return null;
    }
    if (shutdown.signal.aborted) return { outcome: 'stopped', retryAfterMs: null };
    deps.metrics?.record('failed');
    health.failed(verdict, outcome);
    const retryAfterMs = outcome.kind === 'response' && outcome.retryAfterMs !== null ? Math.min(outcome.retryAfterMs, MAX_RETRY_AFTER_MS) : null;
    return { outcome: verdict === 'transient' ? 'unavailable' : verdict, retryAfterMs };
  }

  function post(annotation: Annotation): Promise<GrafanaPostOutcome> {
    const nowMs = deps.now();
    return postGrafanaAnnotation(fetchImpl, { baseUrl: target.url, token: target.token, body: grafanaBody(annotation, target), timeoutMs: target.timeoutMs, signal: shutdown.signal, nowMs });
  }

  function pass(): Promise<PassResult> {
    running ??= runPass()
      .catch((error: unknown) => {
        position = null;
        throw error;
      })
      .finally(() => {
        running = null;
      });
    return running;
  }

  function schedule(waitMs: number): void {
    if (shutdown.signal.aborted) return;
    timer = setTimeout(() => {
      timer = null;
      pass()
        .then((result) => schedule(Math.max(target.intervalMs, result.retryAfterMs ?? 0)))
        .catch((error: unknown) => {
          logger.error({ err: error }, 'pushing annotations to Grafana failed; retrying at the next pass');
          schedule(target.intervalMs);
        });
    }, waitMs);
    timer.unref();
  }

  return {
    pass,
    start: () => {
      if (timer === null && running === null) schedule(0);
    },
    stop: async () => {
      shutdown.abort();
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await running?.catch(() => undefined);
    },
  };
}
