/**
 * The real payloads every fuzz property starts from: requests captured from Prometheus 2.42 and from
 * the OpenTelemetry JS SDK, answers captured from a real Prometheus, the OpenMetrics fixtures, and the
 * repository's upgrade, manifest, inventory and configuration files (see the READMEs of
 * `test/fixtures/`). Each set is a record of name → content, for `fc.constantFrom` over the names.
 */
import { readFileSync } from 'node:fs';
import { uncompressSync } from 'snappy';

const ROOT = new URL('../../', import.meta.url);
const bytes = (path: string): Uint8Array => new Uint8Array(readFileSync(new URL(path, ROOT)));
const text = (path: string): string => readFileSync(new URL(path, ROOT), 'utf8');
const record = <T>(paths: readonly string[], read: (path: string) => T): Readonly<Record<string, T>> =>
  Object.fromEntries(paths.map((path) => [path.split('/').at(-1) ?? path, read(path)]));

/** Remote-write request bodies (snappy blocks) as Prometheus 2.42 sent them. */
export const REMOTE_WRITE_BODIES = record(['test/fixtures/remote-write/prometheus-2.42.bin', 'test/fixtures/remote-write/prometheus-2.42-metadata.bin'], bytes);

/** The serialized `WriteRequest`s inside {@link REMOTE_WRITE_BODIES}. */
export const WRITE_REQUESTS: Readonly<Record<string, Uint8Array>> = Object.fromEntries(
  Object.entries(REMOTE_WRITE_BODIES).map(([name, body]) => [name, new Uint8Array(uncompressSync(body, { asBuffer: true }) as Buffer)]),
);

/** OTLP/HTTP protobuf bodies from the OpenTelemetry JS SDK's exporter. */
export const OTLP_PROTOBUF_BODIES = record(['test/fixtures/otlp/sdk-cumulative.binpb'], bytes);

/** OTLP/HTTP JSON bodies from the OpenTelemetry JS SDK's exporter, parsed. */
export const OTLP_JSON_BODIES = record(['test/fixtures/otlp/sdk-delta.json'], (path) => JSON.parse(text(path)) as unknown);

/** OpenMetrics (seconds, `# EOF`) and Prometheus text (milliseconds) files. */
export const OPENMETRICS_FILES = record(['test/fixtures/ingest/sample.om', 'test/fixtures/ingest/sample.prom'], text);

/** Prometheus API answers a real Prometheus gave to shiftguard's pull source, parsed. */
export const PROMETHEUS_MATRIX_ANSWERS = record(
  [
    'test/fixtures/prometheus-api/query_range-http_client_retries_total.json',
    'test/fixtures/prometheus-api/query_range-http_server_request_duration_seconds_bucket.json',
    'test/fixtures/prometheus-api/query_range-probe-http_client_retries_total.json',
  ],
  (path) => JSON.parse(text(path)) as unknown,
);

/** `/api/v1/series` answers of the same Prometheus, parsed. */
export const PROMETHEUS_SERIES_ANSWERS = record(
  ['test/fixtures/prometheus-api/series-http_client_retries_total.json', 'test/fixtures/prometheus-api/series-http_server_request_duration_seconds_bucket.json'],
  (path) => JSON.parse(text(path)) as unknown,
);

/** upgrade.json files: a complete one, the output of `upgrade diff`, and one with a mistake per field. */
export const UPGRADE_FILES = record(['test/fixtures/upgrades/dten-2026.04.json', 'test/fixtures/upgrades/dten-upgrade-diff.json', 'test/fixtures/upgrades/bad-upgrade.json'], text);

/** Package manifests (a valid one and one with mistakes). */
export const MANIFEST_FILES = record(['test/fixtures/upgrades/dten-package-manifest.json', 'test/fixtures/upgrades/bad-manifest.json'], text);

/** Inventories. */
export const INVENTORY_FILES = record(['test/fixtures/upgrades/dten-inventory.json'], text);

/** shiftguard.yaml files: the shipped one, test configurations and broken ones. */
export const CONFIG_FILES = record(
  [
    'config/shiftguard.yaml',
    'test/fixtures/config/custom.yaml',
    'test/fixtures/config/bad-fields.yaml',
    'test/fixtures/config/syntax-error.yaml',
    'test/fixtures/e2e/retries-only.yaml',
    'test/fixtures/e2e/retries-by-service-large-threshold.yaml',
    'test/fixtures/e2e/bad-yaml-syntax.yaml',
  ],
  text,
);

/** guardrails.yaml: the shipped one (CONTRACT §7). */
export const GUARDRAILS_FILES = record(['config/guardrails.yaml'], text);

/** JSON values of text seeds, for structural (JSON edit) mutations; seeds that do not parse are left out. */
export function parsedSeeds(texts: Readonly<Record<string, string>>, parse: (text: string) => unknown): Readonly<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [name, content] of Object.entries(texts)) {
    try {
      out[name] = parse(content);
    } catch {
      // A seed with a syntax error (on purpose) serves the text mutations only.
    }
  }
  return out;
}
