import { describe, expect, it } from 'vitest';
import {
  BenchDecisionSchema, closedLoopRound, eventTypesOf, firstAppliedDecision, flagChangeEvent, formatClosedLoopTable, formatClosedLoopVerdict,
  summarizeClosedLoop, triggeringFinding,
} from './closed-loop-figures.js';
import type { BenchDecision, BenchFinding, BenchUnleashEvent, ClosedLoopRound } from './closed-loop-figures.js';

const ONSET = Date.parse('2026-01-01T00:00:00.000Z');
const at = (seconds: number): string => new Date(ONSET + seconds * 1000).toISOString();

function decision(id: string, appliedAfterS: number | null, overrides: Partial<BenchDecision['proposal']> = {}): BenchDecision {
  return {
    id,
    flag: 'bench1.dten.sync.backoff-v2',
    status: appliedAfterS === null ? 'approved' : 'applied',
    createdAt: at(30),
    proposal: {
      action: 'disable',
      summary: `decision ${id}`,
      trigger: { findingId: 'f2', signal: 'retries' },
      applied: appliedAfterS === null ? null : { atMs: ONSET + appliedAfterS * 1000, eventId: 41 },
      ...overrides,
    },
  };
}

const findings: BenchFinding[] = [
  { id: 'f1', signal: 'latency', openedAt: at(20) },
  { id: 'f2', signal: 'retries', openedAt: at(24) },
];

function event(id: number, type: string, createdBy: string, afterS: number): BenchUnleashEvent {
  return { id, type, createdBy, createdAt: at(afterS) };
}

function round(n: number, findingS: number, eventS: number): ClosedLoopRound {
  return closedLoopRound({
    round: n,
    upgradeId: `bench${n}-dten-2.0`,
    onsetAtMs: ONSET,
    decision: { ...decision('d1', eventS + 0.2), createdAt: at(findingS + 1) },
    finding: { id: 'f', signal: 'retries', openedAt: at(findingS) },
    event: { event: event(41, 'feature-environment-disabled', 'shiftguard', eventS), match: 'event id' },
  });
}

describe('BenchDecisionSchema', () => {
  it('keeps the fields the section reads and rejects a decision without createdAt', () => {
    const wire = { ...decision('d1', 31), upgrade: 'u', proposal: { ...decision('d1', 31).proposal, mode: 'enforce' } };
    expect(BenchDecisionSchema.parse(wire)).toEqual(decision('d1', 31));
    expect(BenchDecisionSchema.safeParse({ ...wire, createdAt: undefined }).success).toBe(false);
    expect(BenchDecisionSchema.safeParse({ ...wire, createdAt: 'yesterday' }).success).toBe(false);
  });
});

describe('firstAppliedDecision', () => {
  it('picks the decision written first and ignores unapplied ones', () => {
    expect(firstAppliedDecision([decision('a', null), decision('b', 50), decision('c', 35)])?.id).toBe('c');
    expect(firstAppliedDecision([decision('a', null)])).toBeNull();
    expect(firstAppliedDecision([])).toBeNull();
  });
});

describe('triggeringFinding', () => {
  it('takes the finding named by the trigger, else the earliest opened', () => {
    expect(triggeringFinding(decision('d', 31), findings).id).toBe('f2');
    expect(triggeringFinding(decision('d', 31, { trigger: null }), findings).id).toBe('f1');
    expect(triggeringFinding(decision('d', 31, { trigger: { findingId: 'gone', signal: 'retries' } }), [...findings].reverse()).id).toBe('f1');
  });

  it('throws when the upgrade has no finding', () => {
    expect(() => triggeringFinding(decision('d', 31), [])).toThrow('decision d is applied but the upgrade has no finding');
  });
});

describe('flagChangeEvent', () => {
  const events = [
    event(42, 'feature-environment-enabled', 'operator', 90),
    event(41, 'feature-environment-disabled', 'shiftguard', 31),
    event(40, 'feature-environment-disabled', 'operator', 5),
    event(3, 'feature-environment-enabled', 'shiftguard', -60),
  ];

  it('matches the event id the tuner recorded', () => {
    expect(flagChangeEvent(decision('d', 31), events, 'shiftguard')).toEqual({ event: events[1], match: 'event id' });
  });

  it('without a recorded id, takes the earliest event of the action type by the tuner', () => {
    const noId = decision('d', 31, { applied: { atMs: ONSET + 31_000, eventId: null } });
    expect(flagChangeEvent(noId, events, 'shiftguard')).toEqual({ event: events[1], match: 'type and author' });
    const stale = decision('d', 31, { applied: { atMs: ONSET + 31_000, eventId: 999 } });
    expect(flagChangeEvent(stale, events, 'shiftguard')?.match).toBe('type and author');
    expect(flagChangeEvent(noId, events, 'nobody')).toBeNull();
  });

  it('maps each action to the event types Unleash records for it', () => {
    expect(eventTypesOf('disable')).toEqual(['feature-environment-disabled']);
    expect(eventTypesOf('enable')).toEqual(['feature-environment-enabled']);
    expect(eventTypesOf('tune')).toEqual(['feature-strategy-update']);
    expect(eventTypesOf('restore')).toHaveLength(3);
  });
});

describe('closedLoopRound', () => {
  it('measures every step in seconds from the onset', () => {
    const r = closedLoopRound({
      round: 1,
      upgradeId: 'bench1-dten-2.0',
      onsetAtMs: ONSET,
      decision: decision('d1', 31.5),
      finding: findings[1] as BenchFinding,
      event: { event: event(41, 'feature-environment-disabled', 'shiftguard', 31.25), match: 'event id' },
    });
    expect(r).toMatchObject({
      findingSignal: 'retries',
      onsetToFindingSeconds: 24,
      onsetToDecisionSeconds: 30,
      onsetToAppliedSeconds: 31.5,
      onsetToUnleashEventSeconds: 31.25,
      action: 'disable',
      flag: 'bench1.dten.sync.backoff-v2',
      unleashEventId: 41,
      unleashEventType: 'feature-environment-disabled',
    });
  });

  it('refuses a decision that is not applied', () => {
    expect(() => closedLoopRound({ round: 1, upgradeId: 'u', onsetAtMs: ONSET, decision: decision('d1', null), finding: findings[0] as BenchFinding, event: { event: event(1, 't', 'a', 0), match: 'event id' } }))
      .toThrow('decision d1 is not applied');
  });
});

describe('summarizeClosedLoop', () => {
  it('takes medians over rounds and judges the median onset → Unleash event against 120 s', () => {
    const s = summarizeClosedLoop([round(1, 20, 40), round(2, 30, 130), round(3, 25, 50)]);
    expect(s.onsetToFindingSeconds.median).toBe(25);
    expect(s.onsetToUnleashEventSeconds).toEqual({ median: 50, min: 40, max: 130, runs: 3 });
    expect(s.targetMet).toBe(true);
  });

  it('meets the target at exactly 120 s and misses it above', () => {
    expect(summarizeClosedLoop([round(1, 20, 120)]).targetMet).toBe(true);
    expect(summarizeClosedLoop([round(1, 20, 120.1)]).targetMet).toBe(false);
  });

  it('refuses no rounds', () => {
    expect(() => summarizeClosedLoop([])).toThrow(/at least one round/);
  });
});

describe('formatClosedLoopTable', () => {
  it('prints a row per round, a median row, and the tuner share as finding → Unleash', () => {
    const rounds = [round(1, 20, 40), round(2, 30, 46)];
    const lines = formatClosedLoopTable(rounds, summarizeClosedLoop(rounds)).split('\n');
    expect(lines[0]?.split(/\s{2,}/)).toEqual(['round', 'change', 'finding', 'onset→finding s', 'onset→decision s', 'onset→applied s', 'onset→Unleash event s', 'finding→Unleash s']);
    expect(lines[1]).toMatch(/^-+( +-+){7}$/);
    expect(lines[2]?.split(/\s+/)).toEqual(['1', 'disable', 'bench1.dten.sync.backoff-v2', 'retries', '20.0', '21.0', '40.2', '40.0', '20.0']);
    expect(lines[3]?.split(/\s+/)).toEqual(['2', 'disable', 'bench1.dten.sync.backoff-v2', 'retries', '30.0', '31.0', '46.2', '46.0', '16.0']);
    expect(lines[4]).toBe(lines[1]);
    expect(lines[5]?.split(/\s+/)).toEqual(['median', 'of', '2', '25.0', '26.0', '43.2', '43.0', '18.0']);
    expect(new Set(lines.slice(0, 4).map((l) => l.length)).size).toBe(1);
  });
});

describe('formatClosedLoopVerdict', () => {
  it('says PASS or MISS with the judged median', () => {
    expect(formatClosedLoopVerdict(summarizeClosedLoop([round(1, 20, 40.04)]))).toBe('PASS: closed-loop target (onset → flag change in Unleash <= 120 s at 50 req/s, 1 round): 40.0 s');
    expect(formatClosedLoopVerdict(summarizeClosedLoop([round(1, 20, 150), round(2, 20, 160)]))).toMatch(/^MISS: .*median of 2 rounds\): 155\.0 s$/);
  });
});
