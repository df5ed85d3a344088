import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createGuardedFetch } from './guarded-fetch.js';
import type { ResolveHost } from './guarded-fetch.js';
import { OutboundRedirectError, OutboundRefusedError } from './outbound-error.js';
import { createOutboundPolicy } from './outbound-policy.js';
import type { OutboundConfig } from './outbound-policy.js';

/** A loopback HTTP server that records every request it gets. */
interface Recorder {
  readonly port: number;
  readonly requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

async function serve(handle: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<Recorder> {
  const requests: Recorder['requests'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handle(req, res, body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, requests };
}

const policy = (config: Partial<OutboundConfig> = {}) => createOutboundPolicy({ allowHosts: [], allowLoopback: false, allowPrivate: true, ...config });
const loopbackOk = createGuardedFetch({ policy: policy({ allowLoopback: true }) });
/** A resolver answering `answers[name]` (ENOTFOUND otherwise): how DNS rebinding looks to the client. */
const fakeDns = (answers: Record<string, string[]>): ResolveHost => async (name) => {
  const found = answers[name];
  if (found === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

describe('createGuardedFetch: what it sends and returns', () => {
  it('sends method, headers and body, and returns status, headers and body as fetch does', async () => {
    const server = await serve((_req, res, body) => res.writeHead(201, { 'Content-Type': 'application/json', 'X-Echo': 'yes' }).end(JSON.stringify({ got: body })));
    const response = await loopbackOk(`http://127.0.0.1:${server.port}/api/v2/alerts?x=1`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer t' },
      body: '[{"a":1}]',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-echo')).toBe('yes');
    expect(await response.json()).toEqual({ got: '[{"a":1}]' });
    expect(server.requests).toMatchObject([{ method: 'POST', url: '/api/v2/alerts?x=1', headers: { authorization: 'Bearer t', 'content-type': 'application/json', 'content-length': '9' } }]);
  });

  it('decodes a gzip body, sends form bodies, and gives non-2xx answers with their body', async () => {
    const zipped = await serve((req, res, body) =>
      req.url === '/zip' ? res.writeHead(200, { 'Content-Encoding': 'gzip' }).end(gzipSync(`form=${body}`)) : res.writeHead(503, 'Busy').end('try later'),
    );
    const form = await loopbackOk(new URL(`http://127.0.0.1:${zipped.port}/zip`), { method: 'POST', body: new URLSearchParams({ query: 'up' }) });
    expect(await form.text()).toBe('form=query=up');
    expect(zipped.requests[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    const busy = await loopbackOk(`http://127.0.0.1:${zipped.port}/other`);
    expect([busy.status, busy.statusText, await busy.text()]).toEqual([503, 'Busy', 'try later']);
  });

  it('rejects with the signal\'s reason when it aborts, as fetch does', async () => {
    const silent = await serve(() => undefined);
    const controller = new AbortController();
    const pending = loopbackOk(`http://127.0.0.1:${silent.port}/`, { signal: controller.signal });
    await expect.poll(() => silent.requests.length).toBe(1);
    controller.abort(new DOMException('took too long', 'TimeoutError'));
    await expect(pending).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('reports a refused connection as fetch does: TypeError "fetch failed" with the cause', async () => {
    const closed = await serve(() => undefined);
    servers.pop()?.close();
    const error = await loopbackOk(`http://127.0.0.1:${closed.port}/`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error & { cause: { code: string } }).cause.code).toBe('ECONNREFUSED');
  });
});

describe('createGuardedFetch: redirects', () => {
  it('does not follow a 302 to the metadata address: it rejects naming the Location', async () => {
    const redirecting = await serve((_req, res) => res.writeHead(302, { Location: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/' }).end());
    const error = await loopbackOk(`http://127.0.0.1:${redirecting.port}/api/v2/alerts`, { method: 'POST', body: '[]', redirect: 'manual' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutboundRedirectError);
    expect(error).toMatchObject({ status: 302, location: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/', code: 'redirect' });
    expect((error as Error).message).toBe(
      `outbound request to http://127.0.0.1:${redirecting.port}/api/v2/alerts refused: HTTP 302 redirect to http://169.254.169.254/latest/meta-data/iam/security-credentials/: redirects are not followed`,
    );
    expect(redirecting.requests).toHaveLength(1);
  });

  it('never reaches a redirect\'s target, even an allowed one', async () => {
    const target = await serve((_req, res) => res.end('secret'));
    const redirecting = await serve((_req, res) => res.writeHead(307, { Location: `http://127.0.0.1:${target.port}/` }).end());
    await expect(loopbackOk(`http://127.0.0.1:${redirecting.port}/`)).rejects.toBeInstanceOf(OutboundRedirectError);
    expect(target.requests).toHaveLength(0);
  });
});

describe('createGuardedFetch: refusals', () => {
  it('refuses a literal loopback URL before connecting', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    const guarded = createGuardedFetch({ policy: policy() });
    for (const host of ['127.0.0.1', '2130706433', '0x7f.1', '[::ffff:127.0.0.1]']) {
      const error = await guarded(`http://${host}:${server.port}/`).catch((e: unknown) => e);
      expect(error, host).toBeInstanceOf(OutboundRefusedError);
      expect(error, host).toMatchObject({ code: 'refused_url' });
    }
    expect(server.requests).toHaveLength(0);
  });

  it('refuses at connect time a name that resolves to loopback (DNS rebinding), and nothing reaches the server', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    const guarded = createGuardedFetch({ policy: policy(), resolve: fakeDns({ 'alertmanager.rebind.test': ['127.0.0.1'], 'mixed.rebind.test': ['93.184.215.14', '::ffff:127.0.0.1'] }) });
    const error = await guarded(`http://alertmanager.rebind.test:${server.port}/api/v2/alerts?token=x`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutboundRefusedError);
    expect((error as Error).message).toBe(
      `outbound request to http://alertmanager.rebind.test:${server.port}/api/v2/alerts refused: alertmanager.rebind.test resolves to 127.0.0.1, which is a loopback address; refused unless outbound.allowLoopback is true`,
    );
    await expect(guarded(`http://mixed.rebind.test:${server.port}/`)).rejects.toMatchObject({ code: 'refused_address', reason: expect.stringContaining('::ffff:7f00:1, which is a loopback address') });
    expect(server.requests).toHaveLength(0);
  });

  it('connects to the address it checked when the name passes', async () => {
    const server = await serve((_req, res) => res.end('reached'));
    const guarded = createGuardedFetch({ policy: policy({ allowLoopback: true }), resolve: fakeDns({ 'prometheus.test': ['127.0.0.1'] }) });
    expect(await (await guarded(`http://prometheus.test:${server.port}/`)).text()).toBe('reached');
    expect(server.requests[0]?.headers.host).toBe(`prometheus.test:${server.port}`);
  });

  it('resolves with the system resolver by default, and refuses a listed name whose answer is loopback', async () => {
    const server = await serve((_req, res) => res.end('reached'));
    expect(await (await loopbackOk(`http://localhost:${server.port}/`)).text()).toBe('reached');
    const listedName = createGuardedFetch({ policy: policy({ allowHosts: ['prometheus.rebind.test'] }), resolve: fakeDns({ 'prometheus.rebind.test': ['10.0.0.1', '127.0.0.1'] }) });
    await expect(listedName(`http://prometheus.rebind.test:${server.port}/`)).rejects.toMatchObject({ code: 'refused_address' });
    expect(server.requests).toHaveLength(1);
  });
});
