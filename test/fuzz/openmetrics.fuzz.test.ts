/**
 * Fuzzing of the OpenMetrics / Prometheus text file decoder (`readOpenMetricsFiles` on a real file),
 * seeded with the committed fixtures (sample.om in OpenMetrics, sample.prom in Prometheus text) under
 * line and token edits with grammar-generated lines, and with whole generated files. Every input must
 * give series or a MetricsInputError naming a line of the file, within the hang guard; series are
 * bounded by the file's lines and bytes and have finite, strictly increasing timestamps. The parser
 * fed in arbitrary pieces (as the reader feeds it chunks of large files) must agree with it fed at
 * once.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { checkProperty, FUZZ, fuzzTimeoutMs, runSummary, runsFor } from './fuzz-settings.js';
import { decodedFacts, expectNoCrash, factNumber, refusalOf } from './fuzz-verdict.js';
import { textRecipeBytes, textRecipes } from './mutate-text.js';
import { openMetricsDocument, openMetricsLine, OPENMETRICS_TOKENS } from './openmetrics-grammar.js';
import { DecoderSandbox } from './sandbox/decoder-sandbox.js';
import type { SandboxVerdict } from './sandbox/decoder-sandbox.js';
import { OPENMETRICS_FILES } from './seeds.js';

const sandbox = new DecoderSandbox(['text'], FUZZ.hangMs);
afterAll(async () => {
  console.info(runSummary('openmetrics.fuzz.test.ts', sandbox.slowest));
  await sandbox.close();
});

const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);
const lineCount = (bytes: Uint8Array): number => bytes.reduce((n, b) => (b === 0x0a ? n + 1 : n), 1);

/**
 * Series hold at most one sample per line, at most one label per 4 bytes (`a=""`), and finite,
 * strictly increasing timestamps; a MetricsInputError names a line of the file.
 */
function expectFileVerdict(verdict: SandboxVerdict, input: Uint8Array): void {
  expectNoCrash(verdict, FUZZ.hangMs);
  const lines = lineCount(input);
  const refusal = refusalOf(verdict);
  if (refusal !== undefined) {
    const { line, column } = refusal.fields;
    expect(line, refusal.message).toSatisfy((n: unknown) => typeof n === 'number' && n >= 0 && n <= lines);
    if (column !== undefined) expect(column, refusal.message).toSatisfy((n: unknown) => typeof n === 'number' && n >= 1);
    return;
  }
  const facts = decodedFacts(verdict) ?? {};
  const shown = JSON.stringify(facts);
  expect(factNumber(facts, 'samples'), shown).toBeLessThanOrEqual(lines);
  expect(factNumber(facts, 'series'), shown).toBeLessThanOrEqual(factNumber(facts, 'samples'));
  expect(4 * factNumber(facts, 'labels'), shown).toBeLessThanOrEqual(input.length);
  expect(facts.finiteTimestamps, shown).toBe(true);
  expect(facts.increasing, shown).toBe(true);
}

describe('OpenMetrics / Prometheus text decoder under fuzzing', () => {
  const runs = runsFor(1);
  const recipes = textRecipes(OPENMETRICS_FILES, OPENMETRICS_TOKENS, { lines: openMetricsLine });

  it('edited fixtures give bounded series or a MetricsInputError naming a line', async () => {
    await checkProperty('openmetrics edits', fc.asyncProperty(recipes, async (recipe) => {
      const input = textRecipeBytes(OPENMETRICS_FILES, recipe);
      expectFileVerdict(await sandbox.run('openmetrics-file', input), input);
    }), runs);
  }, fuzzTimeoutMs(runs));

  it('generated files give bounded series or a MetricsInputError naming a line', async () => {
    await checkProperty('openmetrics grammar', fc.asyncProperty(openMetricsDocument, async (text) => {
      const input = bytesOf(text);
      expectFileVerdict(await sandbox.run('openmetrics-file', input), input);
    }), runs);
  }, fuzzTimeoutMs(runs));

  it('the parser fed in pieces agrees with it fed at once', async () => {
    const text = fc.oneof(recipes, openMetricsDocument);
    const splits = fc.array(fc.nat(), { maxLength: 6 });
    await checkProperty('openmetrics pieces', fc.asyncProperty(text, splits, async (recipe, cuts) => {
      const input = typeof recipe === 'string' ? bytesOf(recipe) : textRecipeBytes(OPENMETRICS_FILES, recipe);
      const length = new TextDecoder().decode(input).length;
      const verdict = await sandbox.run('openmetrics-pieces', input, { splits: cuts.map((cut) => cut % (length + 1)) });
      expectNoCrash(verdict, FUZZ.hangMs);
      const facts = decodedFacts(verdict) ?? {};
      expect(facts.agree, `fed at once: ${String(facts.whole)}\nin pieces: ${String(facts.pieces)}`).toBe(true);
    }), runsFor(0.5));
  }, fuzzTimeoutMs(runsFor(0.5)));

  it('reads long lines, many series and huge label values without trouble', async () => {
    const long = 'v'.repeat(1 << 20);
    // Prometheus text (millisecond timestamps, no `# EOF` needed).
    const files = {
      'one 1 MiB label value': `x{a="${long}"} 1 1775822400000\n`,
      'one 1 MiB line of blanks': `x ${' '.repeat(1 << 20)}1 1775822400000\n`,
      '10,000 series': Array.from({ length: 10_000 }, (_, i) => `x_total{i="${i}"} 1 1775822400000`).join('\n'),
      'a 1 MiB label value on 20 lines': Array.from({ length: 20 }, (_, i) => `x{a="${long}"} ${i} ${1775822400000 + i}`).join('\n'),
    };
    for (const [name, text] of Object.entries(files)) {
      const input = bytesOf(text);
      const verdict = await sandbox.run('openmetrics-file', input);
      expectFileVerdict(verdict, input);
      expect(verdict.outcome.kind, `${name}: ${refusalOf(verdict)?.message ?? ''}`).toBe('decoded');
    }
  });
});
