/**
 * Bearer-token roles (CONTRACT §6): `viewer`, `operator`, `ingest`. Tokens come from the
 * environment variables the configuration names, never from files. A missing or unknown token is
 * 401; a valid token without the route's role is 403. Tokens are compared in constant time (over
 * SHA-256 digests, so length does not leak either).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { errorBody } from './api-error.js';

export type Role = 'viewer' | 'operator' | 'ingest';

/** Which roles a token grants: an operator may also do what a viewer may. */
const GRANTS: Record<Role, readonly Role[]> = { viewer: ['viewer'], operator: ['operator', 'viewer'], ingest: ['ingest'] };

/** Resolves a presented token to the roles it grants. */
export interface TokenAuth {
  rolesOf(token: string): readonly Role[];
  /** Roles that have no token configured (their routes then refuse everyone). */
  readonly unconfigured: readonly Role[];
}

/** Builds the token table from `env` and the configured variable names. */
export function tokenAuth(tokenEnv: Readonly<Record<Role, { env: string }>>, env: NodeJS.ProcessEnv): TokenAuth {
  const table: { digest: Buffer; role: Role }[] = [];
  const unconfigured: Role[] = [];
  for (const role of Object.keys(tokenEnv) as Role[]) {
    const value = env[tokenEnv[role].env];
    if (value === undefined || value === '') unconfigured.push(role);
    else table.push({ digest: digest(value), role });
  }
  return {
    unconfigured,
    rolesOf: (token) => {
      const presented = digest(token);
      const roles = new Set<Role>();
      // Compare against every entry, whatever matches, so timing does not reveal which one did.
      for (const entry of table) if (timingSafeEqual(entry.digest, presented)) for (const r of GRANTS[entry.role]) roles.add(r);
      return [...roles];
    },
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** The token of an `Authorization: Bearer <token>` header, or null when there is no such header. */
export function bearerToken(header: string | undefined): string | null {
  return /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1] ?? null;
}

/** Middleware: the request must carry `Authorization: Bearer <token>` granting `role`. */
export function requireRole(auth: TokenAuth, role: Role): MiddlewareHandler {
  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    if (token === null) {
      return c.json(errorBody('unauthorized', 'missing bearer token'), 401, { 'WWW-Authenticate': 'Bearer realm="shiftguard"' });
    }
    const roles = auth.rolesOf(token);
    if (roles.length === 0) {
      return c.json(errorBody('unauthorized', 'unknown bearer token'), 401, { 'WWW-Authenticate': 'Bearer realm="shiftguard", error="invalid_token"' });
    }
    if (!roles.includes(role)) return c.json(errorBody('forbidden', `this token does not have the ${role} role`), 403);
    await next();
    return undefined;
  };
}

/**
 * Guards a resource and its sub-paths by method: reads (GET) need `readRole`, everything else
 * `writeRole`. Mounted on both `path` and `path/*`, since in hono `path/*` also matches `path`.
 */
export function guardResource(app: { use(path: string, handler: MiddlewareHandler): unknown }, auth: TokenAuth, path: string, readRole: Role, writeRole: Role): void {
  const guard: MiddlewareHandler = (c, next) => requireRole(auth, c.req.method === 'GET' ? readRole : writeRole)(c, next);
  app.use(path, guard);
  app.use(`${path}/*`, guard);
}
