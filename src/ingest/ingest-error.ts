/**
 * The one error family of every push decoder (remote-write, OTLP): an HTTP status the service answers
 * with, a stable machine-readable `code`, and a message that says what was wrong and where
 * (`protobuf: WriteRequest.timeseries[3].labels[1]: invalid wire type 7 at byte 1234`).
 *
 * Status meanings follow the remote-write specification: 4xx answers are never retried by senders.
 * - 400: the body is malformed or invalid (corrupt compression, bad protobuf, invalid labels);
 * - 413: the body or its decoded size is over a configured limit;
 * - 415: the Content-Type, Content-Encoding or protocol version is not one this server accepts;
 * - 503: the server cannot take the data now (sender retries with backoff).
 */

/** HTTP statuses a push decoder can fail with. */
export type IngestErrorStatus = 400 | 413 | 415 | 503;

/** A pushed request that cannot be accepted; mapped once by the HTTP layer to `{"error":{"code","message"}}`. */
export class IngestError extends Error {
  readonly status: IngestErrorStatus;
  /** Stable identifier such as `invalid_protobuf`, `payload_too_large`, `unsupported_media_type`. */
  readonly code: string;

  constructor(status: IngestErrorStatus, code: string, message: string) {
    super(message);
    this.name = 'IngestError';
    this.status = status;
    this.code = code;
  }
}
