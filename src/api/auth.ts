/**
 * Bearer-token roles (CONTRACT §6): `viewer`, `operator`, `ingest`, and who holds each token. Tokens
 * come from the environment variables the configuration names (their holder is named after the
 * role) and from the tokens file (one named entry per person and token, re-read when it changes; see
 * token-table-watch.ts). A missing or unknown token is 401; a valid token without the route's role
 * is 403. The authenticated {@link Principal} is kept on the request for the routes that record who
 * acted. Tokens are compared in constant time over SHA-256 digests (token-table.ts).
 */
import type { Context, MiddlewareHandler } from 'hono';
import { ApiError, errorBody } from './api-error.js';
import { envTokenEntries, lookupPrincipal, rolesWithoutTokens } from './token-table.js';
import type { TokenEntry } from './token-table.js';

export type Role = 'viewer' | 'operator' | 'ingest';

/** Who made a request: the token holder's name (an env role token's holder is the role's name) and the roles the token grants. */
export interface Principal {
  readonly name: string;
  readonly roles: readonly Role[];
  /**
   * True for an environment role token: whoever has the variable holds it, so it names a role, not a
   * person. The two-person rule never counts such a holder as a person (see decide-proposal.ts).
   */
  readonly shared: boolean;
}

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by {@link requireRole} once the bearer token is known. */
    principal?: Principal;
  }
}

/** Resolves a presented token to its holder. */
export interface TokenAuth {
  /** The holder of `token` and its roles, or null when the token is unknown (or revoked). */
  principalOf(token: string): Principal | null;
  /** The roles `token` grants (none when it is unknown). */
  rolesOf(token: string): readonly Role[];
  /** Roles that had no token when the table was built (their routes then refuse everyone). */
  readonly unconfigured: readonly Role[];
}

/** What the file source of tokens offers: its current entries (it re-reads the file as it changes). */
export interface TokenSource {
  entries(): readonly TokenEntry[];
}

/** The token table from the environment variables of the three roles only. */
export function tokenAuth(tokenEnv: Readonly<Record<Role, { env: string }>>, env: NodeJS.ProcessEnv): TokenAuth {
  return tableAuth(envTokenEntries(tokenEnv, env).entries, null);
}

/** The token table from the env role tokens plus, when given, the tokens file's current entries. */
export function tableAuth(envEntries: readonly TokenEntry[], file: TokenSource | null): TokenAuth {
  const all = (): readonly TokenEntry[] => (file === null ? envEntries : [...envEntries, ...file.entries()]);
  return {
    unconfigured: rolesWithoutTokens(all()),
    principalOf: (token) => lookupPrincipal(all(), token),
    rolesOf: (token) => lookupPrincipal(all(), token)?.roles ?? [],
  };
}

/** The token of an `Authorization: Bearer <token>` header, or null when there is no such header. */
export function bearerToken(header: string | undefined): string | null {
  return /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1] ?? null;
}

/** Middleware: the request must carry `Authorization: Bearer <token>` granting `role`; its holder becomes the request's principal. */
export function requireRole(auth: TokenAuth, role: Role): MiddlewareHandler {
  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    if (token === null) {
      return c.json(errorBody('unauthorized', 'missing bearer token'), 401, { 'WWW-Authenticate': 'Bearer realm="shiftguard"' });
    }
    const principal = auth.principalOf(token);
    if (principal === null) {
      return c.json(errorBody('unauthorized', 'unknown bearer token'), 401, { 'WWW-Authenticate': 'Bearer realm="shiftguard", error="invalid_token"' });
    }
    if (!principal.roles.includes(role)) return c.json(errorBody('forbidden', `this token does not have the ${role} role`), 403);
    c.set('principal', principal);
    await next();
    return undefined;
  };
}

/** The principal {@link requireRole} authenticated for this request. @throws ApiError 401 on a route no role guards. */
export function requestPrincipal(c: Context): Principal {
  const principal = c.get('principal');
  if (principal === undefined) throw new ApiError(401, 'unauthorized', 'this route needs a bearer token');
  return principal;
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
