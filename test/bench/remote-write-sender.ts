/**
 * Sends a round of pre-encoded remote-write requests to one receiver the way Prometheus' shards do:
 * one concurrent sender per queue, each with one request in flight at a time over a kept-alive
 * connection, with the headers of a Prometheus 2.x sender. Nothing is retried: every answer that is
 * not 2xx, and every failed connection, is counted as an error.
 */
import { Agent, request } from 'node:http';
import { PROMETHEUS_HEADERS } from '../fixtures/remote-write/write-request-encoder.js';
import type { LoadRound } from './remote-write-load.js';

/** What sending one round produced. */
export interface SendOutcome {
  /** From the first request sent to the last answer received, seconds. */
  readonly wallSeconds: number;
  readonly requests: number;
  /** Requests answered 2xx. */
  readonly okRequests: number;
  /** Samples in the requests answered 2xx. */
  readonly samplesInOkRequests: number;
  /** Failed requests by HTTP status, or `connection` for a request that got no answer. */
  readonly failures: Readonly<Record<string, number>>;
  /** Status and start of the body of the first failure, for the printed report. */
  readonly firstFailure: string | null;
}

/** The request headers of a Prometheus 2.x remote-write 1.0 sender. */
export const SENDER_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': PROMETHEUS_HEADERS.contentType,
  'Content-Encoding': PROMETHEUS_HEADERS.contentEncoding,
  'X-Prometheus-Remote-Write-Version': PROMETHEUS_HEADERS.remoteWriteVersion,
  'User-Agent': 'Prometheus/2.42.0 (shiftguard bench)',
};

const REQUEST_TIMEOUT_MS = 30_000;

/** Sends every queue of `round` to `writeUrl` concurrently (extra headers, e.g. a bearer token, in `headers`). */
export async function sendRound(writeUrl: string, headers: Readonly<Record<string, string>>, round: LoadRound): Promise<SendOutcome> {
  const agent = new Agent({ keepAlive: true, maxSockets: round.queues.length });
  const failures: Record<string, number> = {};
  let okRequests = 0;
  let samplesInOkRequests = 0;
  let firstFailure: string | null = null;
  const startNs = process.hrtime.bigint();
  try {
    await Promise.all(
      round.queues.map(async (queue) => {
        for (const encoded of queue) {
          const answer = await post(agent, writeUrl, { ...SENDER_HEADERS, ...headers }, encoded.body);
          if (answer.status >= 200 && answer.status < 300) {
            okRequests++;
            samplesInOkRequests += encoded.samples;
            continue;
          }
          const key = answer.status === 0 ? 'connection' : String(answer.status);
          failures[key] = (failures[key] ?? 0) + 1;
          firstFailure ??= `${key}: ${answer.text.slice(0, 300)}`;
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  const wallSeconds = Number(process.hrtime.bigint() - startNs) / 1e9;
  return { wallSeconds, requests: round.requests, okRequests, samplesInOkRequests, failures, firstFailure };
}

/** POSTs `body`; resolves with the status (0 when no answer came) and the answer's text. */
function post(agent: Agent, url: string, headers: Readonly<Record<string, string>>, body: Uint8Array): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent, headers: { ...headers, 'Content-Length': String(body.length) }, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error) => resolve({ status: 0, text: error.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', (error) => resolve({ status: 0, text: error.message }));
    req.end(body);
  });
}
