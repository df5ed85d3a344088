/**
 * One change at a time per suspect binary: two regressions attributed to the same binary (retries to
 * two peers of dten-sync) could each get a change on a different flag in the same round, and each
 * change would then be verified over windows that hold the other one, crediting (or blaming) it for
 * the other's effect. The second waits until the first is judged.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GATE, TUNED, tunerHarness } from '../../test/support/tuner-harness.js';
import type { TunerHarness } from '../../test/support/tuner-harness.js';

let h: TunerHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const MIN = 60_000;

describe('one change at a time per binary', () => {
  it('holds a second finding of the same binary while the first change is verified, then acts on it', async () => {
    h = await tunerHarness();
    const first = await h.openRegression('partner');
    const second = await h.openRegression('other-partner');
    await h.tuner.round();
    const open = (await h.store.listDecisions()).filter((d) => d.status === 'verifying' || d.status === 'applied');
    expect(open.map((d) => d.flag)).toEqual([GATE]);
    expect(h.tuner.status().notActing[second.id]).toMatch(/^one change at a time for dten-sync: decision \d+ \(dten\.sync\.backoff-v2\) is (applied|verifying)$/);
    expect(h.tuner.status().notActing[first.id]).toBeUndefined();

    // Once the gate's change is judged (kept), the second finding gets its own change, and it alone is verified.
    h.advance(11 * MIN);
    await h.tuner.round();
    const decisions = await h.store.listDecisions();
    expect(decisions.map((d) => [d.flag, d.status === 'applied' ? 'verifying' : d.status])).toEqual([
      [GATE, 'kept'],
      [TUNED, 'verifying'],
    ]);
    expect(h.tuner.status().notActing).toEqual({});
  });
});
