import { createServer, request } from 'node:http';
import type { Agent, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { STOPPED_CODE, createStoppableAgents } from './stoppable-agents.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
});

/** A loopback server that answers `/ok` and never answers anything else. */
async function startServer(): Promise<URL> {
  server = createServer((request, response) => {
    if (request.url === '/ok') response.end('ok');
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
}

/** GETs `url` through `agent`: `status <code>` or `error <code>`. */
function get(url: URL, agent: Agent): Promise<string> {
  return new Promise((resolve) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(`status ${res.statusCode}`));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.code ?? error.message}`));
    req.end();
  });
}

describe('stoppable agents', () => {
  it('work as keep-alive agents until stopped, then fail a request in flight and refuse new ones at once', async () => {
    const base = await startServer();
    const agents = createStoppableAgents();
    const agent = agents.agentFor(base);
    expect(agent).not.toBe(agents.agentFor(new URL('https://example.invalid/')));
    expect(await get(new URL('/ok', base), agent)).toBe('status 200');
    const hanging = get(new URL('/hang', base), agent);
    await vi.waitFor(() => expect(Object.keys(agent.sockets)).toHaveLength(1));
    agents.stop();
    expect(await hanging).toMatch(/^error (ECONNRESET|socket hang up)/);
    expect(await get(new URL('/ok', base), agent)).toBe(`error ${STOPPED_CODE}`);
  });
});
