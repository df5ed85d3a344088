/**
 * Property tests: random valid WriteRequests round-trip through protobufjs encoding → snappy →
 * decodeRemoteWrite, and arbitrary corruptions of valid bodies only ever produce an IngestError.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IngestSeries } from '../../series/model.js';
import { IngestError } from '../ingest-error.js';
import { decodeRemoteWrite } from './decode-remote-write.js';
import { METRIC_TYPES, resolveTemporality } from './remote-write-temporality.js';
import type { MetricType } from './remote-write-temporality.js';
import {
  PROMETHEUS_HEADERS,
  STALE_MARKER,
  encodeWriteRequest,
  remoteWriteBody,
  snappyBlock,
  sortedLabels,
} from '../../../test/fixtures/remote-write/write-request-encoder.js';
import type { MetadataInput, SampleInput, TimeSeriesInput, WriteRequestInput } from '../../../test/fixtures/remote-write/write-request-encoder.js';

const LIMITS = { maxDecodedBytes: 1 << 24 };
const SEED = 20260410;

const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,12}$/).filter((n) => n !== '__name__' && n !== '__proto__');
const metricName = fc.tuple(fc.stringMatching(/^[a-z_:][a-z0-9_:]{0,10}$/), fc.constantFrom('', '_total', '_bucket', '_count', '_sum', '_created')).map(([base, suffix]) => base + suffix);
const value = fc.oneof(fc.double(), fc.constant(STALE_MARKER), fc.integer({ min: 0, max: 1e6 }));
const sample = fc.record({ value, timestamp: fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }) });
const series = fc.record({
  name: fc.option(metricName, { nil: undefined }),
  labels: fc.dictionary(labelName, fc.string({ unit: 'grapheme', maxLength: 12 }), { maxKeys: 6 }),
  samples: fc.array(sample, { maxLength: 4 }),
});
const metadata = fc.array(fc.record({ type: fc.integer({ min: 0, max: 7 }), metricFamilyName: metricName }), { maxLength: 4 });

interface GeneratedSeries {
  readonly name: string | undefined;
  readonly labels: Record<string, string>;
  readonly samples: SampleInput[];
}

function toRequest(generated: GeneratedSeries[], meta: MetadataInput[]): WriteRequestInput {
  const timeseries: TimeSeriesInput[] = generated.map((s) => ({
    labels: sortedLabels(s.name === undefined ? s.labels : { ...s.labels, __name__: s.name }),
    samples: s.samples,
  }));
  return { timeseries, metadata: meta };
}

/** What the decoder must return, from the generated input and the documented mapping rules. */
function expected(generated: GeneratedSeries[], meta: MetadataInput[]): { series: IngestSeries[]; rejected: Map<string, number> } {
  const types = new Map<string, MetricType>();
  for (const m of meta) if (m.metricFamilyName !== '') types.set(m.metricFamilyName, METRIC_TYPES[Number(m.type)] ?? 'unknown');
  const rejected = new Map<string, number>();
  const add = (reason: string, n: number) => n > 0 && rejected.set(reason, (rejected.get(reason) ?? 0) + n);
  const out: IngestSeries[] = [];
  for (const s of generated) {
    const live = s.samples.filter((p) => !Object.is(p.value, STALE_MARKER));
    add('stale_marker', s.samples.length - live.length);
    if (s.name === undefined || s.name === '') {
      add('missing_metric_name', live.length);
      continue;
    }
    const temporality = resolveTemporality(s.name, (f) => types.get(f));
    const kept = temporality === 'gauge' ? live : live.filter((p) => Number.isFinite(p.value));
    add('non_finite_value', live.length - kept.length);
    if (kept.length === 0) continue;
    const labels = Object.fromEntries(Object.entries(s.labels).filter(([, v]) => v !== ''));
    out.push({ name: s.name, labels, temporality, timestampsMs: kept.map((p) => p.timestamp), values: kept.map((p) => p.value) });
  }
  return { series: out, rejected };
}

describe('decodeRemoteWrite properties', () => {
  it('round-trips random valid WriteRequests (encode → snappy → decode)', () => {
    fc.assert(
      fc.property(fc.array(series, { maxLength: 8 }), metadata, (generated, meta) => {
        const batch = decodeRemoteWrite(remoteWriteBody(toRequest(generated, meta)), PROMETHEUS_HEADERS, LIMITS);
        const want = expected(generated, meta);
        expect(batch.series).toEqual(want.series);
        expect(batch.rejected).toEqual(want.rejected);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('answers corrupted protobuf and snappy bytes with an IngestError 400 or 413, never another error', () => {
    const valid = fc.array(series, { minLength: 1, maxLength: 4 }).map((generated) => encodeWriteRequest(toRequest(generated, [])));
    const corruption = fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), cut: fc.nat(), compressFirst: fc.boolean() });
    fc.assert(
      fc.property(valid, corruption, (bytes, { at, byte, cut, compressFirst }) => {
        const changed = Uint8Array.from(bytes);
        changed[at % changed.length] = byte;
        const raw = compressFirst ? snappyBlock(changed) : snappyBlock(bytes);
        const body = compressFirst ? raw : Uint8Array.from(raw).fill(byte, at % raw.length, (at % raw.length) + 1);
        for (const candidate of [body, body.subarray(0, cut % (body.length + 1))]) {
          try {
            decodeRemoteWrite(candidate, PROMETHEUS_HEADERS, { maxDecodedBytes: 1 << 16 });
          } catch (error) {
            expect(error).toBeInstanceOf(IngestError);
            expect([400, 413]).toContain((error as IngestError).status);
          }
        }
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});
