import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.js';
import { AlertsConfigSchema, resolveWebhookSecret } from './alerts-config.js';

describe('AlertsConfigSchema', () => {
  it('turns every sink off by default', () => {
    expect(AlertsConfigSchema.parse({})).toEqual({
      externalUrl: null,
      alertmanager: { url: null, resendIntervalMs: 60_000, timeoutMs: 10_000, severity: 'warning' },
      webhook: { url: null, secret: { env: 'SHIFTGUARD_WEBHOOK_SECRET' }, timeoutMs: 10_000, maxAttempts: 6 },
    });
  });

  it('parses durations and strips trailing slashes from URLs', () => {
    const config = AlertsConfigSchema.parse({
      externalUrl: 'https://shiftguard.example/',
      alertmanager: { url: 'http://alertmanager:9093/', resendInterval: '30s', timeout: '5s', severity: 'critical' },
      webhook: { url: 'https://hooks.example/sg', secret: { env: 'HOOK_KEY' }, timeout: '2s', maxAttempts: 3 },
    });
    expect(config.externalUrl).toBe('https://shiftguard.example');
    expect(config.alertmanager).toEqual({ url: 'http://alertmanager:9093', resendIntervalMs: 30_000, timeoutMs: 5000, severity: 'critical' });
    expect(config.webhook).toEqual({ url: 'https://hooks.example/sg', secret: { env: 'HOOK_KEY' }, timeoutMs: 2000, maxAttempts: 3 });
  });

  it('names each bad field', () => {
    const result = AlertsConfigSchema.safeParse({
      externalUrl: 'ftp://x',
      alertmanager: { url: 'alertmanager:9093', resendInterval: '500ms', severity: '' },
      webhook: { secret: 'inline-secret', maxAttempts: 0, retries: 3 },
    });
    expect(result.success).toBe(false);
    const issues = (result.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues).toEqual(
      expect.arrayContaining([
        'externalUrl: expected an http(s) URL or null, got "ftp://x"',
        'alertmanager.url: expected an http(s) URL or null, got "alertmanager:9093"',
        'alertmanager.resendInterval: expected a duration of at least 1s, got "500ms"',
        'alertmanager.severity: expected a non-empty severity label value, e.g. warning, got ""',
        'webhook.secret: expected a mapping { env: VARIABLE }, got "inline-secret"',
        'webhook.maxAttempts: expected an integer in [1, 100], got 0',
      ]),
    );
    expect(issues.some((i) => i.startsWith('webhook:') && i.includes('expected one of: url, secret, timeout, maxAttempts'))).toBe(true);
  });
});

describe('resolveWebhookSecret', () => {
  const webhook = AlertsConfigSchema.parse({ webhook: { url: 'http://127.0.0.1:1/hook' } }).webhook;

  it('is null while the webhook is off, whatever the environment', () => {
    expect(resolveWebhookSecret(AlertsConfigSchema.parse({}).webhook, {})).toBeNull();
  });

  it('reads the named variable', () => {
    expect(resolveWebhookSecret(webhook, { SHIFTGUARD_WEBHOOK_SECRET: 'k' })).toBe('k');
  });

  it('refuses a missing or empty variable with an error naming it', () => {
    expect(() => resolveWebhookSecret(webhook, {})).toThrow(ConfigError);
    expect(() => resolveWebhookSecret(webhook, {})).toThrow(/SHIFTGUARD_WEBHOOK_SECRET.*not set/);
    expect(() => resolveWebhookSecret(webhook, { SHIFTGUARD_WEBHOOK_SECRET: '' })).toThrow(/SHIFTGUARD_WEBHOOK_SECRET.*empty/);
  });
});
