/**
 * Fuzzing of the remote-write 1.0 decoders, seeded with requests captured from Prometheus 2.42: the
 * snappy block decoder (corrupted blocks; the allocating and the reusing decoder must agree, and
 * never produce more than the declared size or the limit), `decodeRemoteWrite` on corrupted snappy
 * and on corrupted protobuf inside valid snappy (bit flips, boundary bytes, cut, duplicated and
 * inserted slices, lying length prefixes), with header variants. Every input must give a batch or an
 * IngestError 400/413/415 within the hang guard, and the batch is bounded by the decoded size: each
 * sample, series and label costs at least two bytes of protobuf. Decompression and length bombs are
 * refused quickly, and a slice of the inputs goes to `POST /api/v1/write` of the real app.
 */
import fc from 'fast-check';
import { compressSync } from 'snappy';
import { afterAll, describe, expect, it } from 'vitest';
import { checkProperty, FUZZ, fuzzTimeoutMs, runSummary, runsFor } from './fuzz-settings.js';
import { decodedFacts, expectNoCrash, factNumber, refusalOf } from './fuzz-verdict.js';
import { applyByteEdits, byteEdits, encodeVarint } from './mutate-bytes.js';
import type { ByteEdit } from './mutate-bytes.js';
import { DecoderSandbox } from './sandbox/decoder-sandbox.js';
import type { SandboxVerdict } from './sandbox/decoder-sandbox.js';
import type { TargetParams } from './sandbox/sandbox-protocol.js';
import { REMOTE_WRITE_BODIES, WRITE_REQUESTS } from './seeds.js';

const sandbox = new DecoderSandbox(['push', 'http'], FUZZ.hangMs);
afterAll(async () => {
  console.info(runSummary('remote-write.fuzz.test.ts', sandbox.slowest));
  await sandbox.close();
});

const PROMETHEUS_HEADERS = { contentType: 'application/x-protobuf', contentEncoding: 'snappy', version: '0.1.0' };
const snappy = (bytes: Uint8Array): Uint8Array => new Uint8Array(compressSync(Buffer.from(bytes)));

/** Headers as senders send them, mostly Prometheus', sometimes another version, type or encoding. */
const headers: fc.Arbitrary<TargetParams> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(PROMETHEUS_HEADERS) },
  {
    weight: 1,
    arbitrary: fc.record({
      contentType: fc.constantFrom('application/x-protobuf', 'application/x-protobuf;proto=prometheus.WriteRequest', 'application/x-protobuf;proto=io.prometheus.write.v2.Request', 'application/x-protobuf; junk', 'text/plain', ''),
      contentEncoding: fc.constantFrom('snappy', 'SNAPPY', 'gzip', ''),
      version: fc.constantFrom('0.1.0', '2.0.0', '1', ''),
    }),
  },
);

/** How a corrupted body is made: byte edits of a captured snappy block, or protobuf edits (length lies included) of its content, compressed again. */
interface BodyRecipe {
  readonly layer: 'snappy' | 'protobuf';
  readonly seed: string;
  readonly edits: readonly ByteEdit[];
}

const corruptedBody: fc.Arbitrary<BodyRecipe> = fc.oneof(
  fc.record({ layer: fc.constant('snappy' as const), seed: fc.constantFrom(...Object.keys(REMOTE_WRITE_BODIES)), edits: byteEdits() }),
  fc.record({ layer: fc.constant('protobuf' as const), seed: fc.constantFrom(...Object.keys(WRITE_REQUESTS)), edits: byteEdits({ protobuf: true }) }),
);

/** The body a recipe makes. */
function bodyOf(recipe: BodyRecipe): Uint8Array {
  if (recipe.layer === 'snappy') return applyByteEdits(REMOTE_WRITE_BODIES[recipe.seed] as Uint8Array, recipe.edits);
  return snappy(applyByteEdits(WRITE_REQUESTS[recipe.seed] as Uint8Array, recipe.edits));
}

/** The decoded-size limits tried: tiny, below and above the seeds' sizes. */
const limit = fc.constantFrom(16, 300, 1 << 10, 1 << 20);

/** A decoded batch costs at least two protobuf bytes per sample (rejected ones included), series and label. */
function expectBatchWithinDecodedSize(verdict: SandboxVerdict): void {
  const facts = decodedFacts(verdict);
  if (facts === undefined) return;
  const items = factNumber(facts, 'samples') + factNumber(facts, 'rejected') + factNumber(facts, 'series') + factNumber(facts, 'labels');
  expect(2 * items, `samples, series and labels of ${JSON.stringify(facts)}`).toBeLessThanOrEqual(factNumber(facts, 'declaredBytes'));
}

/** A refusal is an IngestError of status 400, 413 or 415 (the sandbox target checks the class and status). */
function expectStatus(verdict: SandboxVerdict, statuses: readonly number[]): void {
  expect(statuses).toContain(refusalOf(verdict)?.fields.status);
}

describe('remote-write decoders under fuzzing', () => {
  const runs = runsFor(1);

  it('snappy: corrupted blocks decode the same with both decoders, within the declared size and the limit, or are refused', async () => {
    const block = fc.record({ seed: fc.constantFrom(...Object.keys(REMOTE_WRITE_BODIES)), edits: byteEdits({ maxEdits: 3 }) });
    await checkProperty('snappy blocks', fc.asyncProperty(block, limit, async (recipe, max) => {
      const verdict = await sandbox.run('snappy', applyByteEdits(REMOTE_WRITE_BODIES[recipe.seed] as Uint8Array, recipe.edits), { limit: max });
      expectNoCrash(verdict, FUZZ.hangMs);
      const facts = decodedFacts(verdict);
      if (facts === undefined) return;
      expect(facts.agree, 'the reusing decoder agrees with the allocating one').toBe(true);
      expect(factNumber(facts, 'decodedBytes')).toBe(factNumber(facts, 'declaredBytes'));
      expect(factNumber(facts, 'decodedBytes')).toBeLessThanOrEqual(max);
    }), runs);
  }, fuzzTimeoutMs(runs));

  it('decodeRemoteWrite: corrupted snappy or protobuf gives a bounded batch or an IngestError 400/413/415', async () => {
    await checkProperty('remote-write bodies', fc.asyncProperty(corruptedBody, headers, limit, async (recipe, params, max) => {
      const verdict = await sandbox.run('remote-write', bodyOf(recipe), { ...params, limit: max });
      expectNoCrash(verdict, FUZZ.hangMs);
      expectBatchWithinDecodedSize(verdict);
    }), runs);
  }, fuzzTimeoutMs(runs));

  it('refuses decompression and length bombs quickly, before allocating what they claim', async () => {
    const request = WRITE_REQUESTS['prometheus-2.42.bin'] as Uint8Array;
    const cases: ReadonlyArray<readonly [string, Uint8Array, readonly number[]]> = [
      ['a block declaring 4 GiB', Uint8Array.from([...encodeVarint(2n ** 32n - 1n), 0x00]), [413]],
      ['a block declaring one byte over the limit', Uint8Array.from([...encodeVarint(BigInt((1 << 20) + 1)), 0x00]), [413]],
      ['a decoded-length header of six bytes', Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), [400]],
      ['a block whose copies repeat one byte to the declared size', Uint8Array.from([...encodeVarint(1n << 20n), 0x00, 0x61, ...Array.from({ length: 16_384 }, () => [0xfe, 0x01, 0x00]).flat()]), [400]],
      ['a time series claiming 4 GiB', snappy(Uint8Array.from([0x0a, ...encodeVarint(2n ** 32n), ...request.subarray(0, 64)])), [400]],
      ['a time series claiming 2^64 bytes', snappy(Uint8Array.from([0x0a, ...encodeVarint(2n ** 64n - 1n)])), [400]],
      ['groups nested 50,000 deep', snappy(Uint8Array.from([...Array.from({ length: 50_000 }, () => 0x2b), ...Array.from({ length: 50_000 }, () => 0x2c)])), [400]],
      ['200,000 empty time series', snappy(new Uint8Array(400_000).fill(0x0a).map((b, i) => (i % 2 === 0 ? b : 0))), [413]],
    ];
    for (const [name, body, statuses] of cases) {
      const verdict = await sandbox.run('remote-write', body, { ...PROMETHEUS_HEADERS, limit: 1 << 20 });
      expectNoCrash(verdict, FUZZ.hangMs);
      expect(refusalOf(verdict)?.fields.status, name).toSatisfy((status: unknown) => statuses.includes(status as number));
    }
    expectStatus(await sandbox.run('snappy', Uint8Array.from([...encodeVarint(2n ** 32n - 1n), 0x00]), { limit: 1 << 20 }), [413]);
  });

  it('POST /api/v1/write of the real app: never a 5xx but 503, errors in the envelope, and Prometheus\' request is accepted afterwards', async () => {
    const httpRuns = runsFor(0.25);
    const body = fc.oneof(corruptedBody, fc.record({ layer: fc.constant('snappy' as const), seed: fc.constantFrom(...Object.keys(REMOTE_WRITE_BODIES)), edits: fc.constant([]) }));
    const httpHeaders = headers.map((h) => ({ 'Content-Type': h.contentType, 'Content-Encoding': h.contentEncoding, 'X-Prometheus-Remote-Write-Version': h.version }));
    await checkProperty('http remote-write', fc.asyncProperty(body, httpHeaders, async (recipe, params) => {
      const verdict = await sandbox.run('http-remote-write', bodyOf(recipe), params as TargetParams);
      expectNoCrash(verdict, FUZZ.hangMs);
      const facts = decodedFacts(verdict) ?? {};
      expect([204, 400, 413, 415, 503], JSON.stringify(facts)).toContain(facts.status);
      if (typeof facts.status === 'number' && facts.status >= 400) expect(facts.errorShape, JSON.stringify(facts)).toBe(true);
      expect(facts.survivorStatus, 'Prometheus\' request after it').toBe(204);
    }), httpRuns);
  }, fuzzTimeoutMs(runsFor(0.25)));
});
