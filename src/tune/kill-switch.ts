/**
 * The tuner's kill switch: stops every flag change at once. Engaged by the guardrails file
 * (`killSwitch: true`) or through the API; the API setting lives in the state store, so it survives
 * restarts, and each change is audited in the same write. Either source engaged stops the tuner;
 * the API cannot release a switch the file engages.
 */
import type { SettingStore } from '../store/state-store.js';

/** The setting key in the state store. */
export const KILL_SWITCH_KEY = 'tuner.killSwitch';

/** What the switch says now, and why. */
export interface KillSwitchState {
  readonly engaged: boolean;
  /** Which source engages it: the guardrails file, the API, or nothing. */
  readonly source: 'config' | 'api' | null;
  /** The API setting (null when never set). */
  readonly api: { readonly engaged: boolean; readonly reason: string | null; readonly updatedAt: string; readonly updatedBy: string } | null;
}

export interface KillSwitch {
  state(): Promise<KillSwitchState>;
  /** Sets the API switch (audited); returns the resulting state. */
  set(engaged: boolean, actor: string, reason: string | null): Promise<KillSwitchState>;
}

/** The kill switch over the state store; `configEngaged` is the guardrails file's `killSwitch`. */
export function createKillSwitch(store: SettingStore, configEngaged: boolean, now: () => number): KillSwitch {
  const state = async (): Promise<KillSwitchState> => {
    const record = await store.getSetting(KILL_SWITCH_KEY);
    const value = record?.value as { engaged?: unknown; reason?: unknown } | undefined;
    const api =
      record === null
        ? null
        : { engaged: value?.engaged === true, reason: typeof value?.reason === 'string' ? value.reason : null, updatedAt: new Date(record.updatedAtMs).toISOString(), updatedBy: record.updatedBy };
    const source = configEngaged ? 'config' : api?.engaged === true ? 'api' : null;
    return { engaged: source !== null, source, api };
  };
  return {
    state,
    set: async (engaged, actor, reason) => {
      const atMs = now();
      await store.putSetting(
        { key: KILL_SWITCH_KEY, value: { engaged, reason }, updatedAtMs: atMs, updatedBy: actor },
        { atMs, actor, action: engaged ? 'tuner.kill_switch.engaged' : 'tuner.kill_switch.released', subject: `setting/${KILL_SWITCH_KEY}`, details: { reason } },
      );
      return state();
    },
  };
}
