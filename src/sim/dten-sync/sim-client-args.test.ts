import { describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/cli-io.js';
import { parseSimClientArgs } from './sim-client-args.js';

const NOW = Date.parse('2026-04-10T12:00:00Z');
const BASE = ['--unleash-url', 'http://127.0.0.1:4242/api', '--unleash-token', 'default:development.abc'];

describe('sim-client arguments', () => {
  it('needs only the Unleash URL and token; everything else keeps the client defaults', () => {
    expect(parseSimClientArgs(BASE, {}, NOW)).toEqual({
      options: { unleashUrl: 'http://127.0.0.1:4242/api', unleashToken: 'default:development.abc', partnerFaults: {}, v1: {} },
      durationMs: null,
    });
  });

  it('reads every option, with Prometheus-style durations', () => {
    const { options, durationMs } = parseSimClientArgs([
      ...BASE, '--shiftguard-url', 'http://127.0.0.1:8080', '--ingest-token', 'ingest-t', '--rate', '120.5', '--instances', '6',
      '--upgrade-at', '2026-04-10T12:05:00Z', '--upgrade-stagger', '2s', '--seed', '7', '--refresh-interval', '1s', '--export-interval', '500ms',
      '--progress-interval', '10s', '--gate-flag', 'g', '--tune-flag', 't', '--partner-base-failure', '0.1', '--partner-soon-failure', '0.9',
      '--partner-recovery', '300ms', '--partner-latency', '20ms', '--v1-delay', '1s', '--v1-max-retries', '3', '--unleash-timeout', '3s', '--duration', '1m',
    ], {}, NOW);
    expect(options).toEqual({
      unleashUrl: 'http://127.0.0.1:4242/api', unleashToken: 'default:development.abc', shiftguardUrl: 'http://127.0.0.1:8080', ingestToken: 'ingest-t',
      ratePerSecond: 120.5, instances: 6, upgradeAtMs: NOW + 300_000, upgradeStaggerMs: 2000, seed: 7, refreshIntervalMs: 1000, exportIntervalMs: 500,
      progressIntervalMs: 10_000, unleashTimeoutMs: 3000, gateFlag: 'g', tuneFlag: 't',
      partnerFaults: { baseFailure: 0.1, soonFailure: 0.9, recoveryMs: 300, latencyMs: 20 }, v1: { delayMs: 1000, maxRetries: 3 },
    });
    expect(durationMs).toBe(60_000);
  });

  it('takes --upgrade-at as epoch ms, ISO-8601 or +duration from now', () => {
    const at = (text: string): number | undefined => parseSimClientArgs([...BASE, '--upgrade-at', text], {}, NOW).options.upgradeAtMs;
    expect(at('1775822400000')).toBe(1775822400000);
    expect(at('2026-04-10T12:00:05.5Z')).toBe(NOW + 5500);
    expect(at('+5s')).toBe(NOW + 5000);
    expect(() => at('tomorrow')).toThrow(/--upgrade-at: expected epoch milliseconds, an ISO-8601 time/);
  });

  it('takes the tokens from the environment when not given', () => {
    const { options } = parseSimClientArgs(['--unleash-url', 'u', '--shiftguard-url', 's'], { UNLEASH_CLIENT_TOKEN: 'c', SHIFTGUARD_INGEST_TOKEN: 'i' }, NOW);
    expect(options).toMatchObject({ unleashToken: 'c', ingestToken: 'i' });
  });

  it.each([
    [['--unleash-token', 't'], '--unleash-url is required'],
    [['--unleash-url', 'u'], '--unleash-token (or env UNLEASH_CLIENT_TOKEN) is required'],
    [[...BASE, '--shiftguard-url', 's'], '--ingest-token (or env SHIFTGUARD_INGEST_TOKEN) with --shiftguard-url is required'],
    [[...BASE, '--rate', 'fast'], '--rate: expected a number, got "fast"'],
    [[...BASE, '--instances', '2.5'], '--instances: expected an integer'],
    [[...BASE, '--partner-base-failure', '2'], '--partner-base-failure: expected a probability in [0, 1]'],
    [[...BASE, '--duration', '1.5s'], '--duration: invalid duration "1.5s": fractions are not allowed'],
  ])('%j is a usage error: %s', (args, message) => {
    const attempt = (): unknown => parseSimClientArgs(args, {}, NOW);
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(message);
  });
});
