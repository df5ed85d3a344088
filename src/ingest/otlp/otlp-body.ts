/**
 * Content negotiation and decompression of an OTLP/HTTP request body. `Content-Type` picks the
 * encoding (`application/x-protobuf` — `application/protobuf` is accepted too — or `application/json`;
 * parameters such as `charset` are ignored); `Content-Encoding` is `gzip` or absent (`identity`). Other
 * types or encodings get 415; a body over the decoded-size limit, before or after gunzip, gets 413;
 * corrupt gzip gets 400.
 */
import { gunzipSync } from 'node:zlib';
import { IngestError } from '../ingest-error.js';

/** The two OTLP/HTTP payload encodings. */
export type OtlpEncoding = 'protobuf' | 'json';

/** The Content-Type OTLP/HTTP prescribes for each encoding (requests and responses alike). */
export const OTLP_MEDIA_TYPES: Readonly<Record<OtlpEncoding, string>> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

const MEDIA_TYPE_ENCODINGS: ReadonlyMap<string, OtlpEncoding> = new Map([
  ['application/x-protobuf', 'protobuf'],
  ['application/protobuf', 'protobuf'],
  ['application/json', 'json'],
]);

/** Maps a Content-Type header to its OTLP encoding; throws an {@link IngestError} 415 for anything else. */
export function otlpEncodingOf(contentType: string | undefined): OtlpEncoding {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const encoding = MEDIA_TYPE_ENCODINGS.get(mediaType);
  if (encoding === undefined) {
    const got = contentType === undefined ? 'no Content-Type' : `Content-Type ${JSON.stringify(contentType)}`;
    throw new IngestError(415, 'unsupported_media_type', `${got}: OTLP/HTTP accepts application/x-protobuf or application/json`);
  }
  return encoding;
}

/**
 * Undoes the Content-Encoding of `body`: `gzip` (or `x-gzip`) is gunzipped with a hard output limit of
 * `maxDecodedBytes` (a gzip bomb stops there), none/`identity` passes through. Throws an
 * {@link IngestError}: 415 for another encoding, 413 over the limit, 400 for corrupt gzip.
 */
export function decodeContentEncoding(body: Uint8Array, contentEncoding: string | undefined, maxDecodedBytes: number): Uint8Array {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') {
    if (body.length > maxDecodedBytes) throw tooLarge(`the body has ${body.length} bytes`, maxDecodedBytes);
    return body;
  }
  if (encoding !== 'gzip' && encoding !== 'x-gzip') {
    throw new IngestError(415, 'unsupported_encoding', `Content-Encoding ${JSON.stringify(contentEncoding)}: OTLP/HTTP accepts gzip or no encoding`);
  }
  try {
    return gunzipSync(body, { maxOutputLength: maxDecodedBytes });
  } catch (error) {
    if (isOutputLimitError(error)) throw tooLarge('the gzip body inflates past the limit', maxDecodedBytes);
    const reason = error instanceof Error ? error.message : String(error);
    throw new IngestError(400, 'invalid_gzip', `gzip: the body cannot be decompressed: ${reason}`);
  }
}

function isOutputLimitError(error: unknown): boolean {
  return error instanceof RangeError && (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
}

function tooLarge(what: string, maxDecodedBytes: number): IngestError {
  return new IngestError(413, 'payload_too_large', `${what}, over the limit of ${maxDecodedBytes} decoded bytes`);
}
