/**
 * The errors of the guarded fetch: a destination the outbound policy refuses (at start, when a URL is
 * used, or at connect time once its name resolved), and a redirect, which is never followed. Each
 * client reports them like its other network errors. Messages name the URL without its query or
 * userinfo, so they never carry a credential.
 */

/** Stable codes of {@link OutboundRefusedError}. */
export type OutboundRefusalCode =
  /** The URL itself (scheme, userinfo, host name or literal address) is refused. */
  | 'refused_url'
  /** The host name resolved to an address the policy refuses (DNS rebinding included). */
  | 'refused_address'
  /** The server answered with a redirect; redirects are not followed. */
  | 'redirect';

/** A request the outbound policy did not let through. */
export class OutboundRefusedError extends Error {
  readonly code: OutboundRefusalCode;
  /** The request's URL without query and userinfo. */
  readonly url: string;
  /** Why, without the URL: `127.0.0.1 is a loopback address; …`. */
  readonly reason: string;

  constructor(code: OutboundRefusalCode, url: string, reason: string) {
    super(`outbound request to ${url} refused: ${reason}`);
    this.name = new.target.name;
    this.code = code;
    this.url = url;
    this.reason = reason;
  }
}

/** A 3xx answer: the guarded fetch never follows it (the target could be anywhere, metadata included). */
export class OutboundRedirectError extends OutboundRefusedError {
  /** The 3xx status. */
  readonly status: number;
  /** The `Location` header, or null when absent. */
  readonly location: string | null;

  constructor(url: string, status: number, location: string | null) {
    super('redirect', url, `HTTP ${status} redirect to ${location ?? '(no Location)'}: redirects are not followed`);
    this.status = status;
    this.location = location;
  }
}

/** `https://host:9090/path` of a URL: no userinfo, query or fragment. */
export function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}
