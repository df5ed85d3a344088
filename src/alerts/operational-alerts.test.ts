import { describe, expect, it } from 'vitest';
import { checkOperationalAlert, createOperationalRegistry, materialOperationalChange, operationalIdentity, operationalSubject } from './operational-alerts.js';
import type { OperationalAlert } from './operational-alerts.js';

const T0 = Date.parse('2026-04-10T13:00:00Z');

const frozen = (overrides: Partial<OperationalAlert> = {}): OperationalAlert => ({
  name: 'ShiftguardFlagFrozen',
  key: 'dten.sync.backoff',
  labels: { flag: 'dten.sync.backoff' },
  summary: 'flag dten.sync.backoff frozen after 3 automatic reverts in a row',
  description: 'reverts at 12:00, 12:10, 12:20',
  severity: 'critical',
  ...overrides,
});

describe('operational registry', () => {
  it('announces the first raise, then nothing while only the description changes', () => {
    const registry = createOperationalRegistry('warning');
    const first = registry.raise(frozen(), T0);
    expect(first.event).toEqual({ kind: 'operational.raised', alert: frozen(), severity: 'critical', raisedAtMs: T0, resolvedAtMs: null });
    expect(registry.raise(frozen(), T0 + 1).event).toBeNull();
    expect(registry.raise(frozen({ description: 'reverts at 12:00, 12:10, 12:20, 12:30' }), T0 + 2).event).toBeNull();
    expect(registry.active()).toEqual([frozen({ description: 'reverts at 12:00, 12:10, 12:20, 12:30' })]);
  });

  it('announces again when the summary, the severity or a label changes, keeping the first raise time', () => {
    const registry = createOperationalRegistry('warning');
    registry.raise(frozen(), T0);
    const summary = registry.raise(frozen({ summary: 'flag dten.sync.backoff frozen after 4 reverts' }), T0 + 10).event;
    expect(summary?.kind).toBe('operational.raised');
    expect(summary?.raisedAtMs).toBe(T0);
    expect(registry.raise(frozen({ summary: 'flag dten.sync.backoff frozen after 4 reverts', severity: 'warning' }), T0 + 20).event?.severity).toBe('warning');
    expect(registry.raise(frozen({ summary: 'flag dten.sync.backoff frozen after 4 reverts', severity: 'warning', labels: { flag: 'x' } }), T0 + 30).event).not.toBeNull();
  });

  it('keeps alerts of one name apart by key, and resolves only the one cleared', () => {
    const registry = createOperationalRegistry('warning');
    registry.raise(frozen({ key: 'a', labels: { flag: 'a' } }), T0);
    registry.raise(frozen({ key: 'b', labels: { flag: 'b' } }), T0 + 1);
    const resolved = registry.clear('ShiftguardFlagFrozen', 'a', T0 + 60_000);
    expect(resolved).toMatchObject({ kind: 'operational.resolved', raisedAtMs: T0, resolvedAtMs: T0 + 60_000, alert: { key: 'a' } });
    expect(registry.active().map((a) => a.key)).toEqual(['b']);
  });

  it('clears nothing that is not active, and starts afresh after a clear', () => {
    const registry = createOperationalRegistry('warning');
    expect(registry.clear('ShiftguardUnleashUnavailable', '', T0)).toBeNull();
    registry.raise(frozen(), T0);
    registry.clear('ShiftguardFlagFrozen', 'dten.sync.backoff', T0 + 5);
    expect(registry.clear('ShiftguardFlagFrozen', 'dten.sync.backoff', T0 + 6)).toBeNull();
    expect(registry.raise(frozen(), T0 + 7).event?.raisedAtMs).toBe(T0 + 7);
  });

  it('fills in the configured severity when the alert has none', () => {
    const registry = createOperationalRegistry('page');
    const { severity: _omitted, ...withoutSeverity } = frozen();
    expect(registry.raise(withoutSeverity, T0).event?.severity).toBe('page');
  });

  it('holds a frozen copy, not the caller’s object', () => {
    const registry = createOperationalRegistry('warning');
    const labels: Record<string, string> = { flag: 'dten.sync.backoff' };
    registry.raise(frozen({ labels }), T0);
    labels['flag'] = 'changed';
    expect(registry.active()[0]?.labels).toEqual({ flag: 'dten.sync.backoff' });
    expect(Object.isFrozen(registry.active()[0])).toBe(true);
  });
});

describe('checkOperationalAlert', () => {
  it('refuses malformed alerts and the findings’ alertname', () => {
    expect(() => checkOperationalAlert(frozen({ name: '' }))).toThrow(/non-empty name/);
    expect(() => checkOperationalAlert(frozen({ name: 'ShiftguardRegression' }))).toThrow(/alertname of findings/);
    expect(() => checkOperationalAlert(frozen({ summary: undefined as unknown as string }))).toThrow(/summary must be a string/);
    expect(() => checkOperationalAlert(frozen({ labels: { flag: 3 as unknown as string } }))).toThrow(/label flag must be a string/);
    expect(() => checkOperationalAlert(frozen({ labels: null as unknown as Record<string, string> }))).toThrow(/labels must be an object/);
    expect(() => checkOperationalAlert(frozen({ severity: '' }))).toThrow(/severity/);
  });
});

describe('helpers', () => {
  it('names an alert for logs and identifies it without collisions', () => {
    expect(operationalSubject({ name: 'ShiftguardUnleashUnavailable', key: '' })).toBe('ShiftguardUnleashUnavailable');
    expect(operationalSubject({ name: 'ShiftguardFlagFrozen', key: 'f' })).toBe('ShiftguardFlagFrozen/f');
    expect(operationalIdentity('a/b', '')).not.toBe(operationalIdentity('a', 'b'));
  });

  it('treats a description change as immaterial', () => {
    expect(materialOperationalChange(frozen(), frozen({ description: 'other' }), 'warning')).toBe(false);
    expect(materialOperationalChange(frozen({ severity: undefined }), frozen({ severity: 'warning' }), 'warning')).toBe(false);
    expect(materialOperationalChange(frozen(), frozen({ labels: { flag: 'dten.sync.backoff', env: 'prod' } }), 'warning')).toBe(true);
  });
});
