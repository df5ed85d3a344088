/**
 * JSON payload checks shared by every adapter, so a payload the in-memory fake accepts is one SQLite
 * TEXT and PostgreSQL JSONB columns store and return unchanged.
 */
import { StoreError } from './store-error.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why `text` cannot be stored as-is, or null when it can: PostgreSQL refuses NUL characters in text
 * and JSONB, and lone UTF-16 surrogates cannot be encoded as UTF-8.
 */
export function unstorableTextReason(text: string): string | null {
  if (text.includes('\u0000')) return 'contains a NUL character';
  if (LONE_SURROGATE.test(text)) return 'contains a lone UTF-16 surrogate';
  return null;
}

/**
 * Throws `StoreError('invalid_record')` naming the JSON path (e.g. `proposal.after.baseDelayMs`) of the
 * first value that would not survive a JSON round trip: a non-finite number, a bigint, a function, a
 * symbol, undefined (except as an object property, which JSON drops), a non-plain object (Date, Map),
 * a cycle, or a string {@link unstorableTextReason} refuses.
 */
export function checkJsonValue(value: unknown, path: string): void {
  walk(value, path, new Set());
}

function walk(value: unknown, path: string, ancestors: Set<object>): void {
  if (value === null || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(path, `expected a finite number, got ${value}`);
    return;
  }
  if (typeof value === 'string') {
    const reason = unstorableTextReason(value);
    if (reason !== null) fail(path, `string ${reason}`);
    return;
  }
  if (typeof value !== 'object') fail(path, `expected a JSON value, got ${typeof value}`);
  if (ancestors.has(value)) fail(path, 'expected a JSON value, got a cycle');
  ancestors.add(value);
  if (Array.isArray(value)) {
    value.forEach((item: unknown, i) => walk(item, `${path}[${i}]`, ancestors));
  } else {
    walkObject(value, path, ancestors);
  }
  ancestors.delete(value);
}

function walkObject(value: object, path: string, ancestors: Set<object>): void {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    fail(path, `expected a plain object, got ${value.constructor?.name ?? 'an object'}`);
  }
  for (const [key, item] of Object.entries(value)) {
    const reason = unstorableTextReason(key);
    if (reason !== null) fail(`${path}.${key}`, `key ${reason}`);
    if (item !== undefined) walk(item, `${path}.${key}`, ancestors);
  }
}

function fail(path: string, message: string): never {
  throw new StoreError('invalid_record', `${path}: ${message}`);
}

/** JSON text of a value already accepted by {@link checkJsonValue}. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value);
}

/** A deep copy through JSON, exactly what a SQL adapter returns for a stored payload. */
export function copyJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}
