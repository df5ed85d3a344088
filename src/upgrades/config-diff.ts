/**
 * Configuration changes of an upgrade package against the configuration running now. Values compare by
 * their text (`"true"` and `true` are the same setting), and a missing key reads as `null`.
 */
import type { PackageManifest } from './package-manifest.js';
import type { ConfigValue } from './upgrade.js';

/** One configuration change as written to upgrade.json. */
export interface ConfigChangeJson {
  key: string;
  from: ConfigValue;
  to: ConfigValue;
  /** On the new key of a rename: the deprecated key it replaces. */
  renamedFrom?: string;
  /** On the old key of a rename: the key that replaces it. */
  replacedBy?: string;
}

/** The changes plus notes about edits that had nothing to act on. */
export interface ConfigDiff {
  readonly changes: ConfigChangeJson[];
  readonly notes: string[];
}

/**
 * Diffs `manifest.config` against the current configuration: `set` keys whose value differs; each rename
 * of a key that is set now as two entries (old key → null with `replacedBy`, new key → the `set` value or
 * else the old value, with `renamedFrom`); `removed` keys that are set now. Order: set, renamed, removed.
 */
export function diffConfig(edits: PackageManifest['config'], current: Readonly<Record<string, ConfigValue>>): ConfigDiff {
  const changes = new Map<string, ConfigChangeJson>();
  const notes: string[] = [];
  const valueNow = (key: string): ConfigValue => (Object.hasOwn(current, key) ? (current[key] ?? null) : null);
  const set = edits?.set ?? {};
  for (const [key, value] of Object.entries(set)) {
    if (!sameValue(valueNow(key), value)) changes.set(key, { key, from: valueNow(key), to: value });
  }
  for (const { from: oldKey, to: newKey } of edits?.renamed ?? []) {
    if (!Object.hasOwn(current, oldKey)) {
      notes.push(`config key ${oldKey} (renamed to ${newKey}) is not set now; nothing to carry over`);
      continue;
    }
    changes.set(oldKey, { key: oldKey, from: valueNow(oldKey), to: null, replacedBy: newKey });
    const target = Object.hasOwn(set, newKey) ? (set[newKey] ?? null) : valueNow(oldKey);
    changes.delete(newKey);
    changes.set(newKey, { key: newKey, from: valueNow(newKey), to: target, renamedFrom: oldKey });
  }
  for (const key of edits?.removed ?? []) {
    if (Object.hasOwn(current, key)) changes.set(key, { key, from: valueNow(key), to: null });
    else notes.push(`config key ${key} is removed by the package but is not set now`);
  }
  return { changes: [...changes.values()], notes };
}

/** Same setting: identical, or both non-null with the same text. */
export function sameValue(a: ConfigValue, b: ConfigValue): boolean {
  return a === b || (a !== null && b !== null && String(a) === String(b));
}
