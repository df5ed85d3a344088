import { describe, expect, it } from 'vitest';
import type { OperationalAlert } from './operational-alerts.js';
import { sampleFinding } from './sample-finding.js';
import { webhookBody } from './webhook-payload.js';

const T0 = Date.parse('2026-04-10T13:00:00Z');
const frozen: OperationalAlert = {
  name: 'ShiftguardFlagFrozen',
  key: 'dten.sync.backoff',
  labels: { flag: 'dten.sync.backoff' },
  summary: 'flag dten.sync.backoff frozen after 3 automatic reverts in a row',
  description: 'reverted at 12:00, 12:10 and 12:20',
  severity: 'critical',
};

describe('webhookBody', () => {
  it('shows a finding event as the API shows the finding, with reasons for updates only', () => {
    const opened = JSON.parse(webhookBody({ kind: 'opened', finding: sampleFinding(), reasons: [] }, T0)) as Record<string, unknown>;
    expect(opened).toMatchObject({ event: 'opened', sentAt: '2026-04-10T13:00:00.000Z', finding: { id: '1', upgrade: 'dten-2026.04', resolvedAt: null } });
    expect(opened).not.toHaveProperty('reasons');
    const updated = JSON.parse(webhookBody({ kind: 'updated', finding: sampleFinding(), reasons: ['verdict regression → inconclusive'] }, T0)) as Record<string, unknown>;
    expect(updated['reasons']).toEqual(['verdict regression → inconclusive']);
  });

  it('shows a raised operational alert without resolvedAt', () => {
    const body = JSON.parse(webhookBody({ kind: 'operational.raised', alert: frozen, severity: 'critical', raisedAtMs: T0 - 60_000, resolvedAtMs: null }, T0));
    expect(body).toEqual({
      event: 'operational.raised',
      sentAt: '2026-04-10T13:00:00.000Z',
      alert: {
        name: 'ShiftguardFlagFrozen',
        key: 'dten.sync.backoff',
        labels: { flag: 'dten.sync.backoff' },
        summary: 'flag dten.sync.backoff frozen after 3 automatic reverts in a row',
        description: 'reverted at 12:00, 12:10 and 12:20',
        severity: 'critical',
        raisedAt: '2026-04-10T12:59:00.000Z',
      },
    });
  });

  it('shows a resolved operational alert with its resolve time and the effective severity', () => {
    const { severity: _own, ...plain } = frozen;
    const body = JSON.parse(webhookBody({ kind: 'operational.resolved', alert: plain, severity: 'warning', raisedAtMs: T0 - 60_000, resolvedAtMs: T0 }, T0 + 5));
    expect(body.event).toBe('operational.resolved');
    expect(body.alert).toMatchObject({ severity: 'warning', raisedAt: '2026-04-10T12:59:00.000Z', resolvedAt: '2026-04-10T13:00:00.000Z' });
  });
});
