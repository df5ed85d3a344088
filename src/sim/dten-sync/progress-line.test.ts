import { describe, expect, it } from 'vitest';
import { V1_DEFAULTS, V2_DEFAULTS, describeStrategy } from './backoff.js';
import type { BackoffStrategy } from './backoff.js';
import type { InstanceState } from './client-stats.js';
import { progressLine } from './progress-line.js';

function state(instance: string, version: string, strategy: BackoffStrategy): InstanceState {
  return { instance, version, strategy, description: describeStrategy(strategy) };
}

describe('progress line', () => {
  it('gives rate, retries per request, p99, export outcomes, and the strategy of each instance, grouped', () => {
    const v1: BackoffStrategy = { kind: 'v1', v1: V1_DEFAULTS };
    const v2: BackoffStrategy = { kind: 'v2', constants: V2_DEFAULTS, source: 'flag' };
    const line = progressLine(
      { requests: 250, ratePerSecond: 50, retriesPerRequest: 0.1234, p99Ms: 431.6 },
      [state('dten-sync-0', '2.0.0', v2), state('dten-sync-1', '2.0.0', v2), state('dten-sync-2', '1.0.0', v1)],
      { ok: 12, failed: 1, lastError: 'boom' },
    );
    expect(line).toBe('dten-sync: 50.0 req/s, 0.123 retries/req, p99 432 ms, otlp 12 ok/1 failed | '
      + 'dten-sync-0,dten-sync-1 2.0.0 v2(20ms*1.5^k<=2000ms x5 full); dten-sync-2 1.0.0 v1(400ms x2)');
  });

  it('says so when a window had no requests or export is off', () => {
    const line = progressLine({ requests: 0, ratePerSecond: 0, retriesPerRequest: NaN, p99Ms: NaN }, [], null);
    expect(line).toBe('dten-sync: 0.0 req/s, - retries/req, p99 -, otlp off | ');
  });
});
