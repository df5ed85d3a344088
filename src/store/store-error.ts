/**
 * The error family of the state store. Every error carries a stable `code` so the HTTP API can map
 * it once (`conflict` → 409, `not_found` → 404, `invalid_record` → 400, `unavailable` and `full` → 503,
 * the rest → 500).
 */

/** Stable codes of {@link StoreError}. */
export type StoreErrorCode =
  /** A compare-and-set lost (status or version changed) or a unique key is already taken. */
  | 'conflict'
  /** The record named by an id does not exist. */
  | 'not_found'
  /** A record handed to the store is malformed (the message names the field path). */
  | 'invalid_record'
  /** The database schema is newer than this code, or its migration history differs from this code's. */
  | 'schema_mismatch'
  /** The store was used before `open()` or after `close()`. */
  | 'not_open'
  /** The database cannot be reached or opened. */
  | 'unavailable'
  /** The database's disk (or its size limit) is full: the write was rolled back; reads still work. */
  | 'full'
  /** `store.url` names no supported database. */
  | 'invalid_store_url'
  /** A row read back from the database violates the store's invariants. */
  | 'corrupt_record'
  /** A decision write carries the epoch of a leadership term that a newer term has replaced. */
  | 'stale_leader';

/** Base class of every state-store error. */
export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * A write refused because the state it assumed is gone: a duplicate id, or a decision whose status
 * or version changed since the caller read it (optimistic concurrency). Re-read and decide again.
 */
export class StoreConflictError extends StoreError {
  constructor(message: string) {
    super('conflict', message);
  }
}

/** The record an operation names does not exist. */
export class StoreNotFoundError extends StoreError {
  constructor(message: string) {
    super('not_found', message);
  }
}

/**
 * The database was written by a newer shiftguard (its schema version is above the newest migration
 * this code knows) or has a migration history that differs from this code's; the store refuses to start.
 */
export class StoreSchemaError extends StoreError {
  constructor(message: string) {
    super('schema_mismatch', message);
  }
}

/**
 * A decision write refused because it carries the epoch of a leader that has been deposed: a newer
 * leadership term exists. The writer must stop acting as leader; nothing was written.
 */
export class StoreFencedError extends StoreError {
  /** The epoch the refused write carried. */
  readonly staleEpoch: number;
  /** The newest term's epoch when the write was refused. */
  readonly currentEpoch: number;

  /** `subject` names what was written (`decision 12`, `new decision on flag "x" of upgrade "u"`). */
  constructor(subject: string, staleEpoch: number, currentEpoch: number) {
    super('stale_leader', `${subject}: written by leader epoch ${staleEpoch}, but epoch ${currentEpoch} leads now`);
    this.staleEpoch = staleEpoch;
    this.currentEpoch = currentEpoch;
  }
}
