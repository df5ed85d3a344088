/**
 * The fuzz sandbox catches what it is there for: an endless loop is reported as hung (the child is
 * killed, and the next input gets a fresh one) and a fatal abort as died (with the end of stderr);
 * an undocumented exception is a crash, a documented one a refusal.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DecoderSandbox } from './decoder-sandbox.js';

/** A short hang guard and slack: these tests wait for them on purpose. */
const HANG_MS = 300;
const sandbox = new DecoderSandbox(['self-test'], HANG_MS, 200);
afterAll(() => sandbox.close());

const input = Uint8Array.from([7, 8, 9]);

describe('DecoderSandbox', () => {
  it('answers with the facts of a decoded input, a refusal or a crash', async () => {
    expect(await sandbox.run('self-test:echo', input)).toMatchObject({ target: 'self-test:echo', bytes: 3, outcome: { kind: 'decoded', facts: { bytes: 3, first: 7 } } });
    expect(await sandbox.run('self-test:refuse', input)).toMatchObject({ outcome: { kind: 'refused', error: { name: 'SelfTestRefusal', message: 'refused on purpose', fields: { code: 'refused_on_purpose' } } } });
    expect(await sandbox.run('self-test:throw', input)).toMatchObject({ outcome: { kind: 'crashed', error: { name: 'TypeError', message: 'thrown on purpose' } } });
  });

  it('kills a child that loops past the hang guard, and the next input gets a fresh one', async () => {
    expect(await sandbox.run('self-test:loop', input)).toMatchObject({ outcome: { kind: 'hung' }, elapsedMs: HANG_MS });
    expect((await sandbox.run('self-test:echo', input)).outcome.kind).toBe('decoded');
  });

  it('reports a child that aborts, with the end of its stderr', async () => {
    const verdict = await sandbox.run('self-test:abort', input);
    expect(verdict.outcome.kind).toBe('died');
    expect(verdict.outcome.kind === 'died' ? verdict.outcome.reason : '').toMatch(/signal SIGABRT[\s\S]*self-test: aborting on purpose/);
  });
});
