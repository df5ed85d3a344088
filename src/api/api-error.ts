/**
 * The HTTP error family: a stable `code`, a status, and a message; mapped once, in `app.onError`,
 * to `{"error":{"code","message"}}` (CONTRACT §6).
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** An error meant for the client, with its status and stable code. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** The JSON body of every error response. */
export function errorBody(code: string, message: string, details?: unknown): { error: { code: string; message: string; details?: unknown } } {
  return { error: { code, message, ...(details !== undefined ? { details } : {}) } };
}
