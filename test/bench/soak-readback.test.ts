import { describe, expect, it } from 'vitest';
import { runAnalysis } from '../../src/analysis/run-analysis.js';
import { parseConfig } from '../../src/config/load-config.js';
import { decodeOtlpMetrics } from '../../src/ingest/otlp/index.js';
import { ingestRemoteWrite } from '../../src/ingest/remote-write/ingest-remote-write.js';
import { createSeriesStore } from '../../src/series/series-store.js';
import { validateUpgrade } from '../../src/upgrades/load-upgrade.js';
import { PROMETHEUS_HEADERS } from '../fixtures/remote-write/write-request-encoder.js';
import { buildFleet } from './remote-write-fleet.js';
import { encodeBatch } from './soak-encoder.js';
import { batchSamples, buildSoakFleet, lastScrapeAt, newestCompleteBatch } from './soak-load.js';
import { encodeExport, newestExport } from './soak-otlp.js';
import { serveRetentionMs, soakConfigYaml, soakUpgrade } from './soak-plan.js';
import { compareWithReference, createReferenceStore } from './soak-readback.js';
import type { ReportJson } from './soak-readback.js';

/**
 * A small soak played in-process: "serve's" store is fed by the receiver's own path
 * (`ingestRemoteWrite`, the OTLP decoder), the reference with what the soak keeps of the same
 * acknowledged requests; the sequential reports must then agree, and a request acknowledged but
 * not stored must show.
 */
const T0 = Date.UTC(2026, 3, 10, 12);
const END = T0 + 24_000;
const windows = { sliceMs: 1000, delayMs: 1000, baselineMs: 8000, settleMs: 1000, afterMs: 30_000 };
const config = parseConfig(soakConfigYaml(windows, '/tmp/unused.db'), 'soak', { env: {} });
const fleet = buildFleet({ seed: 4, targetSeries: 2 * 144, scrapeIntervalMs: 15_000 });
const soak = buildSoakFleet(fleet, 4);
const clock = { startMs: T0, intervalMs: 40 };
const otlp = { seed: 4, instances: 2, startMs: T0, intervalMs: 1000 };
const upgrade = validateUpgrade(soakUpgrade('soak', T0 + windows.baselineMs + windows.sliceMs, ['svc-0', 'svc-1', 'soak-otlp']), 'soak');
const SIZE = 500;

/** Plays the load: every batch of every shard and every export, acknowledged in order; `lost` names one remote-write batch serve drops anyway. */
async function play(lost: { shard: number; batch: number } | null): Promise<ReturnType<typeof compareWithReference>> {
  const served = createSeriesStore({ sliceMs: windows.sliceMs, retentionMs: serveRetentionMs(windows), maxSeries: 10_000 });
  const reference = createReferenceStore({ soak, service: 'svc-0', config, retentionMs: serveRetentionMs(windows) });
  soak.shards.forEach((members, shard) => {
    const last = newestCompleteBatch(members.length, SIZE, lastScrapeAt(clock, END));
    for (let b = 0; b <= last; b++) {
      if (lost?.shard !== shard || lost.batch !== b) ingestRemoteWrite(encodeBatch(soak, clock, shard, b, SIZE).body, { contentType: PROMETHEUS_HEADERS.contentType, contentEncoding: PROMETHEUS_HEADERS.contentEncoding, remoteWriteVersion: PROMETHEUS_HEADERS.remoteWriteVersion }, { maxDecodedBytes: 1 << 26 }, served, () => END);
      reference.addRemoteWrite(batchSamples(soak, clock, shard, b, SIZE, reference.keeps), END);
    }
  });
  for (let i = 0; i < otlp.instances; i++) {
    for (let m = 0; m <= newestExport(otlp, END); m++) {
      const body = encodeExport(otlp, i, m);
      served.ingest(decodeOtlpMetrics(body, { contentType: 'application/x-protobuf' }, { maxDecodedBytes: 1 << 24, labels: config.labels }).batch, END);
      reference.addOtlp(body, END);
    }
  }
  const asOfMs = END + windows.sliceMs;
  const report = await runAnalysis({ config, upgrade, source: served, asOfMs, mode: 'sequential', now: () => new Date(asOfMs) });
  const json = { ...(JSON.parse(JSON.stringify(report)) as ReportJson), monitoring: { asOf: new Date(asOfMs).toISOString() } };
  expect(reference.rejected.size).toBe(0);
  return compareWithReference(json, reference, config, upgrade, ['svc-0', 'soak-otlp']);
}

describe('compareWithReference', () => {
  it("agrees with serve's report when serve stored everything it acknowledged", async () => {
    const result = await play(null);
    expect(result.mismatches).toEqual([]);
    // svc-0: latency per endpoint (4) and retries per peer (3); soak-otlp: 2 endpoints, 1 peer.
    expect(result.groups).toBe(4 + 3 + 2 + 1);
    expect(result.groupsWithFigures).toBeGreaterThan(0);
  });

  it('names the groups that differ when serve lost one acknowledged request', async () => {
    const result = await play({ shard: 0, batch: 10 });
    expect(result.mismatches.length).toBeGreaterThan(0);
    expect(result.mismatches.every((m) => m.includes('service="svc-0"'))).toBe(true);
  });

  it('needs a report of an upgrade still monitored', async () => {
    const reference = createReferenceStore({ soak, service: 'svc-0', config, retentionMs: serveRetentionMs(windows) });
    await expect(compareWithReference({ groups: [] }, reference, config, upgrade, ['svc-0'])).rejects.toThrow('no monitoring.asOf');
  });
});
