/**
 * Fuzz targets of the HTTP edge: the real hono app (`createApp`, in this process, with the push
 * endpoints on a real series store) receives the fuzzed body, then a valid request of the same kind.
 * Facts say how the fuzzed request was answered (status, whether the error body has the contract's
 * shape) and whether the valid request after it was still accepted (the service survived). A
 * thrown exception is a crash: the app must answer everything.
 */
import { readFileSync } from 'node:fs';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createApp } from '../../../src/api/create-app.js';
import { tokenAuth } from '../../../src/api/auth.js';
import { createMemoryUpgradeRegistry } from '../../../src/api/upgrade-registry.js';
import { rpcStatusType } from '../../../src/ingest/otlp/otlp-schema.js';
import { createSeriesStore } from '../../../src/series/series-store.js';
import { MemoryStateStore } from '../../../src/store/memory-state-store.js';
import { createServiceMetrics } from '../../../src/telemetry/service-metrics.js';
import type { FuzzTargets } from './fuzz-target.js';
import { stringParam } from './fuzz-target.js';
import type { Facts, TargetParams } from './sandbox-protocol.js';

const fixture = (path: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../fixtures/${path}`, import.meta.url)));
const REMOTE_WRITE = fixture('remote-write/prometheus-2.42.bin');
const OTLP_PROTOBUF = fixture('otlp/sdk-cumulative.binpb');
const UPGRADE = JSON.parse(new TextDecoder().decode(fixture('upgrades/dten-2026.04.json'))) as Record<string, unknown>;
/** The app's clock: the capture time of the push fixtures (2026-04-10), so retention keeps them. */
const NOW_MS = Date.UTC(2026, 3, 10, 14, 0, 0);
const TOKENS = { viewer: { env: 'V' }, operator: { env: 'O' }, ingest: { env: 'I' } };

let app: OpenAPIHono | undefined;
let survivors = 0;

/** The app every HTTP target talks to, built on first use and kept: state carries over from input to input. */
function theApp(): OpenAPIHono {
  if (app !== undefined) return app;
  const state = new MemoryStateStore();
  void state.open();
  app = createApp({
    auth: tokenAuth(TOKENS, { V: 'v', O: 'o', I: 'i' }),
    registry: createMemoryUpgradeRegistry(),
    metrics: createServiceMetrics(),
    analyze: () => Promise.reject(new Error('no analysis in the fuzz app')),
    now: () => NOW_MS,
    ready: () => true,
    maxJsonBodyBytes: 1 << 20,
    version: 'fuzz',
    logError: () => undefined,
    findings: state,
    decisions: state,
    ingest: {
      store: createSeriesStore({ sliceMs: 60_000, retentionMs: 30 * 86_400_000, maxSeries: 50_000 }),
      limits: { maxBodyBytes: 4 << 20, maxDecodedBytes: 8 << 20, maxInFlight: 4, memoryBudgetBytes: 1 << 30 },
      labels: { instance: 'instance', service: 'service' },
      now: () => NOW_MS,
    },
  });
  return app;
}

/** The headers of `params` that are strings, plus the bearer token. */
function headersOf(params: TargetParams, token: string): Record<string, string> {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  for (const name of ['Content-Type', 'Content-Encoding', 'X-Prometheus-Remote-Write-Version']) {
    const value = stringParam(params, name);
    if (value !== undefined) headers[name] = value;
  }
  return headers;
}

/** Whether `body` is the API's error envelope `{"error":{"code":string,"message":string}}` with a non-empty message. */
function isErrorEnvelope(body: unknown): boolean {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof error?.code === 'string' && typeof error.message === 'string' && error.message !== '';
}

/** Facts of an answer: its status and, for an error, whether its body has the contract's shape (JSON envelope, or a google.rpc.Status for OTLP protobuf). */
async function answerFacts(response: Response): Promise<Facts> {
  const contentType = response.headers.get('content-type') ?? '';
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (response.status < 400) return { status: response.status, contentType };
  let errorShape = false;
  if (contentType.startsWith('application/json')) {
    try {
      errorShape = isErrorEnvelope(JSON.parse(new TextDecoder().decode(bytes)));
    } catch {
      errorShape = false;
    }
  } else if (contentType === 'application/x-protobuf') {
    try {
      const status = rpcStatusType.toObject(rpcStatusType.decode(bytes)) as { message?: string };
      errorShape = typeof status.message === 'string' && status.message !== '';
    } catch {
      errorShape = false;
    }
  }
  return { status: response.status, contentType, errorShape };
}

/** POSTs `body` to `path`, then `survivor`; facts of the first answer plus the survivor's status. */
async function postThenSurvivor(path: string, body: Uint8Array, headers: Record<string, string>, survivor: RequestInit): Promise<Facts> {
  const facts = await answerFacts(await theApp().request(path, { method: 'POST', body, headers }));
  const after = await theApp().request(path, survivor);
  return { ...facts, survivorStatus: after.status };
}

/** The HTTP targets by name; params hold the request headers to send (`Content-Type`, …). */
export const HTTP_TARGETS: FuzzTargets = {
  'http-remote-write': {
    run: (input, params) =>
      postThenSurvivor('/api/v1/write', input, headersOf(params, 'i'), {
        method: 'POST',
        body: REMOTE_WRITE,
        headers: { Authorization: 'Bearer i', 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' },
      }),
    documented: () => false,
  },
  'http-otlp': {
    run: (input, params) =>
      postThenSurvivor('/v1/metrics', input, headersOf(params, 'i'), {
        method: 'POST',
        body: OTLP_PROTOBUF,
        headers: { Authorization: 'Bearer i', 'Content-Type': 'application/x-protobuf' },
      }),
    documented: () => false,
  },
  'http-upgrades': {
    run: (input, params) => {
      const valid = JSON.stringify({ ...UPGRADE, id: `survivor-${++survivors}` });
      return postThenSurvivor('/api/v1/upgrades', input, headersOf(params, 'o'), {
        method: 'POST',
        body: valid,
        headers: { Authorization: 'Bearer o', 'Content-Type': 'application/json' },
      });
    },
    documented: () => false,
  },
};
