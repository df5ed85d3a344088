/**
 * Fuzzing of the OTLP/HTTP metrics decoder (`decodeOtlpMetrics`), seeded with requests the
 * OpenTelemetry JS SDK's exporters sent (each also converted to the other encoding): protobuf with
 * byte edits and lying length prefixes, gzip-wrapped or with a corrupted gzip stream; JSON with
 * structural edits (hostile values and keys, deep nesting) and text edits. Every input must give a
 * batch or an IngestError 400/413/415 within the hang guard, the batch bounded by the decoded size,
 * every value and timestamp finite. Decompression, length, nesting and amplification bombs (one long
 * string or many labels shared by many series) are handled quickly, and a slice of the inputs goes to
 * `POST /v1/metrics` of the real app.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { exportMetricsRequestType } from '../../src/ingest/otlp/otlp-schema.js';
import { checkProperty, FUZZ, fuzzTimeoutMs, runSummary, runsFor } from './fuzz-settings.js';
import { decodedFacts, expectNoCrash, factNumber, refusalOf } from './fuzz-verdict.js';
import { applyByteEdits, byteEdits, capped, encodeVarint } from './mutate-bytes.js';
import type { ByteEdit } from './mutate-bytes.js';
import { applyJsonEdits, jsonEdits } from './mutate-json.js';
import type { JsonEdit } from './mutate-json.js';
import { applyTextEdits, textEdits } from './mutate-text.js';
import type { TextEdit } from './mutate-text.js';
import { DecoderSandbox } from './sandbox/decoder-sandbox.js';
import type { SandboxVerdict } from './sandbox/decoder-sandbox.js';
import { OTLP_JSON_BODIES, OTLP_PROTOBUF_BODIES } from './seeds.js';

const sandbox = new DecoderSandbox(['push', 'http'], FUZZ.hangMs);
afterAll(async () => {
  console.info(runSummary('otlp.fuzz.test.ts', sandbox.slowest));
  await sandbox.close();
});

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';
const LIMIT = 1 << 22;
const encode = (request: unknown): Uint8Array => exportMetricsRequestType.encode(exportMetricsRequestType.fromObject(request as Record<string, unknown>)).finish();
const asJson = (body: Uint8Array): unknown => exportMetricsRequestType.toObject(exportMetricsRequestType.decode(body), { longs: String, enums: Number, bytes: String });

/** Protobuf seeds: the SDK's protobuf request, and its JSON request encoded as protobuf. */
const PROTOBUF_SEEDS: Readonly<Record<string, Uint8Array>> = {
  ...OTLP_PROTOBUF_BODIES,
  ...Object.fromEntries(Object.entries(OTLP_JSON_BODIES).map(([name, value]) => [`${name} as protobuf`, encode(value)])),
};
/** JSON seeds: the SDK's JSON request, and its protobuf request as JSON. */
const JSON_SEEDS: Readonly<Record<string, unknown>> = {
  ...OTLP_JSON_BODIES,
  ...Object.fromEntries(Object.entries(OTLP_PROTOBUF_BODIES).map(([name, body]) => [`${name} as JSON`, asJson(body)])),
};
const JSON_TOKENS = ['{', '}', '[', ']', ',', ':', '"', '\\u0000', 'null', '1e400', '-1', '"NaN"', '"Infinity"', '"18446744073709551616"', '"asInt":', '"bucketCounts":', '"scale":', '"offset":', '"resource_metrics":'];

/** An input with what it decodes to at most: its own size, the size it was gzipped from, or the limit for a corrupted gzip stream. */
interface OtlpInput {
  readonly body: Uint8Array;
  readonly contentType: string;
  readonly gzip: boolean;
  readonly decodedBound: number;
}

const gzipped = (body: Uint8Array): Uint8Array => new Uint8Array(gzipSync(body));

/** How an input is made: protobuf byte edits (wrapped in gzip, or in gzip then corrupted), or JSON structural and text edits (gzipped or not). */
type OtlpRecipe =
  | { readonly kind: 'protobuf'; readonly seed: string; readonly edits: readonly ByteEdit[]; readonly wrap: 'none' | 'gzip' | 'corrupt-gzip'; readonly gzipEdits: readonly ByteEdit[] }
  | { readonly kind: 'json'; readonly seed: string; readonly edits: readonly JsonEdit[]; readonly text: readonly TextEdit[] | undefined; readonly gzip: boolean };

const protobufRecipe: fc.Arbitrary<OtlpRecipe> = fc.record({
  kind: fc.constant('protobuf' as const),
  seed: fc.constantFrom(...Object.keys(PROTOBUF_SEEDS)),
  edits: byteEdits({ protobuf: true }),
  wrap: fc.constantFrom('none' as const, 'gzip' as const, 'corrupt-gzip' as const),
  gzipEdits: byteEdits({ maxEdits: 2 }),
});

const jsonRecipe: fc.Arbitrary<OtlpRecipe> = fc.record({
  kind: fc.constant('json' as const),
  seed: fc.constantFrom(...Object.keys(JSON_SEEDS)),
  edits: jsonEdits(),
  text: fc.option(textEdits(JSON_TOKENS, { maxEdits: 2 }), { nil: undefined }),
  gzip: fc.boolean(),
});

/** The input a recipe makes. */
function inputOf(recipe: OtlpRecipe): OtlpInput {
  if (recipe.kind === 'protobuf') {
    const body = applyByteEdits(PROTOBUF_SEEDS[recipe.seed] as Uint8Array, recipe.edits);
    if (recipe.wrap === 'none') return { body, contentType: PROTOBUF, gzip: false, decodedBound: body.length };
    if (recipe.wrap === 'gzip') return { body: gzipped(body), contentType: PROTOBUF, gzip: true, decodedBound: body.length };
    return { body: applyByteEdits(gzipped(body), recipe.gzipEdits), contentType: PROTOBUF, gzip: true, decodedBound: LIMIT };
  }
  const json = JSON.stringify(applyJsonEdits(JSON_SEEDS[recipe.seed], recipe.edits)) ?? '';
  const body = capped(new TextEncoder().encode(recipe.text === undefined ? json : applyTextEdits(json, recipe.text)));
  return { body: recipe.gzip ? gzipped(body) : body, contentType: JSON_TYPE, gzip: recipe.gzip, decodedBound: body.length };
}

async function decode(input: OtlpInput): Promise<SandboxVerdict> {
  return sandbox.run('otlp', input.body, { contentType: input.contentType, ...(input.gzip ? { contentEncoding: 'gzip' } : {}), limit: LIMIT });
}

/**
 * A batch holds at most two samples per decoded byte (a sample costs a byte of packed bucket counts
 * at least, and a point's four extra samples, zero bucket, +Inf, _count and _sum, come with its
 * 11-byte head), at most one rejected point per byte, at most 129 labels per series, and only
 * finite values and timestamps.
 */
function expectBoundedBatch(verdict: SandboxVerdict, input: OtlpInput): void {
  const facts = decodedFacts(verdict);
  if (facts === undefined) return;
  const shown = JSON.stringify(facts);
  expect(factNumber(facts, 'samples'), shown).toBeLessThanOrEqual(2 * input.decodedBound + 4);
  expect(factNumber(facts, 'series'), shown).toBeLessThanOrEqual(factNumber(facts, 'samples'));
  expect(factNumber(facts, 'rejectedDataPoints'), shown).toBeLessThanOrEqual(input.decodedBound);
  expect(factNumber(facts, 'labels'), shown).toBeLessThanOrEqual(129 * factNumber(facts, 'series'));
  expect(facts.finiteValues, shown).toBe(true);
  expect(facts.finiteTimestamps, shown).toBe(true);
}

describe('OTLP/HTTP metrics decoder under fuzzing', () => {
  const runs = runsFor(1);

  /** Decodes each input the recipes make: a bounded batch or an IngestError, never a crash or a hang. */
  const boundedOrRefused = (recipes: typeof protobufRecipe | typeof jsonRecipe) =>
    fc.asyncProperty(recipes, async (recipe) => {
      const input = inputOf(recipe);
      const verdict = await decode(input);
      expectNoCrash(verdict, FUZZ.hangMs);
      expectBoundedBatch(verdict, input);
    });

  it('protobuf: corrupted bytes and length prefixes, plain or gzipped, give a bounded batch or an IngestError', async () => {
    await checkProperty('otlp protobuf', boundedOrRefused(protobufRecipe), runs);
  }, fuzzTimeoutMs(runs));

  it('JSON: hostile values, keys, nesting and syntax give a bounded batch or an IngestError', async () => {
    await checkProperty('otlp json', boundedOrRefused(jsonRecipe), runs);
  }, fuzzTimeoutMs(runs));

  it('refuses decompression, length and nesting bombs quickly with the right status', async () => {
    const deepValue = `${'{"arrayValue":{"values":['.repeat(5_000)}{"stringValue":"x"}${']}}'.repeat(5_000)}`;
    const deepJson = `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"timeUnixNano":"1775822400000000000","asDouble":1,"attributes":[{"key":"deep","value":${deepValue}}]}]}}]}]}]}`;
    const cases: ReadonlyArray<readonly [string, OtlpInput, number]> = [
      ['16 MiB of gzipped zeros', { body: gzipped(new Uint8Array(16 << 20)), contentType: PROTOBUF, gzip: true, decodedBound: LIMIT }, 413],
      ['a resourceMetrics claiming 4 GiB', { body: Uint8Array.from([0x0a, ...encodeVarint(2n ** 32n), 0x0a, 0x00]), contentType: PROTOBUF, gzip: false, decodedBound: 7 }, 400],
      ['an attribute value nested 2,000 arrays deep (protobuf)', { body: encodeDeep(2_000), contentType: PROTOBUF, gzip: false, decodedBound: LIMIT }, 400],
      ['an attribute value nested 5,000 arrays deep (JSON)', { body: new TextEncoder().encode(deepJson), contentType: JSON_TYPE, gzip: false, decodedBound: LIMIT }, 400],
      ['JSON arrays nested 200,000 deep', { body: new TextEncoder().encode(`{"resourceMetrics":${'['.repeat(200_000)}${']'.repeat(200_000)}}`), contentType: JSON_TYPE, gzip: false, decodedBound: LIMIT }, 400],
    ];
    for (const [name, input, status] of cases) {
      const verdict = await decode(input);
      expectNoCrash(verdict, FUZZ.hangMs);
      expect(refusalOf(verdict)?.fields.status, name).toBe(status);
    }
  });

  it('maps amplification bombs within the hang guard: a long string or many labels shared by many series', async () => {
    const long = 'x'.repeat(1 << 19);
    const points = (n: number, attributes: (i: number) => unknown[] = () => []) =>
      Array.from({ length: n }, (_, i) => ({ timeUnixNano: String(1775822400000000000 + i * 1e6), asDouble: 1, count: '0', attributes: attributes(i) }));
    const request = (resource: unknown[], metric: Record<string, unknown>) => ({ resourceMetrics: [{ resource: { attributes: resource }, scopeMetrics: [{ metrics: [metric] }] }] });
    const manyAttributes = Array.from({ length: 3_000 }, (_, i) => ({ key: `a${i}`, value: { stringValue: 'v' } }));
    const cases: ReadonlyArray<readonly [string, unknown]> = [
      ['a 512 KiB service.name over 10,000 series', request([{ key: 'service.name', value: { stringValue: long } }], { name: 'g', gauge: { dataPoints: points(10_000, (i) => [{ key: 'i', value: { intValue: String(i) } }]) } })],
      ['a 512 KiB metric name over 10,000 histogram points', request([], { name: long, histogram: { aggregationTemporality: 2, dataPoints: points(10_000) } })],
      ['3,000 attributes on a point of 3,000 buckets', request([], { name: 'h', histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: '1775822400000000000', count: '3001', explicitBounds: Array.from({ length: 3_000 }, (_, i) => i), bucketCounts: Array(3_001).fill('1'), attributes: manyAttributes }] } })],
    ];
    for (const [name, value] of cases) {
      for (const [contentType, body] of [[PROTOBUF, encode(value)], [JSON_TYPE, new TextEncoder().encode(JSON.stringify(value))]] as const) {
        const input = { body, contentType, gzip: false, decodedBound: body.length };
        const verdict = await decode(input);
        expectNoCrash(verdict, FUZZ.hangMs);
        expect(verdict.outcome.kind, `${name} (${contentType})`).toBe('decoded');
        expectBoundedBatch(verdict, input);
      }
    }
  });

  it('POST /v1/metrics of the real app: never a 5xx but 503, errors as google.rpc.Status or the JSON envelope, and the SDK\'s request is accepted afterwards', async () => {
    const httpRuns = runsFor(0.25);
    const contentType = fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/grpc', '') });
    await checkProperty('http otlp', fc.asyncProperty(fc.oneof(protobufRecipe, jsonRecipe), contentType, async (recipe, otherType) => {
      const { body, contentType: type, gzip } = inputOf(recipe);
      const verdict = await sandbox.run('http-otlp', body, { 'Content-Type': otherType ?? type, ...(gzip ? { 'Content-Encoding': 'gzip' } : {}) });
      expectNoCrash(verdict, FUZZ.hangMs);
      const facts = decodedFacts(verdict) ?? {};
      expect([200, 400, 413, 415, 503], JSON.stringify(facts)).toContain(facts.status);
      if (typeof facts.status === 'number' && facts.status >= 400) expect(facts.errorShape, JSON.stringify(facts)).toBe(true);
      expect(facts.survivorStatus, 'the SDK\'s request after it').toBe(200);
    }), httpRuns);
  }, fuzzTimeoutMs(runsFor(0.25)));
});

/** A protobuf request whose one attribute value nests `depth` AnyValue arrays, written by hand (inside out). */
function encodeDeep(depth: number): Uint8Array {
  const field = (number: number, content: readonly number[]): number[] => [(number << 3) | 2, ...encodeVarint(BigInt(content.length)), ...content];
  let value = field(1, [0x78]); // AnyValue { string_value: "x" }
  for (let i = 0; i < depth; i++) value = field(5, field(1, value)); // AnyValue { array_value: ArrayValue { values: [value] } }
  const attribute = field(7, [...field(1, [0x6b]), ...field(2, value)]); // NumberDataPoint.attributes: KeyValue { key: "k", value }
  const point = [...attribute, 0x19, ...new Array<number>(8).fill(1)]; // NumberDataPoint { attributes, time_unix_nano }
  const metric = [...field(1, [0x67]), ...field(5, field(1, point))]; // Metric { name: "g", gauge: Gauge { data_points } }
  return Uint8Array.from(field(1, field(2, field(2, metric)))); // ExportMetricsServiceRequest.resource_metrics.scope_metrics.metrics
}
