/**
 * Content negotiation of a remote-write request, as Prometheus' own receiver does it
 * (`storage/remote/write_handler.go`): the Content-Type decides the message (`application/x-protobuf`,
 * optionally `;proto=prometheus.WriteRequest`), the Content-Encoding must be `snappy`; a missing
 * Content-Type or Content-Encoding is read as remote-write 1.0 with snappy, so old senders keep working.
 * Remote-write 2.0 (`proto=io.prometheus.write.v2.Request`) gets 415, which tells a 2.0 sender to fall
 * back to 1.0.
 */
import { IngestError } from '../ingest-error.js';

/** The request headers that decide how a remote-write body is read (values as received, any case). */
export interface RemoteWriteHeaders {
  readonly contentType?: string;
  readonly contentEncoding?: string;
  /** `X-Prometheus-Remote-Write-Version`, e.g. `0.1.0`. */
  readonly remoteWriteVersion?: string;
}

const PROTOBUF_MEDIA_TYPE = 'application/x-protobuf';
const V1_MESSAGE = 'prometheus.WriteRequest';
const V2_MESSAGE = 'io.prometheus.write.v2.Request';

/**
 * Accepts remote-write 1.0 headers; throws an {@link IngestError} 415 naming the header, the value
 * received and what is accepted otherwise.
 */
export function checkRemoteWriteHeaders(headers: RemoteWriteHeaders): void {
  const explicitV1 = checkContentType(headers.contentType);
  checkContentEncoding(headers.contentEncoding);
  checkVersion(headers.remoteWriteVersion, explicitV1);
}

/** Returns true when the Content-Type names the 1.0 message explicitly (`proto=prometheus.WriteRequest`). */
function checkContentType(contentType: string | undefined): boolean {
  if (contentType === undefined || contentType.trim() === '') return false;
  const [media = '', ...parameters] = contentType.split(';');
  if (media.trim().toLowerCase() !== PROTOBUF_MEDIA_TYPE) {
    throw new IngestError(415, 'unsupported_media_type', `Content-Type ${JSON.stringify(contentType)}: expected ${PROTOBUF_MEDIA_TYPE} (Prometheus remote-write 1.0)`);
  }
  for (const parameter of parameters) {
    const equals = parameter.indexOf('=');
    if (equals < 0) {
      throw new IngestError(415, 'unsupported_media_type', `Content-Type ${JSON.stringify(contentType)}: parameter ${JSON.stringify(parameter.trim())} is not of the form key=value`);
    }
    if (parameter.slice(0, equals).trim().toLowerCase() !== 'proto') continue;
    return checkProtoParameter(contentType, parameter.slice(equals + 1).trim().replace(/^"(.*)"$/, '$1'));
  }
  return false;
}

function checkProtoParameter(contentType: string, message: string): boolean {
  if (message === V1_MESSAGE) return true;
  if (message === V2_MESSAGE) {
    throw new IngestError(415, 'unsupported_remote_write_version', `Content-Type ${JSON.stringify(contentType)}: remote-write 2.0 (proto=${V2_MESSAGE}) is not supported; send remote-write 1.0 (proto=${V1_MESSAGE})`);
  }
  throw new IngestError(415, 'unsupported_media_type', `Content-Type ${JSON.stringify(contentType)}: unknown protobuf message ${JSON.stringify(message)}; expected proto=${V1_MESSAGE}`);
}

function checkContentEncoding(contentEncoding: string | undefined): void {
  if (contentEncoding === undefined || contentEncoding.trim() === '') return;
  if (contentEncoding.trim().toLowerCase() === 'snappy') return;
  throw new IngestError(415, 'unsupported_encoding', `Content-Encoding ${JSON.stringify(contentEncoding)}: only snappy (block format) is accepted`);
}

/** A version header of major 2 or more, without an explicit 1.0 Content-Type, announces a 2.0 body. */
function checkVersion(version: string | undefined, explicitV1: boolean): void {
  if (version === undefined || version.trim() === '') return;
  const major = /^\s*(\d+)\./.exec(version)?.[1];
  if (major === undefined) {
    throw new IngestError(415, 'unsupported_remote_write_version', `X-Prometheus-Remote-Write-Version ${JSON.stringify(version)}: expected a version such as 0.1.0`);
  }
  if (Number(major) >= 2 && !explicitV1) {
    throw new IngestError(415, 'unsupported_remote_write_version', `X-Prometheus-Remote-Write-Version ${JSON.stringify(version)}: remote-write 2.0 is not supported; send remote-write 1.0 (version 0.1.0, Content-Type ${PROTOBUF_MEDIA_TYPE})`);
  }
}
