import { describe, expect, it } from 'vitest';
import { decodeOtlpMetrics } from '../../src/ingest/otlp/index.js';
import { OTLP_SAMPLES_PER_EXPORT, OTLP_SERVICE, encodeExport, exportTimeMs, newestExport, otlpInstanceName } from './soak-otlp.js';

const plan = { seed: 2, instances: 3, startMs: 1_760_000_000_000, intervalMs: 1000 };
const decode = (body: Uint8Array) => decodeOtlpMetrics(body, { contentType: 'application/x-protobuf' }, { maxDecodedBytes: 1 << 24, labels: { instance: 'instance', service: 'service' } });

describe('the OTLP exporters', () => {
  it("export what the configured signals read, labelled with the instance's service and name", () => {
    const { batch, rejectedDataPoints } = decode(encodeExport(plan, 1, 4));
    expect(rejectedDataPoints).toBe(0);
    expect(new Set(batch.series.map((s) => s.name))).toEqual(
      new Set(['http_server_request_duration_seconds_bucket', 'http_server_request_duration_seconds_count', 'http_server_request_duration_seconds_sum', 'http_client_requests_total', 'http_client_retries_total']),
    );
    for (const s of batch.series) expect(s.labels).toMatchObject({ service: OTLP_SERVICE, instance: otlpInstanceName(1) });
    expect(batch.series.every((s) => s.temporality === 'cumulative' && s.timestampsMs[0] === exportTimeMs(plan, 4))).toBe(true);
  });

  it(`turn one export into ${OTLP_SAMPLES_PER_EXPORT} samples`, () => {
    expect(decode(encodeExport(plan, 0, 0)).batch.series.reduce((n, s) => n + s.values.length, 0)).toBe(OTLP_SAMPLES_PER_EXPORT);
  });

  it('only let their cumulative counts grow from export to export', () => {
    const values = (m: number): Map<string, number> => new Map(decode(encodeExport(plan, 2, m)).batch.series.map((s) => [`${s.name}${JSON.stringify(s.labels)}`, s.values[0] ?? NaN]));
    for (let m = 0; m < 30; m++) {
      const [now, next] = [values(m), values(m + 1)];
      for (const [key, value] of now) expect(next.get(key), key).toBeGreaterThanOrEqual(value);
    }
  });

  it('find the newest export due at any time', () => {
    expect(newestExport(plan, plan.startMs + 999)).toBe(-1);
    expect(newestExport(plan, exportTimeMs(plan, 0))).toBe(0);
    expect(newestExport(plan, exportTimeMs(plan, 7) + 999)).toBe(7);
  });
});
