import { describe, expect, it } from 'vitest';
import { describeUpgrade, isoTime } from './upgrade-description.js';
import { nullScenario } from './scenarios.js';

describe('describeUpgrade', () => {
  it('formats times without zero milliseconds and can leave rollouts to build info', () => {
    expect(isoTime(Date.parse('2026-04-10T12:05:00Z'))).toBe('2026-04-10T12:05:00Z');
    expect(isoTime(Date.parse('2026-04-10T12:05:00.250Z'))).toBe('2026-04-10T12:05:00.250Z');
    const { scenario } = nullScenario(1);
    const upgrade = describeUpgrade(scenario, { id: 'x', omitRollout: true });
    expect(upgrade.binaries[0]).not.toHaveProperty('rollout');
    expect(upgrade).toMatchObject({ id: 'x', startedAt: '2026-04-10T12:00:00Z', finishedAt: '2026-04-10T12:28:00Z', configChanges: [], flags: [] });
  });

  it('refuses a scenario without an upgrade', () => {
    const { scenario } = nullScenario(1);
    expect(() => describeUpgrade({ ...scenario, upgrade: undefined }, { id: 'x' })).toThrow(/upgrade is missing/);
  });
});
