import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadRound } from './remote-write-load.js';
import { SENDER_HEADERS, sendRound } from './remote-write-sender.js';

/** A real HTTP receiver that records what arrives and answers 500 to bodies starting with 0xff. */
interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly inFlight: number;
}

let server: Server;
let url = '';
const received: Received[] = [];
let inFlight = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    inFlight++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({ headers: req.headers, body, inFlight });
      setTimeout(() => {
        inFlight--;
        if (body[0] === 0xff) res.writeHead(500).end('store on fire');
        else res.writeHead(204).end();
      }, 5);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/api/v1/write`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function round(queues: number[][][]): LoadRound {
  const encoded = queues.map((q) => q.map((bytes) => ({ body: Uint8Array.from(bytes), samples: 10, decodedBytes: 100 })));
  const all = encoded.flat();
  return {
    plan: { firstScrape: 0, scrapes: 1, startMs: 0, senders: queues.length, samplesPerRequest: 10 },
    queues: encoded,
    samples: all.length * 10,
    requests: all.length,
    bodyBytes: all.reduce((n, r) => n + r.body.length, 0),
    firstMs: 0,
    lastMs: 0,
  };
}

describe('sendRound', () => {
  it('sends every request with the remote-write headers, one in flight per sender', async () => {
    received.length = 0;
    const outcome = await sendRound(url, { Authorization: 'Bearer t' }, round([[[1], [2], [3]], [[4], [5]]]));
    expect(outcome).toMatchObject({ requests: 5, okRequests: 5, samplesInOkRequests: 50, failures: {}, firstFailure: null });
    expect(outcome.wallSeconds).toBeGreaterThan(0);
    expect(received.map((r) => r.body[0]).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(Math.max(...received.map((r) => r.inFlight))).toBeLessThanOrEqual(2);
    // Each sender sends its queue in order.
    const order = received.map((r) => r.body[0]);
    expect(order.indexOf(1)).toBeLessThan(order.indexOf(2));
    expect(order.indexOf(2)).toBeLessThan(order.indexOf(3));
    for (const r of received) {
      expect(r.headers['content-type']).toBe(SENDER_HEADERS['Content-Type']);
      expect(r.headers['content-encoding']).toBe('snappy');
      expect(r.headers['x-prometheus-remote-write-version']).toBe('0.1.0');
      expect(r.headers.authorization).toBe('Bearer t');
    }
  });

  it('counts answers other than 2xx by status and keeps the first one', async () => {
    const outcome = await sendRound(url, {}, round([[[1], [0xff, 1]], [[0xff, 2]]]));
    expect(outcome).toMatchObject({ requests: 3, okRequests: 1, samplesInOkRequests: 10, failures: { '500': 2 }, firstFailure: '500: store on fire' });
  });

  it('counts a receiver that is not there as connection failures', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const address = closed.address();
    await new Promise((resolve) => closed.close(resolve));
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const outcome = await sendRound(`http://127.0.0.1:${port}/api/v1/write`, {}, round([[[1], [2]]]));
    expect(outcome.okRequests).toBe(0);
    expect(outcome.failures).toEqual({ connection: 2 });
    expect(outcome.firstFailure).toMatch(/^connection: .*ECONNREFUSED/);
  });
});
