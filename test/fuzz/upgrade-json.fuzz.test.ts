/**
 * Fuzzing of the upgrade-model decoders, seeded with the repository's upgrade.json, package-manifest
 * and inventory files: `parseUpgrade` (a file, with line:column), `validateUpgrade` (an API body),
 * `parsePackageManifest` and `parseInventory`, under JSON text mutations and structural ones
 * (hostile values, renamed keys, deep nesting). Every input must give a value or an
 * UpgradeInputError naming lines of the file, within the hang guard. A slice of the inputs goes to
 * `POST /api/v1/upgrades` of the real app: never a 5xx, errors in the `{error:{code,message}}`
 * envelope, and a valid upgrade is still registered afterwards.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { checkProperty, FUZZ, fuzzTimeoutMs, runSummary, runsFor } from './fuzz-settings.js';
import { decodedFacts, expectInputFileVerdict, expectNoCrash, refusalOf } from './fuzz-verdict.js';
import { capped } from './mutate-bytes.js';
import { applyJsonEdits, jsonEdits } from './mutate-json.js';
import type { JsonEdit } from './mutate-json.js';
import { applyTextEdits, textEdits, textRecipeBytes, textRecipes } from './mutate-text.js';
import { DecoderSandbox } from './sandbox/decoder-sandbox.js';
import { INVENTORY_FILES, MANIFEST_FILES, parsedSeeds, UPGRADE_FILES } from './seeds.js';

/** JSON grammar tokens and upgrade-specific fragments. */
const JSON_TOKENS = [
  '{', '}', '[', ']', ',', ':', '"', '\\', '\\u0000', '\\ud800', '\\"', 'null', 'true', '1e400', '-0', '0.0000001', '9007199254740993', '//', '/*', "'",
  '"id":', '"startedAt":', '"binaries":', '"rollout":', '"at":', '"2026-02-30T00:00:00Z"', '"2026-04-10T12:00:00+24:00"', '"from":', '"to":', '"__proto__":',
];

const sandbox = new DecoderSandbox(['text', 'http'], FUZZ.hangMs);
afterAll(async () => {
  console.info(runSummary('upgrade-json.fuzz.test.ts', sandbox.slowest));
  await sandbox.close();
});

interface JsonRecipe {
  readonly seed: string;
  readonly edits: readonly JsonEdit[];
  readonly pretty: boolean;
}

/** Recipes that edit the parsed value of a JSON seed and write it back, compact or indented. */
const structural = (values: Readonly<Record<string, unknown>>): fc.Arbitrary<JsonRecipe> =>
  fc.record({ seed: fc.constantFrom(...Object.keys(values)), edits: jsonEdits(), pretty: fc.boolean() });

function jsonBytes(values: Readonly<Record<string, unknown>>, recipe: JsonRecipe): Uint8Array {
  const value = applyJsonEdits(values[recipe.seed], recipe.edits);
  return capped(new TextEncoder().encode(value === undefined ? '' : JSON.stringify(value, null, recipe.pretty ? 2 : undefined)));
}

const FAMILIES = [
  { target: 'upgrade-json', files: UPGRADE_FILES },
  { target: 'upgrade-body', files: UPGRADE_FILES },
  { target: 'package-manifest', files: MANIFEST_FILES },
  { target: 'inventory', files: INVENTORY_FILES },
] as const;

describe('upgrade.json, manifest and inventory decoders under fuzzing', () => {
  const runs = runsFor(0.5);

  for (const { target, files } of FAMILIES) {
    const values = parsedSeeds(files, JSON.parse);
    it(`${target}: text mutations give a value or an UpgradeInputError naming lines of the file`, async () => {
      await checkProperty(`${target} text`, fc.asyncProperty(textRecipes(files, JSON_TOKENS), async (recipe) => {
        expectInputFileVerdict(await sandbox.run(target, textRecipeBytes(files, recipe)), FUZZ.hangMs);
      }), runs);
    }, fuzzTimeoutMs(runs));

    it(`${target}: structural mutations give a value or an UpgradeInputError`, async () => {
      await checkProperty(`${target} structure`, fc.asyncProperty(structural(values), async (recipe) => {
        expectInputFileVerdict(await sandbox.run(target, jsonBytes(values, recipe)), FUZZ.hangMs);
      }), runs);
    }, fuzzTimeoutMs(runs));
  }

  it('refuses JSON nested thousands of levels deep with an UpgradeInputError, quickly', async () => {
    const deep = [`{"id":"x","startedAt":"2026-04-10T12:00:00Z","binaries":[],"notes":${'['.repeat(10_000)}${']'.repeat(10_000)}}`, `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`];
    for (const text of deep) {
      for (const target of ['upgrade-json', 'upgrade-body', 'package-manifest', 'inventory']) {
        const verdict = await sandbox.run(target, new TextEncoder().encode(text));
        expectInputFileVerdict(verdict, FUZZ.hangMs);
        expect(refusalOf(verdict)?.name, target).toBe('UpgradeInputError');
      }
    }
  });

  it('POST /api/v1/upgrades refuses nesting bombs, oversized and non-JSON bodies with a 4xx and keeps registering', async () => {
    const bodies = {
      'nested 150,000 levels': `${'{"a":'.repeat(150_000)}1${'}'.repeat(150_000)}`,
      'nested under an unknown key': `{"id":"deep","startedAt":"2026-04-10T12:00:00Z","binaries":[],"x":${'['.repeat(200_000)}${']'.repeat(200_000)}}`,
      'over the 1 MiB body limit': JSON.stringify({ id: 'big', startedAt: '2026-04-10T12:00:00Z', binaries: [], notes: ['x'.repeat(2 << 20)] }),
      'not JSON': '{"id": ',
    };
    for (const [name, text] of Object.entries(bodies)) {
      const verdict = await sandbox.run('http-upgrades', new TextEncoder().encode(text), { 'Content-Type': 'application/json' });
      expectNoCrash(verdict, FUZZ.hangMs);
      const facts = decodedFacts(verdict) ?? {};
      expect([400, 413], `${name}: ${JSON.stringify(facts)}`).toContain(facts.status);
      expect(facts.errorShape, name).toBe(true);
      expect(facts.survivorStatus, name).toBe(201);
    }
  });

  it('POST /api/v1/upgrades of the real app: never a 5xx, errors in the envelope, and a valid upgrade registers afterwards', async () => {
    const httpRuns = runsFor(0.25);
    const values = parsedSeeds(UPGRADE_FILES, JSON.parse);
    const text = fc.option(textEdits(JSON_TOKENS), { nil: undefined });
    const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded');
    await checkProperty('http upgrades', fc.asyncProperty(structural(values), text, contentType, async (recipe, edits, type) => {
      const json = jsonBytes(values, recipe);
      const input = edits === undefined ? json : new TextEncoder().encode(applyTextEdits(new TextDecoder().decode(json), edits));
      const verdict = await sandbox.run('http-upgrades', input, { 'Content-Type': type });
      expectNoCrash(verdict, FUZZ.hangMs);
      const facts = decodedFacts(verdict) ?? {};
      expect([201, 400, 409, 413, 415], `status of ${JSON.stringify(facts)}`).toContain(facts.status);
      if (typeof facts.status === 'number' && facts.status >= 400) expect(facts.errorShape, `error body of ${JSON.stringify(facts)}`).toBe(true);
      expect(facts.survivorStatus, 'a valid upgrade after it').toBe(201);
    }), httpRuns);
  }, fuzzTimeoutMs(runsFor(0.25)));
});
