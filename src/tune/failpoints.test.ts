import { describe, expect, it } from 'vitest';
import { NO_FAILPOINTS, failpointsFromEnv } from './failpoints.js';

describe('failpointsFromEnv', () => {
  it('is off without SHIFTGUARD_FAILPOINTS', () => {
    expect(failpointsFromEnv({})).toBe(NO_FAILPOINTS);
    expect(failpointsFromEnv({ SHIFTGUARD_FAILPOINTS: '  ' })).toBe(NO_FAILPOINTS);
  });

  it('refuses a misspelt name or action instead of silently disarming it', () => {
    expect(() => failpointsFromEnv({ SHIFTGUARD_FAILPOINTS: 'tuner.beforeFlagWrit=crash' })).toThrow(
      'SHIFTGUARD_FAILPOINTS: expected name=crash|hang|pause with name one of tuner.beforeFlagWrite, tuner.afterFlagWrite, tuner.beforeRevertWrite, tuner.afterRevertWrite, got "tuner.beforeFlagWrit=crash"',
    );
    expect(() => failpointsFromEnv({ SHIFTGUARD_FAILPOINTS: 'tuner.afterFlagWrite=explode' })).toThrow('got "tuner.afterFlagWrite=explode"');
  });

  it('passes places that are not armed, and announces an armed hang without returning', async () => {
    const lines: string[] = [];
    const failpoint = failpointsFromEnv({ SHIFTGUARD_FAILPOINTS: 'tuner.afterFlagWrite=hang' }, (line) => lines.push(line));
    await failpoint('tuner.beforeFlagWrite');
    const hung = await Promise.race([failpoint('tuner.afterFlagWrite').then(() => 'returned'), new Promise((resolve) => setTimeout(() => resolve('still hanging'), 50))]);
    expect(hung).toBe('still hanging');
    expect(lines).toEqual(['failpoint tuner.afterFlagWrite reached: hang']);
  });
});
