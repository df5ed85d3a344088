/**
 * The flaky partner API dten-sync calls, as a real node:http server on loopback. Each HTTP request
 * is one attempt of one logical request, named by the headers `x-request-id` and `x-attempt`
 * (0-based); the fault model of partner-faults.ts decides whether it fails (503) and how long it
 * takes, and the answer is sent after that latency. Any path is accepted: the partner has one
 * operation, and which path the client calls is the client's business.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRng } from '../../detect/random.js';
import { PartnerFaultModel, REQUEST_MEMORY_MS } from './partner-faults.js';
import type { PartnerFaults } from './partner-faults.js';

/** Options of {@link startPartnerApi}. */
export interface PartnerApiOptions {
  readonly faults?: Partial<PartnerFaults>;
  /** Seed of the fault and latency draws (default 1). */
  readonly seed?: number;
  /** Host to bind (default `127.0.0.1`: the partner is only ever reached on loopback). */
  readonly host?: string;
  /** Port (default 0: a free one). */
  readonly port?: number;
  /** Monotonic clock, ms (default `performance.now`). */
  readonly now?: () => number;
  /** How long per-request state is kept, ms (default 60 s). */
  readonly memoryMs?: number;
}

/** What the partner has seen so far. */
export interface PartnerCounters {
  /** Attempts answered or still waiting for their latency. */
  readonly attempts: number;
  /** Attempts that failed (503). */
  readonly failures: number;
  /** Attempts with `x-attempt` > 0. */
  readonly retries: number;
  /** Retries that failed. */
  readonly retryFailures: number;
}

/** A running partner API. */
export interface PartnerApi {
  /** Base URL, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Changes fault knobs while running. */
  setFaults(partial: Partial<PartnerFaults>): void;
  /** The knobs in force. */
  faults(): PartnerFaults;
  counters(): PartnerCounters;
  /** Requests whose last failure is remembered (bounded by the 60 s memory). */
  trackedRequests(): number;
  /** Stops listening, drops attempts still waiting and closes every connection. */
  close(): Promise<void>;
}

/** Starts the partner API; resolves once it listens. */
export async function startPartnerApi(options: PartnerApiOptions = {}): Promise<PartnerApi> {
  const now = options.now ?? (() => performance.now());
  const model = new PartnerFaultModel(options.faults ?? {}, createRng(options.seed ?? 1), options.memoryMs ?? REQUEST_MEMORY_MS);
  const pending = new Set<NodeJS.Timeout>();
  const counts = { attempts: 0, failures: 0, retries: 0, retryFailures: 0 };

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const requestId = headerValue(request, 'x-request-id');
    const attempt = Number(headerValue(request, 'x-attempt') ?? '0');
    const attemptNumber = Number.isInteger(attempt) && attempt >= 0 ? attempt : 0;
    const plan = model.begin(requestId, attemptNumber, now());
    counts.attempts++;
    if (plan.fail) counts.failures++;
    if (attemptNumber > 0) {
      counts.retries++;
      if (plan.fail) counts.retryFailures++;
    }
    request.resume();
    const timer = setTimeout(() => {
      pending.delete(timer);
      model.answered(requestId, plan.fail, now());
      const status = plan.fail ? 503 : 200;
      const body = plan.fail ? { error: { code: 'transient', message: 'partner temporarily unavailable' } } : { ok: true };
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    }, plan.latencyMs);
    pending.add(timer);
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    setFaults: (partial) => model.setFaults(partial),
    faults: () => model.faults(),
    counters: () => ({ ...counts }),
    trackedRequests: () => model.trackedRequests(),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        for (const timer of pending) clearTimeout(timer);
        pending.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
