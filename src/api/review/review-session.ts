/**
 * Who is looking at the review page. A browser cannot send a bearer header when following a link,
 * so the sign-in form stores the token in an HttpOnly, SameSite=Strict cookie; scripts may still
 * send `Authorization: Bearer`. Forms that change something carry a CSRF token derived from the
 * session's token (HMAC-SHA256), checked together with the Origin header when the browser sends one.
 * The cookie holds the token itself (HttpOnly: page scripts cannot read it), and every request
 * resolves it through the token table again: a token removed from the tokens file (or an env token
 * rotated) signs its browsers out within a second.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { bearerToken } from '../auth.js';
import type { Principal, Role, TokenAuth } from '../auth.js';

export const SESSION_COOKIE = 'shiftguard_session';
/** How long a sign-in lasts, seconds. */
export const SESSION_SECONDS = 12 * 3600;

/** The viewer of a page: who holds the presented token and its roles, and the CSRF token of its forms. */
export interface ReviewSession {
  /** The token holder's name (recorded as the actor of what they do here). */
  readonly name: string;
  readonly roles: readonly Role[];
  /** A shared environment role token (see {@link Principal.shared}). */
  readonly shared: boolean;
  readonly csrf: string;
  /** Where the token came from (a cookie session can sign out). */
  readonly via: 'cookie' | 'bearer';
}

/** The session of a request, or null when it presents no token or an unknown one. */
export function sessionOf(c: Context, auth: TokenAuth): ReviewSession | null {
  const bearer = bearerToken(c.req.header('authorization'));
  const token = bearer ?? getCookie(c, SESSION_COOKIE);
  if (token === undefined || token === '') return null;
  const principal: Principal | null = auth.principalOf(token);
  if (principal === null) return null;
  return { name: principal.name, roles: principal.roles, shared: principal.shared, csrf: csrfTokenOf(token), via: bearer === null ? 'cookie' : 'bearer' };
}

/** The CSRF token of a session token (stable for the token's life, useless without it). */
export function csrfTokenOf(token: string): string {
  return createHmac('sha256', token).update('shiftguard review page form').digest('base64url');
}

/** True when a form post carries this session's CSRF token and, if the browser names it, our origin. */
export function formIsGenuine(c: Context, session: ReviewSession, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(session.csrf);
  if (a.length !== b.length || !timingSafeEqual(a, b)) return false;
  const origin = c.req.header('origin');
  if (origin === undefined || origin === 'null') return origin === undefined;
  return origin === new URL(c.req.url).origin || origin === forwardedOrigin(c);
}

/** The origin as a proxy in front of us saw it (X-Forwarded-Proto/Host), when it says. */
function forwardedOrigin(c: Context): string | undefined {
  const proto = c.req.header('x-forwarded-proto');
  const host = c.req.header('x-forwarded-host') ?? c.req.header('host');
  return proto !== undefined && host !== undefined ? `${proto.split(',')[0]?.trim() ?? proto}://${host}` : undefined;
}

/** True when the page was reached over HTTPS (directly or through a proxy that says so). */
export function isSecure(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
}
