/**
 * The fault proxy against a real node:http target on loopback: each mode as a client sees it, and
 * held requests released by a mode change or cut by stop().
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WRONG_TOKEN, startFaultProxy } from './fault-proxy.js';
import type { FaultProxy } from './fault-proxy.js';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

let target: Server;
let targetUrl: string;
let seen: Seen[];
let proxy: FaultProxy | undefined;

beforeEach(async () => {
  seen = [];
  target = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      if (request.url?.endsWith('/stream')) {
        // An answer in chunks, with a pause: the proxy must stream it, not buffer a fixed length.
        response.writeHead(200, { 'content-type': 'text/plain', 'x-target': 'yes' });
        response.write('first;');
        setTimeout(() => response.end('second'), 20);
        return;
      }
      response.writeHead(201, { 'content-type': 'application/json', 'x-target': 'yes' }).end(JSON.stringify({ echo: body, path: request.url }));
    });
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/api`;
});

afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
  target.closeAllConnections();
  await new Promise<void>((resolve) => target.close(() => resolve()));
});

describe('fault proxy', () => {
  it('pass: forwards method, path, headers and body, and streams the answer back', async () => {
    proxy = await startFaultProxy(targetUrl);
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
    const response = await fetch(`${proxy.url}/client/features?x=1`, { method: 'POST', headers: { authorization: 'tok', 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-target')).toBe('yes');
    expect(await response.json()).toEqual({ echo: '{"a":1}', path: '/api/client/features?x=1' });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/client/features?x=1', body: '{"a":1}' });
    expect(seen[0]?.headers).toMatchObject({ authorization: 'tok', 'content-type': 'application/json', host: new URL(targetUrl).host });
    const streamed = await fetch(`${proxy.url}/stream`);
    expect(await streamed.text()).toBe('first;second');
    expect(proxy.requests()).toBe(2);
  });

  it('error503: answers 503 with a JSON error without calling the target', async () => {
    proxy = await startFaultProxy(targetUrl);
    proxy.setMode('error503');
    const response = await fetch(`${proxy.url}/client/features`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: { code: 'unavailable', message: 'fault proxy: target unavailable (simulated)' } });
    expect(seen).toEqual([]);
    expect(proxy.requests()).toBe(1);
  });

  it('error500: answers 500 with a JSON error without calling the target', async () => {
    proxy = await startFaultProxy(targetUrl);
    proxy.setMode('error500');
    const response = await fetch(`${proxy.url}/admin/features`, { method: 'POST', body: 'x' });
    expect(response.status).toBe(500);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('internal');
    expect(seen).toEqual([]);
  });

  it('wrongToken: forwards with the Authorization header replaced, so the target judges a credential it never issued', async () => {
    proxy = await startFaultProxy(targetUrl);
    proxy.setMode('wrongToken');
    const response = await fetch(`${proxy.url}/admin/features`, { method: 'POST', headers: { authorization: 'the-real-token' }, body: '{"b":2}' });
    expect(response.status).toBe(201);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/admin/features', body: '{"b":2}' });
    expect(seen[0]?.headers['authorization']).toBe(WRONG_TOKEN);
    expect(JSON.stringify(seen[0]?.headers)).not.toContain('the-real-token');
  });

  it('refuse: destroys the connection, so the client gets a network error, and the target sees nothing', async () => {
    proxy = await startFaultProxy(targetUrl);
    proxy.setMode('refuse');
    const outcome = await fetch(`${proxy.url}/client/features`).then((r) => `status ${r.status}`, (e: unknown) => `error ${(e as Error).message}`);
    expect(outcome).toBe('error fetch failed');
    expect(seen).toEqual([]);
    proxy.setMode('pass');
    expect((await fetch(`${proxy.url}/client/features`)).status).toBe(201);
    expect(proxy.requests()).toBe(2);
  });

  it('hang: holds requests unanswered until the mode changes, then handles them in the new mode', async () => {
    proxy = await startFaultProxy(targetUrl);
    proxy.setMode('hang');
    let settled = false;
    const held = fetch(`${proxy.url}/held`, { method: 'PUT', body: 'kept' }).then(async (r) => {
      settled = true;
      return { status: r.status, body: await r.json() };
    });
    await vi.waitFor(() => expect(proxy?.requests()).toBe(1));
    expect(settled).toBe(false);
    expect(seen).toEqual([]);
    proxy.setMode('pass');
    expect(await held).toEqual({ status: 201, body: { echo: 'kept', path: '/api/held' } });
  });

  it('stop: cuts requests still held by hang and frees the port', async () => {
    proxy = await startFaultProxy(targetUrl);
    const url = proxy.url;
    proxy.setMode('hang');
    const held = fetch(`${url}/held`).then(() => 'answered', () => 'cut');
    await vi.waitFor(() => expect(proxy?.requests()).toBe(1));
    await proxy.stop();
    expect(await held).toBe('cut');
    await expect(fetch(`${url}/again`)).rejects.toThrow('fetch failed');
  });

  it('answers 502 when the target itself is down', async () => {
    proxy = await startFaultProxy(targetUrl);
    target.closeAllConnections();
    await new Promise<void>((resolve) => target.close(() => resolve()));
    const response = await fetch(`${proxy.url}/x`);
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('bad_gateway');
    target = createServer();
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  });
});
