import { describe, expect, it } from 'vitest';
import { ALERT_NAME, alertLabels, groupLabelNames, labelSetKey, operationalLabels, sanitizeLabelName } from './alert-labels.js';
import { sampleFinding } from './sample-finding.js';

describe('sanitizeLabelName', () => {
  it('keeps classic names and maps other characters to _', () => {
    expect(sanitizeLabelName('service')).toBe('service');
    expect(sanitizeLabelName('http.method')).toBe('http_method');
    expect(sanitizeLabelName('k8s-pod/name')).toBe('k8s_pod_name');
    expect(sanitizeLabelName('späti')).toBe('sp_ti');
  });

  it('prefixes names that would start with a digit, and the empty name', () => {
    expect(sanitizeLabelName('2xx')).toBe('_2xx');
    expect(sanitizeLabelName('')).toBe('_');
  });
});

describe('groupLabelNames', () => {
  it('prefixes reserved names with group_', () => {
    const mapping = groupLabelNames(['signal', 'severity', 'alertname', 'upgrade', 'service']);
    expect(Object.fromEntries(mapping)).toEqual({
      signal: 'group_signal',
      severity: 'group_severity',
      alertname: 'group_alertname',
      upgrade: 'group_upgrade',
      service: 'service',
    });
  });

  it('keeps names distinct when they collide after sanitizing, whatever the input order', () => {
    const one = Object.fromEntries(groupLabelNames(['a_b', 'a.b', 'a-b']));
    const two = Object.fromEntries(groupLabelNames(['a-b', 'a_b', 'a.b']));
    expect(one).toEqual(two);
    expect(new Set(Object.values(one)).size).toBe(3);
    expect(one).toEqual({ 'a-b': 'a_b', 'a.b': 'a_b_2', a_b: 'a_b_3' });
  });

  it('does not let a group_ prefix collide with a group label of that name', () => {
    const mapping = Object.fromEntries(groupLabelNames(['signal', 'group_signal']));
    expect(new Set(Object.values(mapping)).size).toBe(2);
  });
});

describe('alertLabels', () => {
  it('has alertname, upgrade, signal, severity and the group labels', () => {
    expect(alertLabels(sampleFinding(), 'warning')).toEqual({
      alertname: ALERT_NAME,
      upgrade: 'dten-2026.04',
      signal: 'latency',
      severity: 'warning',
      service: 'gateway',
      endpoint: '/v1/route',
    });
  });

  it('is identical for re-sends of the same finding, whatever changes besides its identity', () => {
    const first = sampleFinding();
    const later = sampleFinding({ statistics: [], suspects: [], updatedAtMs: first.updatedAtMs + 60_000, labels: { endpoint: '/v1/route', service: 'gateway' } });
    expect(labelSetKey(alertLabels(later, 'warning'))).toBe(labelSetKey(alertLabels(first, 'warning')));
  });

  it('differs for findings of different groups, signals or upgrades', () => {
    const keys = [
      sampleFinding(),
      sampleFinding({ labels: { service: 'gateway', endpoint: '/v1/other' } }),
      sampleFinding({ signal: 'retries' }),
      sampleFinding({ upgradeId: 'dten-2026.05' }),
      sampleFinding({ labels: { service: 'gateway' } }),
    ].map((f) => labelSetKey(alertLabels(f, 'warning')));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('renames colliding and invalid group labels and leaves out empty values', () => {
    const labels = alertLabels(sampleFinding({ labels: { signal: 'x', 'http.route': '/a', zone: '' } }), 'critical');
    expect(labels).toEqual({ alertname: ALERT_NAME, upgrade: 'dten-2026.04', signal: 'latency', severity: 'critical', group_signal: 'x', http_route: '/a' });
    for (const name of Object.keys(labels)) expect(name).toMatch(/^[a-zA-Z_][a-zA-Z0-9_]*$/);
  });
});

describe('operationalLabels', () => {
  const alert = { name: 'ShiftguardFlagFrozen', key: 'dten.sync.backoff', labels: { flag: 'dten.sync.backoff' } };

  it('has alertname, severity, the extra labels and the key', () => {
    expect(operationalLabels(alert, 'warning')).toEqual({ alertname: 'ShiftguardFlagFrozen', severity: 'warning', flag: 'dten.sync.backoff', key: 'dten.sync.backoff' });
    expect(operationalLabels({ ...alert, severity: 'critical' }, 'warning')['severity']).toBe('critical');
  });

  it('leaves out an empty key, and a key whose label name an extra label already has', () => {
    expect(operationalLabels({ name: 'ShiftguardUnleashUnavailable', key: '', labels: {} }, 'warning')).toEqual({ alertname: 'ShiftguardUnleashUnavailable', severity: 'warning' });
    expect(operationalLabels({ ...alert, labels: { key: 'mine' } }, 'warning')['key']).toBe('mine');
  });

  it('never lets extra labels override alertname or severity, and sanitizes their names', () => {
    const labels = operationalLabels({ ...alert, labels: { alertname: 'X', severity: 'none', 'unleash.env': 'prod', empty: '' } }, 'warning');
    expect(labels).toEqual({
      alertname: 'ShiftguardFlagFrozen',
      severity: 'warning',
      label_alertname: 'X',
      label_severity: 'none',
      unleash_env: 'prod',
      key: 'dten.sync.backoff',
    });
  });
});
