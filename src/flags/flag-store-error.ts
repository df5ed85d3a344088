/**
 * The error family of the flag store. Each carries a stable `code` the tuner and the HTTP API map
 * once: drift refuses a decision, auth errors stop the tuner and alert, change requests turn a
 * decision into a pending one, unavailability means "no change now, alert, re-read on recovery".
 * Messages name the flag and never contain a token.
 */
import type { JsonValue } from './flag-store.js';

/** Stable codes of {@link FlagStoreError}. */
export type FlagStoreErrorCode =
  /** The flag changed since the decision was planned (someone else edited it). */
  | 'drift'
  /** The flag (or the environment) does not exist. */
  | 'not_found'
  /** The token was refused (401) or lacks a permission (403). */
  | 'unauthorized'
  /** The environment requires change requests; a direct write is not allowed. */
  | 'change_request_required'
  /** The service did not answer usefully (network error, 429, 5xx) after all retries. */
  | 'unavailable'
  /** The flag exists but lacks the named strategy or variant, or its payload is not JSON. */
  | 'invalid_flag'
  /** The service refused the request itself (another 4xx), or the request was malformed. */
  | 'rejected';

/** Base class of every flag-store error. */
export class FlagStoreError extends Error {
  readonly code: FlagStoreErrorCode;

  constructor(code: FlagStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The prior value a write was planned against, and what the store found instead. */
export type DriftValue = { readonly kind: 'enabled'; readonly value: boolean } | { readonly kind: 'payload'; readonly value: JsonValue };

/** A write refused because the flag no longer has the value the decision assumed. */
export class FlagDriftError extends FlagStoreError {
  readonly flag: string;
  readonly expected: DriftValue;
  readonly actual: DriftValue;

  constructor(flag: string, expected: DriftValue, actual: DriftValue, where: string) {
    super('drift', `flag ${flag} drifted since the decision was planned: ${describeDrift(expected)} was expected ${where}, found ${describeDrift(actual)}; refusing to write`);
    this.flag = flag;
    this.expected = expected;
    this.actual = actual;
  }
}

/** The flag, or the environment, does not exist (HTTP 404). */
export class FlagNotFoundError extends FlagStoreError {
  readonly flag: string;

  constructor(flag: string, message: string) {
    super('not_found', message);
    this.flag = flag;
  }
}

/** The service refused the credentials (401) or their permissions (403). */
export class FlagStoreAuthError extends FlagStoreError {
  readonly status: number;

  constructor(status: number, message: string) {
    super('unauthorized', message);
    this.status = status;
  }
}

/** A 403 because the environment requires change requests: the change needs a human's approval there. */
export class ChangeRequestRequiredError extends FlagStoreError {
  readonly flag: string;

  constructor(flag: string, message: string) {
    super('change_request_required', message);
    this.flag = flag;
  }
}

/** The service could not be reached or kept failing (network, 429, 5xx) after every retry. */
export class FlagStoreUnavailableError extends FlagStoreError {
  /** How many attempts were made. */
  readonly attempts: number;

  constructor(message: string, attempts: number, options?: { cause?: unknown }) {
    super('unavailable', message, options);
    this.attempts = attempts;
  }
}

/** The flag lacks the strategy or variant a call names, or a payload is not JSON. */
export class FlagShapeError extends FlagStoreError {
  constructor(message: string) {
    super('invalid_flag', message);
  }
}

/** The service refused the request itself (a 4xx other than 401/403/404/429), or the request was malformed. */
export class FlagRequestRejectedError extends FlagStoreError {
  constructor(message: string) {
    super('rejected', message);
  }
}

function describeDrift(value: DriftValue): string {
  if (value.kind === 'enabled') return value.value ? 'enabled' : 'disabled';
  return `payload ${JSON.stringify(value.value)}`;
}
