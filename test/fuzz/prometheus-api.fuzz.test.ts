/**
 * Fuzzing of the pull-source decoder (Prometheus HTTP API answers), seeded with the answers a real
 * Prometheus gave to shiftguard's pull source (test/fixtures/prometheus-api/): the fuzzed answer is
 * served over real HTTP from a loopback server and read through the real client, decoded as matrix
 * (`decodeMatrix` into a `MatrixAccumulator`), as a series list, and by a whole
 * `createPrometheusMetricsSource` read whose data queries all get it. Every answer must give series
 * or a PrometheusQueryError within the hang guard; series are bounded by the answer's size and have
 * finite, strictly increasing timestamps.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { checkProperty, FUZZ, fuzzTimeoutMs, runSummary, runsFor } from './fuzz-settings.js';
import { decodedFacts, expectNoCrash, factNumber, refusalOf } from './fuzz-verdict.js';
import { capped } from './mutate-bytes.js';
import { applyJsonEdits, jsonEdits } from './mutate-json.js';
import type { JsonEdit } from './mutate-json.js';
import { applyTextEdits, textEdits } from './mutate-text.js';
import type { TextEdit } from './mutate-text.js';
import { DecoderSandbox } from './sandbox/decoder-sandbox.js';
import type { SandboxVerdict } from './sandbox/decoder-sandbox.js';
import { PROMETHEUS_MATRIX_ANSWERS, PROMETHEUS_SERIES_ANSWERS } from './seeds.js';

const sandbox = new DecoderSandbox(['pull'], FUZZ.hangMs);
afterAll(async () => {
  console.info(runSummary('prometheus-api.fuzz.test.ts', sandbox.slowest));
  await sandbox.close();
});

const JSON_TOKENS = ['{', '}', '[', ']', ',', ':', '"', 'null', '1e306', '-1e306', '"NaN"', '"+Inf"', '"-Inf"', '"1e400"', '" 1"', '"0x10"', '"resultType":', '"vector"', '"status":"error"', '"warnings":["w"]', '"values":', '"metric":'];

/** An answer: structural edits of a captured one, then text edits sometimes, with the HTTP status it is served with. */
const answer = (seeds: Readonly<Record<string, unknown>>) =>
  fc.record({
    seed: fc.constantFrom(...Object.keys(seeds)),
    edits: jsonEdits(),
    text: fc.option(textEdits(JSON_TOKENS, { maxEdits: 2 }), { nil: undefined }),
    status: fc.oneof({ weight: 8, arbitrary: fc.constant(200) }, { weight: 1, arbitrary: fc.constantFrom(400, 422, 500, 503) }),
  });

/** The body an answer recipe makes. */
function bodyOf(seeds: Readonly<Record<string, unknown>>, recipe: { seed: string; edits: readonly JsonEdit[]; text: readonly TextEdit[] | undefined }): Uint8Array {
  const json = JSON.stringify(applyJsonEdits(seeds[recipe.seed], recipe.edits)) ?? '';
  return capped(new TextEncoder().encode(recipe.text === undefined ? json : applyTextEdits(json, recipe.text)));
}

/**
 * Series hold at most one sample per 4 bytes of the answer (`[1,"1"]` is 7), per data request of a
 * whole read; every timestamp is finite and each series' are strictly increasing.
 */
function expectBoundedSeries(verdict: SandboxVerdict): void {
  const facts = decodedFacts(verdict);
  if (facts === undefined) return;
  const shown = JSON.stringify(facts);
  const requests = typeof facts.requests === 'number' ? facts.requests : 1;
  expect(4 * factNumber(facts, 'samples'), shown).toBeLessThanOrEqual(requests * verdict.bytes);
  expect(4 * factNumber(facts, 'labels'), shown).toBeLessThanOrEqual(requests * verdict.bytes);
  expect(facts.finiteTimestamps, shown).toBe(true);
  expect(facts.increasing, shown).toBe(true);
}

describe('Prometheus API answers under fuzzing', () => {
  const runs = runsFor(0.5);

  it('query_range answers: bounded series with finite increasing timestamps, or a PrometheusQueryError', async () => {
    await checkProperty('prometheus matrix', fc.asyncProperty(answer(PROMETHEUS_MATRIX_ANSWERS), async (recipe) => {
      const verdict = await sandbox.run('prometheus-matrix', bodyOf(PROMETHEUS_MATRIX_ANSWERS, recipe), { status: recipe.status });
      expectNoCrash(verdict, FUZZ.hangMs);
      expectBoundedSeries(verdict);
    }), runs);
  }, fuzzTimeoutMs(runs));

  it('series answers: at most one label per 4 bytes, or a PrometheusQueryError', async () => {
    await checkProperty('prometheus series', fc.asyncProperty(answer(PROMETHEUS_SERIES_ANSWERS), async (recipe) => {
      const body = bodyOf(PROMETHEUS_SERIES_ANSWERS, recipe);
      const verdict = await sandbox.run('prometheus-series', body, { status: recipe.status });
      expectNoCrash(verdict, FUZZ.hangMs);
      const facts = decodedFacts(verdict);
      if (facts !== undefined) expect(4 * factNumber(facts, 'labels'), JSON.stringify(facts)).toBeLessThanOrEqual(body.length);
    }), runs);
  }, fuzzTimeoutMs(runs));

  it('a whole pull-source read on fuzzed data answers: bounded series or a PrometheusQueryError', async () => {
    const sourceRuns = runsFor(0.25);
    await checkProperty('prometheus source', fc.asyncProperty(answer(PROMETHEUS_MATRIX_ANSWERS), async (recipe) => {
      const verdict = await sandbox.run('prometheus-source', bodyOf(PROMETHEUS_MATRIX_ANSWERS, recipe), { status: recipe.status });
      expectNoCrash(verdict, FUZZ.hangMs);
      expectBoundedSeries(verdict);
    }), sourceRuns);
  }, fuzzTimeoutMs(runsFor(0.25)));

  it('refuses nesting bombs and timestamps past the number range with a PrometheusQueryError', async () => {
    const point = (t: string) => `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[${t},"1"]]}]}}`;
    const answers = {
      'arrays nested 200,000 deep': `{"status":"success","data":${'['.repeat(200_000)}${']'.repeat(200_000)}}`,
      'seconds whose milliseconds overflow': point('1e306'),
      'a timestamp past the number range': point('1e400'),
      'an empty answer': '',
    };
    for (const [name, text] of Object.entries(answers)) {
      const verdict = await sandbox.run('prometheus-matrix', new TextEncoder().encode(text), { status: 200 });
      expectNoCrash(verdict, FUZZ.hangMs);
      expect(refusalOf(verdict)?.name, name).toBe('PrometheusQueryError');
    }
  });
});
