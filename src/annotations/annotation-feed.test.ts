import { describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../store/state-store.js';
import { validateUpgrade } from '../upgrades/load-upgrade.js';
import { annotationFeed, decisionAnnotation, upgradeAnnotation } from './annotation-feed.js';

const T0 = Date.parse('2026-04-10T12:00:00Z');

const finished = validateUpgrade(
  {
    id: 'dten-2026.04',
    package: 'Full-upgrade-package-dten.zip',
    startedAt: '2026-04-10T12:00:00Z',
    finishedAt: '2026-04-10T12:40:00Z',
    binaries: [{ name: 'dten-gateway', from: '4.2.1', to: '4.3.0' }, { name: 'dten-agent', from: '1.9.0', to: '1.9.0' }, { name: 'dten-new', to: '1.0.0' }],
  },
  'test',
);
const rolling = validateUpgrade({ id: 'u-rolling', startedAt: '2026-04-10T09:00:00Z', binaries: [{ name: 'dten-sync', from: '2.7.0', to: '2.8.0' }] }, 'test');

function decision(id: string, overrides: Partial<DecisionRecord>): DecisionRecord {
  return {
    id, upgradeId: 'dten-2026.04', flag: 'dten.sync.backoff-v2', kind: 'toggle', proposal: {}, status: 'proposed', requestedBy: 'tuner', approvedBy: null,
    leaderEpoch: 1, createdAtMs: T0, updatedAtMs: T0, version: 1, ...overrides,
  };
}

describe('the annotation feed', () => {
  it('says the same, byte for byte, as GET /api/v1/annotations did before it moved here', () => {
    const decisions = [
      decision('1', { status: 'approved', approvedBy: 'alice', updatedAtMs: Date.parse('2026-04-10T14:00:01Z') }),
      decision('2', { flag: 'dten.sync.backoff', kind: 'tune', status: 'approved', approvedBy: 'guardrails', updatedAtMs: Date.parse('2026-04-10T13:59:55Z') }),
    ];
    expect(JSON.stringify(annotationFeed([finished, rolling], decisions, -Infinity, Infinity))).toBe(
      '[{"time":1775811600000,"timeEnd":1775811600000,"title":"upgrade u-rolling","text":"u-rolling: dten-sync 2.7.0→2.8.0","tags":["shiftguard","upgrade","u-rolling"]},' +
        '{"time":1775822400000,"timeEnd":1775824800000,"title":"upgrade dten-2026.04","text":"Full-upgrade-package-dten.zip: dten-gateway 4.2.1→4.3.0, dten-new ∅→1.0.0","tags":["shiftguard","upgrade","dten-2026.04"]},' +
        '{"time":1775829595000,"timeEnd":1775829595000,"title":"decision 2: dten.sync.backoff approved","text":"tune of dten.sync.backoff for upgrade dten-2026.04, requested by tuner, approved by guardrails","tags":["shiftguard","decision","approved","dten.sync.backoff"]},' +
        '{"time":1775829601000,"timeEnd":1775829601000,"title":"decision 1: dten.sync.backoff-v2 approved","text":"toggle of dten.sync.backoff-v2 for upgrade dten-2026.04, requested by tuner, approved by alice","tags":["shiftguard","decision","approved","dten.sync.backoff-v2"]}]',
    );
  });

  it('keeps what overlaps [from, to], a rollout counting over its whole span', () => {
    const during = Date.parse('2026-04-10T12:30:00Z');
    expect(annotationFeed([finished, rolling], [], during, during).map((a) => a.title)).toEqual(['upgrade dten-2026.04']);
    expect(annotationFeed([finished], [decision('1', {})], T0 + 1, Infinity).map((a) => a.title)).toEqual(['upgrade dten-2026.04']);
  });

  it('puts a decision at any state and time given, and an upgrade without end at a point', () => {
    expect(decisionAnnotation({ ...decision('7', {}), status: 'reverted' }, T0 + 5)).toEqual({
      time: T0 + 5, timeEnd: T0 + 5, title: 'decision 7: dten.sync.backoff-v2 reverted', text: 'toggle of dten.sync.backoff-v2 for upgrade dten-2026.04, requested by tuner', tags: ['shiftguard', 'decision', 'reverted', 'dten.sync.backoff-v2'],
    });
    expect(upgradeAnnotation(rolling)).toMatchObject({ time: Date.parse('2026-04-10T09:00:00Z'), timeEnd: Date.parse('2026-04-10T09:00:00Z') });
  });
});
