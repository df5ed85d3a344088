/**
 * OpenTelemetry traces of the service's own work (ingest requests, detection runs) through
 * `@opentelemetry/sdk-node`, configured only by the standard `OTEL_*` environment variables and
 * off unless one of them asks for traces: `OTEL_TRACES_EXPORTER` (other than `none`),
 * `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`. `OTEL_SDK_DISABLED=true`
 * wins over all. The SDK's own metrics and logs stay off: the service's metrics are the
 * Prometheus ones at `/metrics`.
 *
 * Spans are made through `@opentelemetry/api`, which is a no-op while no SDK is registered.
 */
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Span } from '@opentelemetry/api';

/** A started tracing SDK. */
export interface Tracing {
  /** Flushes pending spans and stops the SDK. */
  shutdown(): Promise<void>;
}

/** Whether the environment configures traces (see the module comment). */
export function tracesConfigured(env: NodeJS.ProcessEnv): boolean {
  if ((env['OTEL_SDK_DISABLED'] ?? '').trim().toLowerCase() === 'true') return false;
  const exporters = (env['OTEL_TRACES_EXPORTER'] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (exporters.length > 0) return exporters.some((e) => e !== 'none');
  return (env['OTEL_EXPORTER_OTLP_ENDPOINT'] ?? '') !== '' || (env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ?? '') !== '';
}

/**
 * Starts the Node SDK when the environment configures traces; null otherwise. The SDK reads
 * `process.env`; the service name defaults to `shiftguard` (`OTEL_SERVICE_NAME` overrides).
 */
export async function startTracing(env: NodeJS.ProcessEnv, version: string): Promise<Tracing | null> {
  if (!tracesConfigured(env)) return null;
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const sdk = new NodeSDK({
    ...(env['OTEL_SERVICE_NAME'] === undefined ? { serviceName: 'shiftguard' } : {}),
    resource: resourceFromAttributes({ 'service.version': version }),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

/**
 * Runs `work` inside a span named `name`; the span records an exception and error status when
 * `work` throws, and ends when it settles. `work` may add attributes to the span it is given.
 */
export async function inSpan<T>(name: string, attributes: Attributes, work: (span: Span) => Promise<T>): Promise<T> {
  // Looked up per span, not once at load: the SDK (loaded from node_modules, outside the bundle)
  // registers the global provider later, and a tracer taken earlier from the bundle's own API copy
  // would stay a no-op proxy.
  return trace.getTracer('shiftguard').startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}
