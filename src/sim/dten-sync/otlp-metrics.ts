/**
 * The metrics of one simulated dten-sync instance, exported as a real process would: its own
 * `MeterProvider` (resource `service.name=dten-sync`, `service.instance.id=<instance>`), a
 * `PeriodicExportingMetricReader`, and the OTLP/HTTP protobuf exporter posting to shiftguard's
 * `/v1/metrics` with the ingest bearer token, cumulative temporality.
 *
 * shiftguard's OTLP ingest (src/ingest/otlp/) turns the resource's `service.name` and
 * `service.instance.id` into the configured `service` and `instance` labels, data point attributes
 * into labels, and names into Prometheus names with unit and `_total` suffixes, so these instruments
 * arrive as:
 * - `http.client.requests` {request} counter → `http_client_requests_total{service, instance, peer="partner"}`
 * - `http.client.retries` {retry} counter → `http_client_retries_total{service, instance, peer="partner"}`
 * - `http.server.request.duration` s histogram → `http_server_request_duration_seconds{service, instance, endpoint="/sync"}`
 * - `dten_build_info` observable gauge = 1 → `dten_build_info{service, instance, binary="dten-sync", version}`
 * `service.version` is deliberately not on the resource: ingest would make it a `version` label on
 * every series, and an upgrade would then split every counter in two.
 *
 * The build-info gauge alone is collected with delta temporality (invisible on the wire: OTLP gauges
 * carry none): under cumulative temporality the SDK keeps reporting every attribute set a gauge ever
 * observed, so after an upgrade the old version would still be exported as running.
 */
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, InstrumentType, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';

/** The service name every instance reports. */
export const SERVICE_NAME = 'dten-sync';
/** The `binary` label of the build-info gauge. */
export const BINARY_NAME = 'dten-sync';
/** The `peer` attribute of the client counters. */
export const PEER = 'partner';
/** The `endpoint` attribute of the duration histogram. */
export const ENDPOINT = '/sync';

/** Histogram bounds for end-to-end durations from 5 ms to 10 s, seconds. */
export const DURATION_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10,
]);

/** Where and how often to export. */
export interface OtlpTarget {
  /** shiftguard's base URL; metrics go to `<url>/v1/metrics`. */
  readonly shiftguardUrl: string;
  /** Bearer token with the ingest role. */
  readonly ingestToken: string;
  readonly exportIntervalMs: number;
}

/** Outcome counts of the exports of all instances. */
export interface ExportTally {
  ok: number;
  failed: number;
  lastError: string | null;
}

/** The instruments of one instance. */
export interface InstanceMetrics {
  /** Records one finished logical request. */
  recordRequest(retries: number, durationSeconds: number): void;
  /** Collects and exports now. */
  forceFlush(): Promise<void>;
  /** Final export, then stops the reader and the exporter. */
  shutdown(): Promise<void>;
}

/** The `/v1/metrics` URL under a shiftguard base URL. */
export function otlpMetricsUrl(shiftguardUrl: string): string {
  return `${shiftguardUrl.replace(/\/+$/, '')}/v1/metrics`;
}

/** Forwards to the OTLP exporter, counting outcomes and choosing delta for observable gauges only. */
class TallyingExporter implements PushMetricExporter {
  constructor(
    private readonly inner: OTLPMetricExporter,
    private readonly tally: ExportTally,
  ) {}

  export(metrics: ResourceMetrics, resultCallback: Parameters<PushMetricExporter['export']>[1]): void {
    this.inner.export(metrics, (result) => {
      if (result.code === 0) {
        this.tally.ok++;
      } else {
        this.tally.failed++;
        this.tally.lastError = result.error?.message ?? 'export failed without a reason';
      }
      resultCallback(result);
    });
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  selectAggregationTemporality(type: InstrumentType): AggregationTemporality {
    return type === InstrumentType.OBSERVABLE_GAUGE ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
  }

  selectAggregation(type: InstrumentType): ReturnType<NonNullable<PushMetricExporter['selectAggregation']>> {
    return this.inner.selectAggregation(type);
  }
}

/**
 * The metrics pipeline of one simulated process: its own `MeterProvider` (resource `service.name`,
 * `service.instance.id`) with a periodic reader and the OTLP/HTTP protobuf exporter posting to
 * shiftguard with the ingest token (cumulative; observable gauges delta), outcomes counted in `tally`.
 */
export function otlpMeterProvider(service: string, instance: string, target: OtlpTarget, tally: ExportTally): MeterProvider {
  // The reader refuses a timeout longer than its interval; an export slower than 10 s is lost anyway.
  const timeoutMs = Math.min(target.exportIntervalMs, 10_000);
  const exporter = new TallyingExporter(
    new OTLPMetricExporter({ url: otlpMetricsUrl(target.shiftguardUrl), headers: { Authorization: `Bearer ${target.ingestToken}` }, timeoutMillis: timeoutMs }),
    tally,
  );
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: target.exportIntervalMs, exportTimeoutMillis: timeoutMs });
  const resource = defaultResource().merge(resourceFromAttributes({ 'service.name': service, 'service.instance.id': instance }));
  return new MeterProvider({ resource, readers: [reader] });
}

/**
 * Creates the provider, reader, exporter and instruments of `instance`; `versionNow` is read at each
 * collection for the build-info gauge. Exports start after `target.exportIntervalMs`.
 */
export function createInstanceMetrics(instance: string, target: OtlpTarget, versionNow: () => string, tally: ExportTally): InstanceMetrics {
  const provider = otlpMeterProvider(SERVICE_NAME, instance, target, tally);
  const meter = provider.getMeter('shiftguard.sim.dten-sync', '1.0.0');
  const requests = meter.createCounter('http.client.requests', { unit: '{request}', description: 'Logical requests to the partner API' });
  const retries = meter.createCounter('http.client.retries', { unit: '{retry}', description: 'Attempts beyond the first per logical request' });
  const duration = meter.createHistogram('http.server.request.duration', {
    unit: 's',
    description: 'End-to-end duration of a sync: every attempt and every sleep',
    advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
  });
  const buildInfo = meter.createObservableGauge('dten_build_info', { description: 'The binary version this instance runs (always 1)' });
  buildInfo.addCallback((result) => result.observe(1, { binary: BINARY_NAME, version: versionNow() }));
  const peer = { peer: PEER };
  const endpoint = { endpoint: ENDPOINT };
  // Both counters exist from the first export: a retry counter that first appears at its first
  // retry would lose that increment to a reader that takes a series' first sample as its baseline.
  requests.add(0, peer);
  retries.add(0, peer);
  return {
    recordRequest: (retryCount, durationSeconds) => {
      requests.add(1, peer);
      if (retryCount > 0) retries.add(retryCount, peer);
      duration.record(durationSeconds, endpoint);
    },
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
