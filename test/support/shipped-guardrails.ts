/**
 * The shipped `config/guardrails.yaml` (the CONTRACT §7 example), parsed, for tests of the tuner.
 */
import { readFileSync } from 'node:fs';
import { parseGuardrails } from '../../src/tune/guardrails-config.js';
import type { Guardrails, TuneRule } from '../../src/tune/guardrails-config.js';

export const SHIPPED_GUARDRAILS_TEXT = readFileSync(new URL('../../config/guardrails.yaml', import.meta.url), 'utf8');

export const SHIPPED_GUARDRAILS: Guardrails = parseGuardrails(SHIPPED_GUARDRAILS_TEXT, 'config/guardrails.yaml');

/** The shipped rule that tunes `dten.sync.backoff`'s constants. */
export const SHIPPED_TUNE_RULE: TuneRule = (() => {
  const rule = SHIPPED_GUARDRAILS.rules.find((r): r is TuneRule => r.kind === 'tune');
  if (rule === undefined) throw new Error('config/guardrails.yaml has no tune rule');
  return rule;
})();
