import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FlagNotFoundError, FlagStoreUnavailableError } from './flag-store-error.js';
import { DECISION_HEADER, UnleashAdminHttp } from './unleash-admin-http.js';

/** One scripted answer of the loopback server. */
interface Answer {
  readonly status: number;
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A loopback HTTP server answering `answers` in turn (the last one repeats); returns its API base and what it received. */
async function scriptedServer(answers: readonly Answer[]): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      const answer = answers[Math.min(received.length - 1, answers.length - 1)] as Answer;
      response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      response.end(answer.body ?? '');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`, received };
}

function recordingSleep(): { sleeps: number[]; sleep: (ms: number) => Promise<void> } {
  const sleeps: number[] = [];
  return { sleeps, sleep: (ms) => { sleeps.push(ms); return Promise.resolve(); } };
}

const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 2000 };

describe('UnleashAdminHttp', () => {
  it('sends JSON with the token and the decision id, and returns the parsed answer', async () => {
    const { url, received } = await scriptedServer([{ status: 200, body: '{"id":"s1"}' }]);
    const http = new UnleashAdminHttp({ url, token: '*:*.secret', retry: policy });
    const body = await http.call({ method: 'PUT', path: '/admin/projects/default/features/f/environments/production/strategies/s1', body: { name: 'flexibleRollout' }, decisionId: 'd-17', flag: 'f', what: 'write' });
    expect(body).toEqual({ id: 's1' });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'PUT', url: '/api/admin/projects/default/features/f/environments/production/strategies/s1', body: '{"name":"flexibleRollout"}' });
    expect(received[0]?.headers).toMatchObject({
      authorization: '*:*.secret', 'content-type': 'application/json', [DECISION_HEADER]: 'd-17', 'user-agent': 'shiftguard (decision d-17)',
    });
  });

  it('retries 503 and 429 with jittered waits (Retry-After respected) until an answer succeeds', async () => {
    const { url, received } = await scriptedServer([
      { status: 503, body: 'upstream down' },
      { status: 429, body: '{"message":"Too many requests"}', headers: { 'retry-after': '1' } },
      { status: 200, body: '' },
    ]);
    const { sleeps, sleep } = recordingSleep();
    const http = new UnleashAdminHttp({ url, token: 't', retry: policy, sleep, random: () => 0.5 });
    expect(await http.call({ method: 'POST', path: '/admin/x/on', decisionId: 'd-1', flag: 'f', what: 'turn f on' })).toBeNull();
    expect(received).toHaveLength(3);
    expect(sleeps).toEqual([50, 1000]);
  });

  it('gives up after maxAttempts with the last failure in the message', async () => {
    const { url, received } = await scriptedServer([{ status: 500, body: '{"name":"InternalError","message":"database is down"}' }]);
    const { sleeps, sleep } = recordingSleep();
    const http = new UnleashAdminHttp({ url, token: 't', retry: policy, sleep, random: () => 0.5 });
    const error: unknown = await http.call({ method: 'GET', path: '/admin/f', flag: 'f', what: 'read flag f in production' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlagStoreUnavailableError);
    expect(error).toMatchObject({ attempts: 4 });
    expect((error as Error).message).toBe(`Unleash at ${url.replace(/\/$/, '')} is unavailable: read flag f in production failed 4 times, last with HTTP 500: database is down`);
    expect(received).toHaveLength(4);
    expect(sleeps).toEqual([50, 100, 200]);
  });

  it('does not retry a final answer', async () => {
    const { url, received } = await scriptedServer([{ status: 404, body: '{"message":"Could not find f in production"}' }]);
    const { sleeps, sleep } = recordingSleep();
    const http = new UnleashAdminHttp({ url, token: 't', retry: policy, sleep });
    await expect(http.call({ method: 'GET', path: '/admin/f', flag: 'f', what: 'read flag f in production' })).rejects.toBeInstanceOf(FlagNotFoundError);
    expect(received).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('treats an attempt that outlives its timeout as a network failure', async () => {
    const hanging = createServer(() => undefined);
    servers.push(hanging);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/api`;
    const { sleeps, sleep } = recordingSleep();
    const http = new UnleashAdminHttp({ url, token: 't', retry: { ...policy, maxAttempts: 2 }, timeoutMs: 50, sleep, random: () => 0 });
    const error: unknown = await http.call({ method: 'GET', path: '/admin/f', flag: 'f', what: 'read flag f' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unavailable', attempts: 2 });
    expect((error as Error).message).toMatch(/failed 2 times, last with .*(timeout|aborted)/i);
    expect(sleeps).toEqual([0]);
    hanging.closeAllConnections();
  });

  it('refuses a retry policy without attempts', () => {
    expect(() => new UnleashAdminHttp({ url: 'http://127.0.0.1:1/api', token: 't', retry: { ...policy, maxAttempts: 0 } }))
      .toThrow('retry.maxAttempts must be a whole number >= 1, got 0');
  });
});
