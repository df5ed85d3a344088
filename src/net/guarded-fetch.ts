/**
 * A `fetch` for every outbound request of shiftguard that enforces the outbound policy where it
 * matters, at connect time: the URL is judged first ({@link refuseUrl}: scheme, userinfo, literal
 * addresses, names), then every address its host name resolves to ({@link refuseAddress}) inside the
 * socket's own DNS lookup, so a name that resolves to 127.0.0.1 or 169.254.169.254 (DNS rebinding) is
 * refused before a byte is sent, and the address checked is the address connected to. Redirects are
 * never followed: a 3xx rejects with {@link OutboundRedirectError} naming the `Location`.
 *
 * Built on node:http/node:https with a custom `lookup`, because Node 20's bundled fetch offers no
 * connect hook without the `undici` package (not a dependency). It covers what shiftguard's clients
 * use: a string or URL input, method, headers, a string/bytes/URLSearchParams body, `signal`
 * (rejecting with its reason, as fetch does), gzip responses, and a web `Response`. Connections are
 * not kept alive: each request resolves and checks its host afresh.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage, RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { OutboundRedirectError, OutboundRefusedError, describeUrl } from './outbound-error.js';
import { refuseAddress, refuseUrl } from './outbound-policy.js';
import type { OutboundPolicy } from './outbound-policy.js';

/** One resolved address, as `dns.lookup(…, { all: true })` gives them. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Resolves a host name to all its addresses. */
export type ResolveHost = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** What {@link createGuardedFetch} needs. */
export interface GuardedFetchOptions {
  readonly policy: OutboundPolicy;
  /** DNS resolution (default `dns.lookup` with `all: true`, as Node's sockets resolve); tests inject one. */
  readonly resolve?: ResolveHost;
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
const httpAgent = new HttpAgent({ keepAlive: false });
const httpsAgent = new HttpsAgent({ keepAlive: false });

/** A `fetch` bound to `options.policy`; see the module comment for what it supports. */
export function createGuardedFetch(options: GuardedFetchOptions): typeof fetch {
  const resolve = options.resolve ?? ((hostname) => dnsLookup(hostname, { all: true, verbatim: true }));
  const guarded = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    if (typeof input !== 'string' && !(input instanceof URL)) throw new TypeError('the guarded fetch takes a URL or a string, not a Request');
    const url = new URL(input);
    const refusal = refuseUrl(options.policy, url);
    if (refusal !== null) throw new OutboundRefusedError('refused_url', describeUrl(url), refusal);
    return send(url, init, guardedLookup(options.policy, url, resolve));
  };
  return guarded as typeof fetch;
}

/** A socket `lookup` that resolves with `resolve` and fails when any address is refused. */
export function guardedLookup(policy: OutboundPolicy, url: URL, resolve: ResolveHost): LookupFunction {
  const lookup = (hostname: string, lookupOptions: { family?: number | string; all?: boolean }, callback: (error: Error | null, address?: unknown, family?: number) => void): void => {
    resolve(hostname).then(
      (addresses) => {
        const refused = addresses.map((a) => refuseAddress(policy, a.address)).find((reason) => reason !== null);
        if (refused !== undefined) return callback(new OutboundRefusedError('refused_address', describeUrl(url), `${hostname} resolves to ${refused.replace(/^(\S+) is/, '$1, which is')}`));
        const family = lookupOptions.family === 'IPv4' ? 4 : lookupOptions.family === 'IPv6' ? 6 : Number(lookupOptions.family ?? 0);
        const usable = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses;
        const first = usable[0];
        if (first === undefined) return callback(Object.assign(new Error(`${hostname} has no address${family === 0 ? '' : ` of IPv${family}`}`), { code: 'ENOTFOUND' }));
        if (lookupOptions.all === true) return callback(null, usable.map((a) => ({ address: a.address, family: a.family })));
        return callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
  };
  return lookup as unknown as LookupFunction;
}

/** One request over node:http(s); resolves once the response head arrived. */
function send(url: URL, init: RequestInit, lookup: LookupFunction): Promise<Response> {
  const signal = init.signal ?? undefined;
  const body = requestBody(init.body);
  const headers = new Headers(init.headers);
  if (!headers.has('accept-encoding')) headers.set('accept-encoding', 'gzip');
  if (body !== null && !headers.has('content-type')) headers.set('content-type', init.body instanceof URLSearchParams ? 'application/x-www-form-urlencoded;charset=UTF-8' : 'text/plain;charset=UTF-8');
  if (body !== null) headers.set('content-length', String(body.byteLength));
  const https = url.protocol === 'https:';
  const requestOptions: RequestOptions = {
    hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    ...(url.port === '' ? {} : { port: Number(url.port) }),
    path: `${url.pathname}${url.search}`,
    method: (init.method ?? 'GET').toUpperCase(),
    headers: Object.fromEntries(headers),
    agent: https ? httpsAgent : httpAgent,
    lookup,
  };
  return new Promise<Response>((resolvePromise, reject) => {
    if (signal?.aborted === true) return reject(signal.reason);
    const request = (https ? httpsRequest : httpRequest)(requestOptions);
    let answer: IncomingMessage | null = null;
    const onAbort = (): void => {
      const reason = signal?.reason as Error;
      answer?.destroy(reason);
      request.destroy(reason);
      reject(reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = (): void => signal?.removeEventListener('abort', onAbort);
    request.once('error', (error) => {
      done();
      reject(error instanceof OutboundRefusedError ? error : new TypeError('fetch failed', { cause: error }));
    });
    request.once('response', (response) => {
      answer = response;
      response.once('close', done);
      try {
        resolvePromise(toResponse(url, requestOptions.method ?? 'GET', response));
      } catch (error) {
        response.destroy();
        reject(error);
      }
    });
    request.end(body ?? undefined);
  });
}

/** The web `Response` of a node response; a 3xx is an {@link OutboundRedirectError}. */
function toResponse(url: URL, method: string, response: IncomingMessage): Response {
  const status = response.statusCode ?? 0;
  if (status >= 300 && status < 400) {
    const location = response.headers.location ?? null;
    throw new OutboundRedirectError(describeUrl(url), status, location);
  }
  if (status < 200 || status > 599) throw new TypeError('fetch failed', { cause: new Error(`${describeUrl(url)} answered with the invalid status ${status}`) });
  const headers = new Headers();
  for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) headers.append(response.rawHeaders[i] as string, response.rawHeaders[i + 1] as string);
  const empty = NULL_BODY_STATUSES.has(status) || method === 'HEAD';
  if (empty) response.resume();
  const encoding = (response.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoded = encoding === 'gzip' || encoding === 'x-gzip' ? response.pipe(createGunzip()).once('error', (e) => response.destroy(e)) : response;
  if (decoded !== response) response.once('error', (e) => decoded.destroy(e));
  const stream = empty ? null : (Readable.toWeb(decoded) as ReadableStream<Uint8Array>);
  return new Response(stream, { status, statusText: response.statusMessage ?? '', headers });
}

function requestBody(body: RequestInit['body']): Uint8Array | null {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof URLSearchParams) return Buffer.from(body.toString(), 'utf8');
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new TypeError('the guarded fetch sends string, URLSearchParams or byte bodies only');
}
