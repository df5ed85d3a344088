import { describe, expect, it } from 'vitest';
import { IngestError } from '../ingest-error.js';
import { checkRemoteWriteHeaders } from './remote-write-headers.js';
import type { RemoteWriteHeaders } from './remote-write-headers.js';

function failure(headers: RemoteWriteHeaders): IngestError {
  try {
    checkRemoteWriteHeaders(headers);
  } catch (error) {
    if (error instanceof IngestError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(headers)} to be refused`);
}

describe('checkRemoteWriteHeaders', () => {
  it('accepts what remote-write 1.0 senders send, and missing headers as Prometheus does', () => {
    const accepted: RemoteWriteHeaders[] = [
      { contentType: 'application/x-protobuf', contentEncoding: 'snappy', remoteWriteVersion: '0.1.0' },
      { contentType: 'Application/X-Protobuf; proto=prometheus.WriteRequest', contentEncoding: 'SNAPPY', remoteWriteVersion: '1.0.0' },
      { contentType: 'application/x-protobuf;proto="prometheus.WriteRequest"', remoteWriteVersion: '2.0.0' },
      { contentType: 'application/x-protobuf; charset=utf-8' },
      {},
      { contentType: '', contentEncoding: '', remoteWriteVersion: '' },
    ];
    for (const headers of accepted) expect(() => checkRemoteWriteHeaders(headers)).not.toThrow();
  });

  it('refuses remote-write 2.0 with 415 and says which version to send', () => {
    const byContentType = failure({ contentType: 'application/x-protobuf;proto=io.prometheus.write.v2.Request', remoteWriteVersion: '2.0.0' });
    expect([byContentType.status, byContentType.code]).toEqual([415, 'unsupported_remote_write_version']);
    expect(byContentType.message).toBe(
      'Content-Type "application/x-protobuf;proto=io.prometheus.write.v2.Request": remote-write 2.0 (proto=io.prometheus.write.v2.Request) is not supported; send remote-write 1.0 (proto=prometheus.WriteRequest)',
    );
    const byVersion = failure({ contentType: 'application/x-protobuf', remoteWriteVersion: '2.0.0' });
    expect([byVersion.status, byVersion.code]).toEqual([415, 'unsupported_remote_write_version']);
  });

  it('refuses other media types, protobuf messages, parameters and encodings with 415', () => {
    const cases: Array<[RemoteWriteHeaders, string, string]> = [
      [{ contentType: 'application/json' }, 'unsupported_media_type', 'Content-Type "application/json": expected application/x-protobuf (Prometheus remote-write 1.0)'],
      [{ contentType: 'application/x-protobuf;proto=opentelemetry.ExportRequest' }, 'unsupported_media_type', 'Content-Type "application/x-protobuf;proto=opentelemetry.ExportRequest": unknown protobuf message "opentelemetry.ExportRequest"; expected proto=prometheus.WriteRequest'],
      [{ contentType: 'application/x-protobuf;garbage' }, 'unsupported_media_type', 'Content-Type "application/x-protobuf;garbage": parameter "garbage" is not of the form key=value'],
      [{ contentEncoding: 'gzip' }, 'unsupported_encoding', 'Content-Encoding "gzip": only snappy (block format) is accepted'],
      [{ remoteWriteVersion: 'latest' }, 'unsupported_remote_write_version', 'X-Prometheus-Remote-Write-Version "latest": expected a version such as 0.1.0'],
    ];
    for (const [headers, code, message] of cases) {
      const error = failure(headers);
      expect([error.status, error.code, error.message]).toEqual([415, code, message]);
    }
  });
});
