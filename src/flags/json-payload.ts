/**
 * JSON payloads of strategy variants: parsing what the service stores (a string), and comparing two
 * payloads by value, so a human re-formatting the JSON (spacing, key order) is not mistaken for a
 * change while any changed value is.
 */
import type { JsonValue } from './flag-store.js';
import { FlagShapeError } from './flag-store-error.js';

/** True when `a` and `b` are the same JSON value: objects compare by keys regardless of order, arrays by position. */
export function sameJson(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item: JsonValue, i) => sameJson(item, b[i] as JsonValue));
  }
  const objectA = a as { readonly [key: string]: JsonValue };
  const objectB = b as { readonly [key: string]: JsonValue };
  const keys = Object.keys(objectA);
  if (keys.length !== Object.keys(objectB).length) return false;
  return keys.every((key) => Object.hasOwn(objectB, key) && sameJson(objectA[key] as JsonValue, objectB[key] as JsonValue));
}

/** Parses a stored `json` payload; `where` names it in the error (`flag x, variant y`). */
export function parsePayload(text: string, where: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new FlagShapeError(`${where}: payload of type json is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

/**
 * Serialises a payload to write, refusing what JSON cannot carry unchanged (NaN, Infinity,
 * undefined, functions), so what is written reads back equal.
 */
export function serialisePayload(value: JsonValue, where: string): string {
  const bad = firstNonJson(value, '$');
  if (bad !== null) throw new FlagShapeError(`${where}: the new payload is not plain JSON at ${bad}`);
  return JSON.stringify(value);
}

function firstNonJson(value: unknown, path: string): string | null {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${path} (${value})`;
  if (typeof value !== 'object') return `${path} (${typeof value})`;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const bad = firstNonJson(item, `${path}[${i}]`);
      if (bad !== null) return bad;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    const bad = firstNonJson(item, `${path}.${key}`);
    if (bad !== null) return bad;
  }
  return null;
}
