/**
 * Fuzz targets of the push decoders: the snappy block decoder (allocating and reusing, compared),
 * remote-write 1.0 (`decodeRemoteWrite`) and OTLP/HTTP metrics (`decodeOtlpMetrics`, protobuf and JSON,
 * gzip or not). Their documented refusal is an {@link IngestError} of status 400, 413 or 415.
 */
import { IngestError } from '../../../src/ingest/ingest-error.js';
import { decodeOtlpMetrics } from '../../../src/ingest/otlp/index.js';
import { decodeRemoteWrite } from '../../../src/ingest/remote-write/decode-remote-write.js';
import { readSnappyDecodedLength, uncompressSnappyBlock, uncompressSnappyBlockReusing } from '../../../src/ingest/remote-write/snappy-block.js';
import type { IngestBatch } from '../../../src/series/model.js';
import type { FuzzTargets } from './fuzz-target.js';
import { numberParam, seriesFacts, stringParam } from './fuzz-target.js';
import type { Facts } from './sandbox-protocol.js';

/** True for an IngestError a decoder may answer with (never 503: decoding cannot be overloaded). */
export function isDecoderIngestError(error: unknown): boolean {
  return error instanceof IngestError && (error.status === 400 || error.status === 413 || error.status === 415);
}

/** Facts about an ingest batch: its series, samples, labels, rejected samples and whether every value is finite. */
function batchFacts(batch: IngestBatch): Facts {
  const finiteValues = batch.series.every((s) => s.values.every(Number.isFinite));
  const rejected = [...batch.rejected.values()].reduce((a, b) => a + b, 0);
  return { ...seriesFacts(batch.series), rejected, finiteValues };
}

type Attempt = { readonly bytes: Uint8Array } | { readonly error: unknown };

function attempt(decode: () => Uint8Array): Attempt {
  try {
    return { bytes: Uint8Array.from(decode()) };
  } catch (error) {
    return { error };
  }
}

function sameAttempt(a: Attempt, b: Attempt): boolean {
  if ('bytes' in a && 'bytes' in b) return Buffer.from(a.bytes).equals(Buffer.from(b.bytes));
  if ('error' in a && 'error' in b) return a.error instanceof Error && b.error instanceof Error && a.error.message === b.error.message;
  return false;
}

/** The push targets by name; `limit` (param) is the decoded-size limit in bytes. */
export const PUSH_TARGETS: FuzzTargets = {
  snappy: {
    run(input, params) {
      const limit = numberParam(params, 'limit', 1 << 20);
      const allocating = attempt(() => uncompressSnappyBlock(input, limit));
      const reusing = attempt(() => uncompressSnappyBlockReusing(input, limit));
      const agree = sameAttempt(allocating, reusing);
      if ('error' in allocating && agree) throw allocating.error;
      const decodedBytes = 'bytes' in allocating ? allocating.bytes.length : -1;
      return { agree, decodedBytes, declaredBytes: readSnappyDecodedLength(input), limit };
    },
    documented: isDecoderIngestError,
  },
  'remote-write': {
    run(input, params) {
      const limit = numberParam(params, 'limit', 1 << 20);
      const headers = { contentType: stringParam(params, 'contentType'), contentEncoding: stringParam(params, 'contentEncoding'), remoteWriteVersion: stringParam(params, 'version') };
      const batch = decodeRemoteWrite(input, headers, { maxDecodedBytes: limit, maxSeriesPerRequest: numberParam(params, 'maxSeries', 10_000) });
      return { ...batchFacts(batch), declaredBytes: readSnappyDecodedLength(input) };
    },
    documented: isDecoderIngestError,
  },
  otlp: {
    run(input, params) {
      const headers = { contentType: stringParam(params, 'contentType'), contentEncoding: stringParam(params, 'contentEncoding') };
      const options = { maxDecodedBytes: numberParam(params, 'limit', 1 << 22), labels: { instance: 'instance', service: 'service' } };
      const result = decodeOtlpMetrics(input, headers, options);
      return { ...batchFacts(result.batch), rejectedDataPoints: result.rejectedDataPoints };
    },
    documented: isDecoderIngestError,
  },
};
