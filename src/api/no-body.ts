/**
 * Routes that take no body (rollback, unfreeze) still refuse fields sent anyway: a client that posts
 * `{"status": …}` or `{"approvedBy": …}` learns it has no effect (400 naming the key) instead of
 * believing it did something. An empty body, or `{}`, passes.
 */
import type { MiddlewareHandler } from 'hono';
import { errorBody } from './api-error.js';

/** Middleware: 400 unless the request body is empty or `{}`. */
export function refuseBodyFields(): MiddlewareHandler {
  return async (c, next) => {
    const text = (await c.req.text()).trim();
    if (text !== '' && !isEmptyObject(text)) {
      const keys = objectKeys(text);
      const what = keys.length === 0 ? 'a body' : `unknown key ${keys.map((k) => JSON.stringify(k)).join(', ')}`;
      return c.json(errorBody('invalid_request', `${what}: this endpoint takes no body`, { issues: keys.map((k) => ({ path: k, message: 'unknown key' })) }), 400);
    }
    await next();
    return undefined;
  };
}

function isEmptyObject(text: string): boolean {
  const value = parse(text);
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
}

function objectKeys(text: string): string[] {
  const value = parse(text);
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : [];
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
