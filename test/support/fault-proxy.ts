/**
 * A small HTTP reverse proxy on loopback in front of one target (e.g. Unleash), to simulate the
 * target failing while the code under test keeps its URL: `pass` forwards each request (method,
 * path, headers, body) and streams the answer back; `error503` and `error500` answer that status with
 * a JSON error body (a failing or overloaded target); `wrongToken` forwards the request with its
 * `Authorization` header replaced by a credential the target has never issued, so the target itself
 * refuses it (a revoked or rotated token, as the real target words it); `refuse` destroys the
 * connection as soon as a request arrives (the client sees a reset, as when a process dies); `hang`
 * holds the request unanswered until the mode changes (then it is handled in the new mode) or the
 * proxy stops (then its connection is destroyed).
 *
 * `refuse` acts per request rather than per connection, so keep-alive connections opened before the
 * outage fail too, and every attempt is counted in `requests()`.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does with each request. */
export type FaultMode = 'pass' | 'error503' | 'error500' | 'wrongToken' | 'refuse' | 'hang';

/** The credential `wrongToken` sends instead of the client's (shaped like an Unleash admin token, issued by nobody). */
export const WRONG_TOKEN = '*:*.fault-proxy-token-issued-by-nobody';

/** A running proxy. */
export interface FaultProxy {
  /** Base URL of the proxy, `http://127.0.0.1:<port>`, with the target URL's path appended (so `/api` stays). */
  readonly url: string;
  /** Changes the mode; requests held by `hang` are handled in the new mode. */
  setMode(mode: FaultMode): void;
  /** Requests received so far, in every mode. */
  requests(): number;
  /** Stops listening and destroys every connection (held requests included). */
  stop(): Promise<void>;
}

/** Headers that describe one hop, not the message (RFC 9110 §7.6.1), so a proxy must not forward them. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

function endToEndHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = new Set((headers.connection ?? '').split(',').map((h) => h.trim().toLowerCase()));
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name) && !named.has(name)));
}

/** Starts a proxy in front of `targetUrl` (http only) in mode `pass`. */
export async function startFaultProxy(targetUrl: string): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  if (target.protocol !== 'http:') throw new Error(`fault proxy: only http:// targets, got ${targetUrl}`);
  let mode: FaultMode = 'pass';
  let received = 0;
  const held = new Set<{ request: IncomingMessage; response: ServerResponse }>();

  const forward = (request: IncomingMessage, response: ServerResponse, replaced: OutgoingHttpHeaders = {}): void => {
    const upstream = httpRequest(
      { protocol: target.protocol, hostname: target.hostname, port: target.port, method: request.method, path: request.url, headers: { ...endToEndHeaders(request.headers), host: target.host, ...replaced } },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEndHeaders(answer.headers));
        answer.pipe(response);
      },
    );
    upstream.on('error', (error) => {
      if (response.headersSent) {
        response.destroy(error);
        return;
      }
      response.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'bad_gateway', message: `fault proxy: ${error.message}` } }));
    });
    request.pipe(upstream);
  };

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    switch (mode) {
      case 'pass':
        forward(request, response);
        return;
      case 'error503':
        request.resume();
        response.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'unavailable', message: 'fault proxy: target unavailable (simulated)' } }));
        return;
      case 'error500':
        request.resume();
        response.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'internal', message: 'fault proxy: internal error of the target (simulated)' } }));
        return;
      case 'wrongToken':
        forward(request, response, { authorization: WRONG_TOKEN });
        return;
      case 'refuse':
        request.socket.destroy();
        return;
      case 'hang': {
        const entry = { request, response };
        held.add(entry);
        response.on('close', () => held.delete(entry));
        return;
      }
    }
  };

  const server = createServer((request, response) => {
    received++;
    handle(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const path = target.pathname === '/' ? '' : target.pathname.replace(/\/+$/, '');
  let stopped: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    setMode: (next) => {
      mode = next;
      if (next === 'hang') return;
      const waiting = [...held];
      held.clear();
      for (const { request, response } of waiting) handle(request, response);
    },
    requests: () => received,
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        for (const { request } of held) request.socket.destroy();
        held.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
