import { SHIPPED_GUARDRAILS_TEXT } from '../../test/support/shipped-guardrails.js';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.js';
import { parseGuardrails, rulesFor } from './guardrails-config.js';

const SHIPPED = SHIPPED_GUARDRAILS_TEXT;

function issuesOf(text: string): string[] {
  try {
    parseGuardrails(text, 'guardrails.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n').slice(1).map((l) => l.trim());
    throw error;
  }
  throw new Error('expected the guardrails to be refused');
}

describe('parseGuardrails', () => {
  it('reads the shipped file (the contract example)', () => {
    const g = parseGuardrails(SHIPPED, 'config/guardrails.yaml');
    expect(g.mode).toBe('enforce');
    expect(g.killSwitch).toBe(false);
    expect(g.unleash).toEqual({ url: 'http://127.0.0.1:4242/api', environment: 'production', project: 'default', tokenEnv: 'UNLEASH_ADMIN_TOKEN' });
    expect(g.limits).toEqual({ cooldownMs: 15 * 60_000, maxChangesPerDay: 6, verifyWindowMs: 10 * 60_000 });
    expect(g.rules[0]).toEqual({ kind: 'gate', flag: 'dten.sync.backoff-v2', may: ['disable'], when: { signals: ['retries'], binaries: ['dten-sync'] } });
    expect(g.rules[1]).toMatchObject({ kind: 'tune', flag: 'dten.sync.backoff', tune: { maxRetries: { min: 1, max: 5, maxStep: 0.5 } }, when: { signals: ['latency', 'retries'] } });
    expect(Object.isFrozen(g.rules)).toBe(true);
  });

  it('allows nothing when empty', () => {
    const g = parseGuardrails('', 'guardrails.yaml');
    expect(g.rules).toEqual([]);
    expect(g.mode).toBe('enforce');
  });

  it('reports every bad field with its line and column', () => {
    const text = [
      'mode: yolo',
      'rules:',
      '  - flag: a',
      '    may: [explode]',
      '    when: { signal: retries, binary: x }',
      '  - flag: b',
      '    tune:',
      '      baseDelayMs: { min: 400, max: 50, maxStep: 2 }',
      '    when: { signal: retries }',
      '  - flag: a',
      '    may: [disable]',
      '    tune: { x: { min: 1, max: 2, maxStep: 0.5 } }',
      '    when: { signal: retries, binary: x }',
      'limits: { cooldown: soon }',
    ].join('\n');
    const issues = issuesOf(text);
    expect(issues.join('\n')).toMatch(/guardrails\.yaml:1:7.*mode.*enforce or dry-run/);
    expect(issues.join('\n')).toMatch(/:4:.*rules\[0\]\.may\[0\].*disable or enable/);
    expect(issues.join('\n')).toMatch(/rules\[1\]\.tune\.baseDelayMs\.max.*max >= min/);
    expect(issues.join('\n')).toMatch(/rules\[1\]\.tune\.baseDelayMs\.maxStep.*fraction in \(0, 1\]/);
    expect(issues.join('\n')).toMatch(/rules\[1\]\.when\.binary/);
    expect(issues.join('\n')).toMatch(/rules\[2\].*exactly one of `may`/);
    expect(issues.join('\n')).toMatch(/limits\.cooldown/);
  });

  it('refuses two rules for one flag', () => {
    const rule = '  - flag: a\n    may: [disable]\n    when: { signal: retries, binary: x }';
    expect(issuesOf(`rules:\n${rule}\n${rule}`)).toEqual(['guardrails.yaml:5:11: rules[1].flag: flag a already has a rule (rules[0]): one rule per flag']);
  });
});

describe('rulesFor', () => {
  it('finds the rules whose trigger names the signal and the binary', () => {
    const g = parseGuardrails(SHIPPED, 'config/guardrails.yaml');
    expect(rulesFor(g, 'retries', 'dten-sync').map((r) => r.flag)).toEqual(['dten.sync.backoff-v2', 'dten.sync.backoff']);
    expect(rulesFor(g, 'latency', 'dten-sync').map((r) => r.flag)).toEqual(['dten.sync.backoff']);
    expect(rulesFor(g, 'retries', 'dten-gateway')).toEqual([]);
  });
});
