/**
 * What the tuner's alert about a refused Unleash token tells the SRE who gets it: which environment
 * variable the token came from (the guardrails' `unleash.tokenEnv`), so they know what to fix.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FlagStoreAuthError } from '../flags/flag-store-error.js';
import { parseGuardrails } from './guardrails-config.js';
import { tunerHarness } from '../../test/support/tuner-harness.js';
import type { TunerHarness } from '../../test/support/tuner-harness.js';

let h: TunerHarness | undefined;

afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const GUARDRAILS = [
  'mode: enforce',
  'unleash: { url: "http://127.0.0.1:4242/api", environment: production, tokenEnv: DTEN_UNLEASH_PAT }',
  'rules:',
  '  - flag: dten.sync.backoff-v2',
  '    may: [disable]',
  '    when: { signal: retries, binary: dten-sync }',
].join('\n');

describe('the alert of a refused Unleash token', () => {
  it('names the variable the token comes from, and not the token', async () => {
    h = await tunerHarness({ guardrails: parseGuardrails(GUARDRAILS, 'guardrails.yaml') });
    await h.openRegression();
    h.flags.setOutage(new FlagStoreAuthError(401, 'Unleash answered 401 to read flag dten.sync.backoff-v2 in production: Unauthorized (the token is missing, wrong or expired)'));
    await h.tuner.round();
    const alert = h.alerts.get('ShiftguardUnleashAuthRefused/');
    expect(alert?.description).toContain('environment variable DTEN_UNLEASH_PAT');
    expect(alert?.description).toContain('Unleash answered 401');
    expect(alert).toMatchObject({ severity: 'critical' });
  });
});
