import { describe, expect, it } from 'vitest';
import { parseServeMetrics } from './soak-watch.js';

const EXPOSITION = `# HELP shiftguard_monitor_evaluations_total Evaluations of monitored upgrades.
# TYPE shiftguard_monitor_evaluations_total counter
shiftguard_monitor_evaluations_total{phase="sequential",outcome="ok"} 11
shiftguard_monitor_evaluations_total{phase="sequential",outcome="error"} 1
shiftguard_monitor_evaluations_total{phase="final",outcome="ok"} 2
shiftguard_monitor_evaluations_total{phase="final",outcome="error"} 0
shiftguard_detection_run_duration_seconds_sum{outcome="ok"} 3.5
shiftguard_detection_run_duration_seconds_count{outcome="ok"} 14
shiftguard_samples_ingested_total{protocol="remote_write"} 4160000
shiftguard_samples_ingested_total{protocol="otlp"} 1980
shiftguard_samples_rejected_total{protocol="remote_write",reason="out_of_order"} 3
shiftguard_samples_rejected_total{protocol="otlp",reason="nan_value"} 2
shiftguard_ingest_overloaded_total{protocol="remote_write",reason="in_flight"} 300
shiftguard_ingest_overloaded_total{protocol="remote_write",reason="detection"} 26
shiftguard_ingest_overloaded_total{protocol="otlp",reason="detection"} 4
shiftguard_series_store_bytes 45700000
shiftguard_series_store_budget_bytes 805306368
shiftguard_active_series 3072
shiftguard_nodejs_eventloop_lag_max_seconds 1.126
shiftguard_nodejs_eventloop_lag_p99_seconds 0.05
`;

describe('parseServeMetrics', () => {
  it("reads the soak's figures, summing over the labels it does not split by", () => {
    expect(parseServeMetrics(EXPOSITION)).toEqual({
      evaluationsOk: 13,
      evaluationsError: 1,
      analyses: 14,
      analysisSeconds: 3.5,
      ingestedRemoteWrite: 4_160_000,
      ingestedOtlp: 1980,
      rejected: 5,
      overloaded: 330,
      overloadedByReason: { in_flight: 300, memory_budget: 0, event_loop: 0, detection: 30 },
      failedPushes: 0,
      storeBytes: 45_700_000,
      storeBudgetBytes: 805_306_368,
      activeSeries: 3072,
      lagMaxSeconds: 1.126,
      lagP99Seconds: 0.05,
    });
  });

  it('counts counters prom-client has not exposed yet as 0, and a missing lag as unknown', () => {
    expect(parseServeMetrics('shiftguard_active_series 0\n')).toMatchObject({ failedPushes: 0, ingestedOtlp: 0, lagMaxSeconds: null });
  });
});
