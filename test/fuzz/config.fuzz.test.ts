/**
 * Fuzzing of the configuration decoders (`parseConfig` for shiftguard.yaml, `parseGuardrails` for
 * guardrails.yaml), seeded with the repository's configuration files: text mutations with YAML
 * tokens reach the YAML syntax, structural mutations (hostile values, renamed keys, deep nesting,
 * re-serialized as YAML) reach the zod validation behind it. Every input must give a frozen
 * configuration or a ConfigError whose issues name lines of the file, within the hang guard, and
 * nesting and alias bombs are refused.
 */
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { checkProperty, FUZZ, fuzzTimeoutMs, runSummary, runsFor } from './fuzz-settings.js';
import { expectInputFileVerdict, refusalOf } from './fuzz-verdict.js';
import { capped } from './mutate-bytes.js';
import { applyJsonEdits, jsonEdits } from './mutate-json.js';
import type { JsonEdit } from './mutate-json.js';
import { textRecipeBytes, textRecipes } from './mutate-text.js';
import { DecoderSandbox } from './sandbox/decoder-sandbox.js';
import { CONFIG_FILES, GUARDRAILS_FILES, parsedSeeds } from './seeds.js';

/** YAML grammar tokens: indicators, anchors and aliases, tags, directives, block scalars, special scalars, durations. */
const YAML_TOKENS = [
  ': ', '- ', '? ', '[', ']', '{', '}', ',', '&a ', '*a', '<<: ', '!!str ', '!!binary ', '!!set ', '!!map ', '!custom ', '|', '>-', '#', '---\n', '...\n',
  '%YAML 1.1\n', '%TAG ! tag:x,2000:\n', '"', "'", '\n  ', '\n    - ', 'null', '~', '.inf', '-.nan', '0x1F', '0o17', '1e999', '99999999999999999999', 'yes', 'no',
  '1h30m', '0s', '-5m', '9999999h', '"\\u0000"', '"\\x00"', 'tokens:', 'signals:', 'rules:', 'quantiles: [1.5]', 'when: ', 'may: [disable]', 'tune:',
];

const sandbox = new DecoderSandbox(['text'], FUZZ.hangMs);
afterAll(async () => {
  console.info(runSummary('config.fuzz.test.ts', sandbox.slowest));
  await sandbox.close();
});

const CONFIG_VALUES = parsedSeeds(CONFIG_FILES, parse);
const GUARDRAILS_VALUES = parsedSeeds(GUARDRAILS_FILES, parse);

/** Recipes that edit the parsed value of a YAML seed and write it back as YAML. */
const structural = (values: Readonly<Record<string, unknown>>) => fc.record({ seed: fc.constantFrom(...Object.keys(values)), edits: jsonEdits() });
const yamlOf = (values: Readonly<Record<string, unknown>>, recipe: { seed: string; edits: readonly JsonEdit[] }): Uint8Array =>
  capped(new TextEncoder().encode(stringify(applyJsonEdits(values[recipe.seed], recipe.edits) ?? null, { aliasDuplicateObjects: false })));

describe('configuration decoders under fuzzing', () => {
  const runs = runsFor(1);

  for (const [target, files, values] of [
    ['shiftguard-config', CONFIG_FILES, CONFIG_VALUES],
    ['guardrails-config', GUARDRAILS_FILES, GUARDRAILS_VALUES],
  ] as const) {
    it(`${target}: text mutations give a configuration or a ConfigError naming lines of the file`, async () => {
      await checkProperty(`${target} text`, fc.asyncProperty(textRecipes(files, YAML_TOKENS), async (recipe) => {
        expectInputFileVerdict(await sandbox.run(target, textRecipeBytes(files, recipe)), FUZZ.hangMs);
      }), runs);
    }, fuzzTimeoutMs(runs));

    it(`${target}: structural mutations (hostile values, keys, nesting) give a configuration or a ConfigError`, async () => {
      await checkProperty(`${target} structure`, fc.asyncProperty(structural(values), async (recipe) => {
        expectInputFileVerdict(await sandbox.run(target, yamlOf(values, recipe)), FUZZ.hangMs);
      }), runs);
    }, fuzzTimeoutMs(runs));
  }

  it('refuses nesting and alias bombs with a ConfigError, quickly', async () => {
    const bombs = {
      'nested flow lists': `server: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`,
      'nested block lists': `signals:\n${'- '.repeat(10_000)}x\n`,
      'nested flow mappings': `server: ${'{a: '.repeat(10_000)}1${'}'.repeat(10_000)}\n`,
      'billion laughs': ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)].join('\n'),
    };
    for (const [name, text] of Object.entries(bombs)) {
      for (const target of ['shiftguard-config', 'guardrails-config']) {
        const verdict = await sandbox.run(target, new TextEncoder().encode(text));
        expectInputFileVerdict(verdict, FUZZ.hangMs);
        expect(refusalOf(verdict)?.name, `${target}: ${name}`).toBe('ConfigError');
      }
    }
  });
});
