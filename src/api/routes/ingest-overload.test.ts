/**
 * Overload of the push endpoints when the event loop is behind. Pushes are decoded one at a time as
 * their bodies arrive, so with fast senders (loopback, a LAN) `maxInFlight` never sees them queue up:
 * the soak of `serve` (test/bench/soak.ts) had 200 remote-write shards waiting, never a 503, and the
 * event loop several seconds behind. The delay of the loop is what must turn them away.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createApp } from '../create-app.js';
import { tokenAuth } from '../auth.js';
import { createMemoryUpgradeRegistry } from '../upgrade-registry.js';
import { createServiceMetrics } from '../../telemetry/service-metrics.js';
import { createSeriesStore } from '../../series/series-store.js';
import { MemoryStateStore } from '../../store/memory-state-store.js';
import { decodeRemoteWrite } from '../../ingest/remote-write/decode-remote-write.js';
import { encodeOtlpTestRequest } from '../../ingest/otlp/encode-otlp-test-request.js';

const REMOTE_WRITE = new Uint8Array(readFileSync(new URL('../../../test/fixtures/remote-write/prometheus-2.42.bin', import.meta.url)));
const NEWEST_MS = Math.max(...decodeRemoteWrite(REMOTE_WRITE, { contentType: 'application/x-protobuf', contentEncoding: 'snappy' }, { maxDecodedBytes: 1 << 26 }).series.flatMap((s) => [...s.timestampsMs]));
const LIMIT_MS = 1000;

function makeApp(delayMs: () => number) {
  const metrics = createServiceMetrics();
  const state = new MemoryStateStore();
  void state.open();
  const app = createApp({
    auth: tokenAuth({ viewer: { env: 'V' }, operator: { env: 'O' }, ingest: { env: 'I' } }, { V: 'v', O: 'o', I: 'i' }),
    registry: createMemoryUpgradeRegistry(),
    metrics,
    analyze: () => Promise.reject(new Error('not used')),
    now: () => NEWEST_MS,
    ready: () => true,
    maxJsonBodyBytes: 1 << 20,
    version: 'test',
    logError: () => undefined,
    findings: state,
    decisions: state,
    ingest: {
      store: createSeriesStore({ sliceMs: 60_000, retentionMs: 7 * 86_400_000, maxSeries: 100_000 }),
      limits: { maxBodyBytes: 8 << 20, maxDecodedBytes: 32 << 20, maxInFlight: 8, memoryBudgetBytes: 1 << 30, maxEventLoopDelayMs: LIMIT_MS },
      labels: { instance: 'instance', service: 'service' },
      now: () => NEWEST_MS,
      eventLoopDelayMs: delayMs,
    },
  });
  return { app, metrics };
}

const remoteWrite: RequestInit = {
  method: 'POST',
  body: REMOTE_WRITE,
  headers: { Authorization: 'Bearer i', 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' },
};

const otlp = (): RequestInit => ({
  method: 'POST',
  body: encodeOtlpTestRequest({ resourceMetrics: [] }, 'protobuf'),
  headers: { Authorization: 'Bearer i', 'Content-Type': 'application/x-protobuf' },
});

describe('push endpoints while the event loop is behind', () => {
  it('answer 503 with Retry-After once the loop is more than the limit behind, and count it', async () => {
    let delay = LIMIT_MS + 1;
    const { app, metrics } = makeApp(() => delay);
    const refused = await app.request('/api/v1/write', remoteWrite);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('Retry-After')).toMatch(/^[3-8]$/);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('overloaded');
    expect((await app.request('/v1/metrics', otlp())).status).toBe(503);
    expect(await metrics.registry.getSingleMetricAsString('shiftguard_ingest_overloaded_total')).toMatch(/protocol="remote_write"\} 1\n[^]*protocol="otlp"\} 1/);
    delay = LIMIT_MS;
    expect((await app.request('/api/v1/write', remoteWrite)).status).toBe(204);
    expect((await app.request('/v1/metrics', otlp())).status).toBe(200);
  });
});
