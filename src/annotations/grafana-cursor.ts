/**
 * The push's durable position in the audit log: a setting holding the seq of the last audit row the
 * push has dealt with. Every move is written with its own audit row (`grafana.annotations.pushed`),
 * which records what the move covered: the seq range, the Grafana id of each pushed annotation and
 * why each skipped one was skipped. The push passes over its own rows, so writing them feeds nothing.
 */
import type { SettingStore } from '../store/state-store.js';

/** The setting key of the cursor. */
export const GRAFANA_CURSOR_KEY = 'grafana.annotations.cursor';
/** The audit action of a cursor move. */
export const GRAFANA_PUSHED_ACTION = 'grafana.annotations.pushed';
/** Who moves the cursor (the audit row's actor). */
const ACTOR = 'grafana-push';

/** What one cursor move covered: audit rows (fromSeq, toSeq], pushed and skipped annotations by row. */
export interface CursorMove {
  /** The cursor before the move (0 when there was none). */
  readonly fromSeq: number;
  /** The cursor after the move: the last row dealt with. */
  readonly toSeq: number;
  /** Each pushed row and the id Grafana gave its annotation (null when Grafana's answer named none). */
  readonly pushed: readonly { readonly seq: number; readonly id: number | null }[];
  /** Each skipped row and why (Grafana's status and message, or why no annotation could be built). */
  readonly skipped: readonly { readonly seq: number; readonly reason: string }[];
}

/**
 * The stored cursor, or null when the push never moved it (its first run).
 * @throws Error naming the setting when the stored value is not `{ seq: <integer ≥ 0> }`.
 */
export async function readGrafanaCursor(store: Pick<SettingStore, 'getSetting'>): Promise<number | null> {
  const record = await store.getSetting(GRAFANA_CURSOR_KEY);
  if (record === null) return null;
  const seq = (record.value as { seq?: unknown } | null)?.seq;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
    throw new Error(`setting ${GRAFANA_CURSOR_KEY} holds ${JSON.stringify(record.value)}, expected { "seq": <integer ≥ 0> }`);
  }
  return seq;
}

/** Moves the cursor to `move.toSeq` at `atMs`, audited with what the move covered (`grafanaUrl`: where it went). */
export async function writeGrafanaCursor(store: Pick<SettingStore, 'putSetting'>, move: CursorMove, atMs: number, grafanaUrl: string): Promise<void> {
  await store.putSetting(
    { key: GRAFANA_CURSOR_KEY, value: { seq: move.toSeq }, updatedAtMs: atMs, updatedBy: ACTOR },
    { atMs, actor: ACTOR, action: GRAFANA_PUSHED_ACTION, subject: `setting/${GRAFANA_CURSOR_KEY}`, details: { grafana: grafanaUrl, ...move } },
  );
}
