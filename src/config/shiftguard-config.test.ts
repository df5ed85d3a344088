import { describe, expect, it } from 'vitest';
import { defaultConfig } from './shiftguard-config.js';

describe('defaultConfig', () => {
  it('holds the defaults of CONTRACT §3 and the documented extensions', () => {
    expect(defaultConfig()).toEqual({
      server: {
        listen: '127.0.0.1:8080',
        tokens: {
          viewer: { env: 'SHIFTGUARD_VIEWER_TOKEN' },
          operator: { env: 'SHIFTGUARD_OPERATOR_TOKEN' },
          ingest: { env: 'SHIFTGUARD_INGEST_TOKEN' },
        },
        tokensFile: null,
      },
      store: { url: 'sqlite:./data/shiftguard.db' },
      prometheus: { url: null, timeoutMs: 30_000 },
      labels: { instance: 'instance', service: 'service' },
      buildInfo: { metric: 'dten_build_info', binaryLabel: 'binary', versionLabel: 'version' },
      windows: { baselineMs: 7_200_000, afterMs: 3_600_000, settleMs: 300_000, sliceMs: 60_000 },
      alpha: 0.01,
      signals: [
        {
          name: 'latency',
          type: 'latency',
          metric: 'http_server_request_duration_seconds',
          by: ['service', 'endpoint'],
          quantiles: [0.5, 0.95, 0.99],
          minRelativeChange: 0.05,
          minAbsoluteChange: 0.002,
        },
        {
          name: 'retries',
          type: 'ratio',
          numerator: 'http_client_retries_total',
          denominator: 'http_client_requests_total',
          by: ['service', 'peer'],
          minRelativeChange: 0.1,
          minAbsoluteChange: 0,
        },
      ],
      detection: { bootstrapResamples: 400, seed: 1, minSlices: 5, minTailEvents: 10, minRatioEvents: 10 },
      monitoring: { delayMs: 60_000 },
      tuner: { guardrails: null, intervalMs: 15_000, leaseMs: 15_000 },
      alerts: {
        externalUrl: null,
        alertmanager: { url: null, resendIntervalMs: 60_000, timeoutMs: 10_000, severity: 'warning' },
        webhook: { url: null, secret: { env: 'SHIFTGUARD_WEBHOOK_SECRET' }, timeoutMs: 10_000, maxAttempts: 6 },
      },
      grafana: { url: null, tokenEnv: 'GRAFANA_TOKEN', dashboardUid: null, tags: [], intervalMs: 30_000, timeoutMs: 10_000 },
      outbound: { allowHosts: [], allowLoopback: false, allowPrivate: true },
    });
  });

  it('is deeply frozen and a fresh value each call', () => {
    const config = defaultConfig();
    expect(Object.isFrozen(config.signals[0])).toBe(true);
    expect(Object.isFrozen(config.server.tokens.viewer)).toBe(true);
    expect(defaultConfig()).not.toBe(config);
  });
});
