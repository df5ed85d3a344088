import { describe, expect, it } from 'vitest';
import { ChangeRequestRequiredError, FlagNotFoundError, FlagRequestRejectedError, FlagStoreAuthError } from './flag-store-error.js';
import { DEFAULT_RETRY_POLICY, finalError, isChangeRequestRefusal, isTransientStatus, parseRetryAfterMs, retryDelayMs, unleashMessage } from './unleash-failure.js';

/** The body Unleash Enterprise sends when an environment requires change requests (PermissionError of SKIP_CHANGE_REQUEST). */
const CHANGE_REQUEST_BODY = {
  id: 'a6b1…', name: 'PermissionError',
  message: 'You don\'t have the required permissions to perform this operation. To perform this action, you need the "SKIP_CHANGE_REQUEST" permission.',
  details: [{ message: 'You don\'t have the required permissions to perform this operation. To perform this action, you need the "SKIP_CHANGE_REQUEST" permission.' }],
  permissions: ['SKIP_CHANGE_REQUEST'],
};

describe('isTransientStatus', () => {
  it('retries 408, 429 and 5xx only', () => {
    expect([408, 429, 500, 502, 503, 504].every(isTransientStatus)).toBe(true);
    expect([200, 400, 401, 403, 404, 409, 415].some(isTransientStatus)).toBe(false);
  });
});

describe('retryDelayMs', () => {
  const policy = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 1000 };

  it('draws uniformly below base·2^(n−1), capped', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, () => 0.5, policy))).toEqual([100, 200, 400, 500]);
    expect([1, 2, 3].map((n) => retryDelayMs(n, () => 0.999_999, policy))).toEqual([199, 399, 799]);
    expect(retryDelayMs(1, () => 0, policy)).toBe(0);
    expect(retryDelayMs(10_000, () => 0.999_999, policy)).toBe(999);
  });

  it('waits at least what Retry-After asks, never beyond the cap', () => {
    expect(retryDelayMs(1, () => 0.5, policy, 700)).toBe(700);
    expect(retryDelayMs(1, () => 0.5, policy, 60_000)).toBe(1000);
    expect(retryDelayMs(3, () => 0.5, policy, 10)).toBe(400);
  });

  it('keeps the default policy within a few seconds in all', () => {
    const worst = [1, 2, 3].reduce((sum, n) => sum + retryDelayMs(n, () => 0.999_999, DEFAULT_RETRY_POLICY), 0);
    expect(DEFAULT_RETRY_POLICY.maxAttempts).toBe(4);
    expect(worst).toBe(249 + 499 + 999);
  });
});

describe('parseRetryAfterMs', () => {
  it('reads delta seconds and HTTP dates, and ignores the rest', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    expect(parseRetryAfterMs('3', now)).toBe(3000);
    expect(parseRetryAfterMs('Sun, 01 Mar 2026 12:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfterMs('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfterMs(null, now)).toBeNull();
    expect(parseRetryAfterMs('soon', now)).toBeNull();
    expect(parseRetryAfterMs(' ', now)).toBeNull();
  });
});

describe('unleashMessage', () => {
  it('takes message and distinct details, or the text', () => {
    expect(unleashMessage({ message: 'Request validation failed', details: [{ message: 'weight must be <= 1000' }] })).toBe('Request validation failed; weight must be <= 1000');
    expect(unleashMessage({ message: 'Could not find x', details: [{ message: 'Could not find x' }] })).toBe('Could not find x');
    expect(unleashMessage('Bad Gateway')).toBe('Bad Gateway');
    expect(unleashMessage(null)).toBe('(empty body)');
    expect(unleashMessage({ error: 'odd' })).toBe('{"error":"odd"}');
  });
});

describe('finalError', () => {
  const classify = (status: number, body: unknown) => finalError({ status, body }, 'dten.sync.backoff', 'read flag dten.sync.backoff in production');

  it('maps 401 and plain 403 to auth errors that keep the status', () => {
    const unauthorized = classify(401, { name: 'UnauthorizedError', message: 'You must log in to use Unleash.' });
    expect(unauthorized).toBeInstanceOf(FlagStoreAuthError);
    expect(unauthorized).toMatchObject({ code: 'unauthorized', status: 401 });
    expect(unauthorized.message).toBe('Unleash answered 401 to read flag dten.sync.backoff in production: You must log in to use Unleash. (the token is missing, wrong or expired)');
    const forbidden = classify(403, { message: 'invalid token: expected a different token type for this endpoint' });
    expect(forbidden).toMatchObject({ code: 'unauthorized', status: 403 });
    expect(forbidden.message).toContain('the token lacks a permission');
  });

  it('recognises a 403 that asks for a change request', () => {
    expect(isChangeRequestRefusal(CHANGE_REQUEST_BODY)).toBe(true);
    expect(isChangeRequestRefusal({ message: 'Change requests are enabled for this environment' })).toBe(true);
    expect(isChangeRequestRefusal({ message: 'You need the "UPDATE_FEATURE_ENVIRONMENT" permission', permissions: ['UPDATE_FEATURE_ENVIRONMENT'] })).toBe(false);
    const error = classify(403, CHANGE_REQUEST_BODY);
    expect(error).toBeInstanceOf(ChangeRequestRequiredError);
    expect(error).toMatchObject({ code: 'change_request_required', flag: 'dten.sync.backoff' });
    expect(error.message).toMatch(/SKIP_CHANGE_REQUEST.*\(the environment requires change requests\)$/);
  });

  it('maps 404 to not found and other 4xx to rejected', () => {
    expect(classify(404, { message: 'Could not find dten.sync.backoff in production' })).toBeInstanceOf(FlagNotFoundError);
    expect(classify(404, null)).toMatchObject({ code: 'not_found', flag: 'dten.sync.backoff' });
    const rejected = classify(400, { message: 'Request validation failed', details: [{ message: "'value' must be a valid json string" }] });
    expect(rejected).toBeInstanceOf(FlagRequestRejectedError);
    expect(rejected.message).toBe("Unleash answered 400 to read flag dten.sync.backoff in production: Request validation failed; 'value' must be a valid json string");
  });
});
