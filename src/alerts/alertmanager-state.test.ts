import { describe, expect, it } from 'vitest';
import { RESOLVED_RETENTION_MS, RESOLVED_SENDS, createAlertmanagerState } from './alertmanager-state.js';
import type { AlertBatch } from './alertmanager-state.js';
import type { OperationalAlert } from './operational-alerts.js';
import { sampleFinding } from './sample-finding.js';

const MINUTE = 60_000;
const T0 = Date.parse('2026-04-10T13:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();
const newState = (externalUrl: string | null = null) => createAlertmanagerState({ resendIntervalMs: MINUTE, severity: 'warning', externalUrl });

describe('alertmanager state', () => {
  it('sends an open finding as an active alert valid for four resend intervals', () => {
    const state = newState('https://shiftguard.example');
    expect(state.apply([sampleFinding()], [], T0)).toBe(true);
    const { alerts, resolvedIds } = state.batch(T0);
    expect(resolvedIds).toEqual([]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.startsAt).toBe('2026-04-10T12:06:00.000Z');
    expect(alerts[0]?.endsAt).toBe(iso(T0 + 4 * MINUTE));
    expect(alerts[0]?.generatorURL).toBe('https://shiftguard.example/api/v1/findings?upgrade=dten-2026.04');
    expect(alerts[0]?.labels['alertname']).toBe('ShiftguardRegression');
    expect(alerts[0]?.annotations['summary']).toContain('+50.0%');
  });

  it('omits generatorURL without an external URL', () => {
    const state = newState();
    state.apply([sampleFinding()], [], T0);
    expect(state.batch(T0).alerts[0]).not.toHaveProperty('generatorURL');
  });

  it('asks for an immediate send only when something changed', () => {
    const state = newState();
    expect(state.apply([sampleFinding()], [], T0)).toBe(true);
    expect(state.apply([sampleFinding({ updatedAtMs: T0 })], [], T0 + MINUTE)).toBe(false);
    expect(state.apply([sampleFinding({ suspects: [] })], [], T0 + 2 * MINUTE)).toBe(true);
  });

  it('extends endsAt on each resend and keeps the labels', () => {
    const state = newState();
    state.apply([sampleFinding()], [], T0);
    const first = state.batch(T0).alerts[0];
    const second = state.batch(T0 + MINUTE).alerts[0];
    expect(second?.labels).toEqual(first?.labels);
    expect(second?.endsAt).toBe(iso(T0 + 5 * MINUTE));
  });

  it('resolves a finding that left the open set at its resolve time, for three successful sends', () => {
    const state = newState();
    const finding = sampleFinding();
    state.apply([finding], [], T0);
    const resolvedAt = T0 + 90_000;
    expect(state.apply([], [{ ...finding, resolvedAtMs: resolvedAt }], T0 + 2 * MINUTE)).toBe(true);
    expect(state.activeCount).toBe(0);
    for (let send = 1; send <= RESOLVED_SENDS; send++) {
      const batch = state.batch(T0 + (2 + send) * MINUTE);
      expect(batch.alerts).toHaveLength(1);
      expect(batch.alerts[0]?.endsAt).toBe(iso(resolvedAt));
      expect(batch.resolvedIds).toEqual([finding.id]);
      state.delivered(batch);
    }
    expect(state.batch(T0 + 10 * MINUTE).alerts).toHaveLength(0);
    expect(state.resolvingCount).toBe(0);
  });

  it('uses the current time as resolve time when a finding vanished without a resolved record', () => {
    const state = newState();
    state.apply([sampleFinding()], [], T0);
    state.apply([], [], T0 + MINUTE);
    expect(state.batch(T0 + MINUTE).alerts[0]?.endsAt).toBe(iso(T0 + MINUTE));
  });

  it('treats an open-set entry with resolvedAtMs as resolved', () => {
    const state = newState();
    state.apply([sampleFinding()], [], T0);
    state.apply([sampleFinding({ resolvedAtMs: T0 + 1000 })], [], T0 + MINUTE);
    const batch = state.batch(T0 + MINUTE);
    expect(batch.resolvedIds).toEqual(['1']);
    expect(batch.alerts[0]?.endsAt).toBe(iso(T0 + 1000));
  });

  it('counts only accepted batches towards the resolved sends (a failed POST is retried)', () => {
    const state = newState();
    state.apply([sampleFinding()], [], T0);
    state.apply([], [], T0 + MINUTE);
    for (let failed = 0; failed < 5; failed++) expect(state.batch(T0 + (2 + failed) * MINUTE).resolvedIds).toEqual(['1']);
    expect(state.resolvingCount).toBe(1);
  });

  it('gives up a resolved alert never accepted within the retention', () => {
    const state = newState();
    state.apply([sampleFinding()], [], T0);
    state.apply([], [], T0 + MINUTE);
    expect(state.expire(T0 + MINUTE + RESOLVED_RETENTION_MS - 1)).toEqual([]);
    expect(state.expire(T0 + MINUTE + RESOLVED_RETENTION_MS).map((e) => (e.kind === 'finding' ? e.finding.id : e.alert.name))).toEqual(['1']);
    expect(state.batch(T0 + 20 * MINUTE).alerts).toHaveLength(0);
  });

  it('sends a resolved finding it never saw open once more (after a restart), but only once per id', () => {
    const state = newState();
    const resolved = sampleFinding({ id: '7', resolvedAtMs: T0 - MINUTE });
    expect(state.apply([], [resolved], T0)).toBe(true);
    let batch: AlertBatch = state.batch(T0);
    expect(batch.resolvedIds).toEqual(['7']);
    for (let i = 0; i < RESOLVED_SENDS; i++) {
      batch = state.batch(T0 + i);
      state.delivered(batch);
    }
    expect(state.apply([], [resolved], T0 + MINUTE)).toBe(false);
    expect(state.batch(T0 + MINUTE).alerts).toHaveLength(0);
  });

  it('does not send the resolution of a finding whose group is open again under a new finding', () => {
    const state = newState();
    state.apply([sampleFinding({ id: '1' })], [], T0);
    state.apply([sampleFinding({ id: '2', openedAtMs: T0 + MINUTE })], [sampleFinding({ id: '1', resolvedAtMs: T0 + MINUTE })], T0 + MINUTE);
    const batch = state.batch(T0 + MINUTE);
    expect(batch.alerts).toHaveLength(1);
    expect(batch.resolvedIds).toEqual([]);
    expect(batch.alerts[0]?.annotations['finding_id']).toBe('2');
  });

  it('keeps several open findings apart', () => {
    const state = newState();
    state.apply([sampleFinding({ id: '1' }), sampleFinding({ id: '2', signal: 'retries', labels: { service: 'sync', peer: 'db' } })], [], T0);
    const { alerts } = state.batch(T0);
    expect(alerts.map((a) => a.labels['signal'])).toEqual(['latency', 'retries']);
  });
});

describe('alertmanager state: operational alerts', () => {
  const unavailable = (overrides: Partial<OperationalAlert> = {}): OperationalAlert => ({
    name: 'ShiftguardUnleashUnavailable',
    key: '',
    labels: { environment: 'production' },
    summary: 'Unleash at http://unleash:4242 is unreachable',
    description: 'GET /api/admin/projects answered HTTP 503 three times in a row',
    ...overrides,
  });
  const frozen: OperationalAlert = { name: 'ShiftguardFlagFrozen', key: 'dten.sync.backoff', labels: { flag: 'dten.sync.backoff' }, summary: 'frozen', description: '3 reverts', severity: 'critical' };

  it('sends a raised alert with the findings, valid for four resend intervals, from its first raise', () => {
    const state = newState('https://shiftguard.example');
    state.apply([sampleFinding()], [], T0);
    expect(state.raise(frozen, T0 + MINUTE)).toBe(true);
    const { alerts } = state.batch(T0 + 3 * MINUTE);
    expect(alerts.map((a) => a.labels['alertname'])).toEqual(['ShiftguardRegression', 'ShiftguardFlagFrozen']);
    expect(alerts[1]).toEqual({
      labels: { alertname: 'ShiftguardFlagFrozen', severity: 'critical', flag: 'dten.sync.backoff', key: 'dten.sync.backoff' },
      annotations: { summary: 'frozen', description: '3 reverts' },
      startsAt: iso(T0 + MINUTE),
      endsAt: iso(T0 + 7 * MINUTE),
      generatorURL: 'https://shiftguard.example/',
    });
    expect(state.operationalCount).toBe(1);
  });

  it('asks for an immediate send for a new alert or a new summary, not for a new description', () => {
    const state = newState();
    expect(state.raise(unavailable(), T0)).toBe(true);
    expect(state.raise(unavailable(), T0 + 1)).toBe(false);
    expect(state.raise(unavailable({ description: 'four times' }), T0 + 2)).toBe(false);
    expect(state.batch(T0 + 2).alerts[0]?.annotations['description']).toBe('four times');
    expect(state.raise(unavailable({ summary: 'Unleash answers 500' }), T0 + 3)).toBe(true);
    expect(state.batch(T0 + 3).alerts[0]?.startsAt).toBe(iso(T0));
  });

  it('sends a cleared alert with endsAt = the clear time until three POSTs carrying it succeeded', () => {
    const state = newState();
    state.raise(unavailable(), T0);
    expect(state.clear('ShiftguardUnleashUnavailable', '', T0 + MINUTE)).toBe(true);
    expect(state.clear('ShiftguardUnleashUnavailable', '', T0 + MINUTE)).toBe(false);
    expect(state.operationalCount).toBe(0);
    state.batch(T0 + 2 * MINUTE);
    for (let send = 1; send <= RESOLVED_SENDS; send++) {
      const batch = state.batch(T0 + (2 + send) * MINUTE);
      expect(batch.alerts.map((a) => [a.labels['alertname'], a.endsAt])).toEqual([['ShiftguardUnleashUnavailable', iso(T0 + MINUTE)]]);
      expect(batch.resolvedOperationalKeys).toHaveLength(1);
      state.delivered(batch);
    }
    expect(state.batch(T0 + 10 * MINUTE).alerts).toHaveLength(0);
  });

  it('clears only the alert of that name and key', () => {
    const state = newState();
    state.raise(frozen, T0);
    state.raise({ ...frozen, key: 'dten.gateway.pool', labels: { flag: 'dten.gateway.pool' } }, T0);
    expect(state.clear('ShiftguardFlagFrozen', 'nope', T0 + 1)).toBe(false);
    state.clear('ShiftguardFlagFrozen', 'dten.sync.backoff', T0 + 1);
    const { alerts } = state.batch(T0 + 1);
    expect(alerts.map((a) => [a.labels['flag'], a.endsAt])).toEqual([
      ['dten.gateway.pool', iso(T0 + 4 * MINUTE + 1)],
      ['dten.sync.backoff', iso(T0 + 1)],
    ]);
  });

  it('resolves the old label set when an alert is raised again with other labels', () => {
    const state = newState();
    state.raise(unavailable(), T0);
    expect(state.raise(unavailable({ labels: { environment: 'staging' } }), T0 + MINUTE)).toBe(true);
    const { alerts } = state.batch(T0 + MINUTE);
    expect(alerts.map((a) => [a.labels['environment'], a.endsAt])).toEqual([
      ['staging', iso(T0 + 5 * MINUTE)],
      ['production', iso(T0 + MINUTE)],
    ]);
  });

  it('does not send the resolution of an alert raised again before it was delivered', () => {
    const state = newState();
    state.raise(unavailable(), T0);
    state.clear('ShiftguardUnleashUnavailable', '', T0 + 1);
    state.raise(unavailable(), T0 + 2);
    const batch = state.batch(T0 + 2);
    expect(batch.alerts.map((a) => a.endsAt)).toEqual([iso(T0 + 4 * MINUTE + 2)]);
    expect(batch.alerts[0]?.startsAt).toBe(iso(T0 + 2));
    expect(batch.resolvedOperationalKeys).toEqual([]);
  });

  it('gives up a cleared alert never accepted within the retention', () => {
    const state = newState();
    state.raise(frozen, T0);
    state.clear('ShiftguardFlagFrozen', 'dten.sync.backoff', T0);
    expect(state.expire(T0 + RESOLVED_RETENTION_MS - 1)).toEqual([]);
    expect(state.expire(T0 + RESOLVED_RETENTION_MS)).toEqual([{ kind: 'operational', alert: frozen }]);
    expect(state.batch(T0 + RESOLVED_RETENTION_MS).alerts).toHaveLength(0);
  });
});
