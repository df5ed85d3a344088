import { describe, expect, it } from 'vitest';
import { DemoUnleashError, demoUnleashFromEnv } from './demo-unleash.js';

describe('demoUnleashFromEnv', () => {
  it('is null without UNLEASH_URL (in-memory flags), even with tokens set', () => {
    expect(demoUnleashFromEnv({ UNLEASH_ADMIN_TOKEN: 'a' })).toBeNull();
    expect(demoUnleashFromEnv({ UNLEASH_URL: '  ' })).toBeNull();
  });

  it('defaults to the default project and the development environment, and finds the client token itself', () => {
    expect(demoUnleashFromEnv({ UNLEASH_URL: 'http://unleash:4242/api/', UNLEASH_ADMIN_TOKEN: ' *:*.secret ' })).toEqual({
      url: 'http://unleash:4242/api',
      adminToken: '*:*.secret',
      clientToken: null,
      project: 'default',
      environment: 'development',
    });
  });

  it('takes the project, environment and client token from the environment', () => {
    const unleash = demoUnleashFromEnv({ UNLEASH_URL: 'https://flags.example/api', UNLEASH_ADMIN_TOKEN: 'a', UNLEASH_CLIENT_TOKEN: 'c', UNLEASH_PROJECT: 'dten', UNLEASH_ENVIRONMENT: 'staging' });
    expect(unleash).toMatchObject({ clientToken: 'c', project: 'dten', environment: 'staging' });
  });

  it.each([
    [{ UNLEASH_URL: 'unleash:4242', UNLEASH_ADMIN_TOKEN: 'a' }, /UNLEASH_URL: expected/],
    [{ UNLEASH_URL: 'ftp://unleash/api', UNLEASH_ADMIN_TOKEN: 'a' }, /UNLEASH_URL: expected an http\(s\) URL/],
    [{ UNLEASH_URL: 'http://unleash:4242', UNLEASH_ADMIN_TOKEN: 'a' }, /ending in \/api.*http:\/\/unleash:4242\/api/],
    [{ UNLEASH_URL: 'http://unleash:4242/api' }, /UNLEASH_ADMIN_TOKEN: .*unset or empty/],
  ])('refuses %o, naming the variable', (env, message) => {
    expect(() => demoUnleashFromEnv(env)).toThrow(DemoUnleashError);
    expect(() => demoUnleashFromEnv(env)).toThrow(message);
  });
});
