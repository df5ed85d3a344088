import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load-config.js';
import { resolveGrafanaTarget } from './grafana-config.js';
import { configError } from '../../test/support/config-error.js';

/** The `grafana:` section of shiftguard.yaml `yaml` (indented under `grafana:`). */
const grafanaOf = (yaml: string) => parseConfig(`grafana:\n${yaml}`, 'shiftguard.yaml').grafana;


describe('the grafana section of shiftguard.yaml', () => {
  it('is off by default', () => {
    expect(parseConfig('', null).grafana).toEqual({ url: null, tokenEnv: 'GRAFANA_TOKEN', dashboardUid: null, tags: [], intervalMs: 30_000, timeoutMs: 10_000 });
  });

  it('reads every field, durations in ms, the URL without trailing slashes but with its sub-path', () => {
    expect(grafanaOf('  url: https://grafana.example.com/grafana/\n  tokenEnv: SG_GRAFANA\n  dashboardUid: dten-ops_1\n  tags: [dten, prod]\n  interval: 1m\n  timeout: 5s\n')).toEqual({
      url: 'https://grafana.example.com/grafana',
      tokenEnv: 'SG_GRAFANA',
      dashboardUid: 'dten-ops_1',
      tags: ['dten', 'prod'],
      intervalMs: 60_000,
      timeoutMs: 5_000,
    });
  });

  it('refuses a URL that is not http(s), naming the field and the line', () => {
    expect(configError(() => grafanaOf('  url: grafana.local:3000\n')).message).toBe(
      'invalid configuration shiftguard.yaml (1 problem):\nshiftguard.yaml:2:8: grafana.url: expected an http(s) URL or null, got "grafana.local:3000"',
    );
    expect(configError(() => grafanaOf('  url: ftp://grafana.local\n')).issues.map((i) => i.path)).toEqual(['grafana.url']);
  });

  it('refuses a URL carrying user:password, pointing at tokenEnv', () => {
    expect(configError(() => grafanaOf('  url: https://admin:admin@grafana.local\n')).issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'grafana.url: expected a URL without user:password (the token is read from the variable named by grafana.tokenEnv)',
    ]);
  });

  it('refuses a bad dashboard UID, duplicate or empty tags, a bad variable name, a short interval and unknown keys, all at once', () => {
    const error = configError(() => grafanaOf('  dashboardUid: "has space"\n  tags: [a, a, ""]\n  tokenEnv: 1X\n  interval: 500ms\n  panel: 3\n'));
    expect(error.issues.map((i) => i.path).sort()).toEqual(['grafana.dashboardUid', 'grafana.interval', 'grafana.panel', 'grafana.tags[1]', 'grafana.tags[2]', 'grafana.tokenEnv']);
    expect(error.message).toContain('grafana.panel: unknown key "panel"; expected one of: url, tokenEnv, dashboardUid, tags, interval, timeout');
    expect(error.message).toContain('grafana.dashboardUid: expected a Grafana dashboard UID (1 to 40 letters, digits, - or _), got "has space"');
  });
});

describe('resolveGrafanaTarget', () => {
  const on = grafanaOf('  url: http://grafana.internal:3000\n  dashboardUid: ops\n');

  it('is null while the push is off, whatever the environment', () => {
    expect(resolveGrafanaTarget(parseConfig('', null).grafana, {})).toBeNull();
  });

  it('reads the token from the named variable (trimmed) into the target', () => {
    expect(resolveGrafanaTarget(on, { GRAFANA_TOKEN: ' glsa_abc \n' })).toEqual({ ...on, url: 'http://grafana.internal:3000', token: 'glsa_abc' });
  });

  it('refuses to start without the token, naming grafana.tokenEnv and the variable', () => {
    const unset = configError(() => resolveGrafanaTarget(on, {}));
    expect(unset.issues).toEqual([
      { path: 'grafana.tokenEnv', source: 'env GRAFANA_TOKEN', message: 'grafana.url is set, so the environment variable GRAFANA_TOKEN must hold a Grafana service-account token, but it is not set' },
    ]);
    expect(unset.message).toBe('invalid configuration (1 problem):\nenv GRAFANA_TOKEN: grafana.tokenEnv: grafana.url is set, so the environment variable GRAFANA_TOKEN must hold a Grafana service-account token, but it is not set');
    expect(configError(() => resolveGrafanaTarget(on, { GRAFANA_TOKEN: '  ' })).issues[0]?.message).toMatch(/but it is empty$/);
  });
});
