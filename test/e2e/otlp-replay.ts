/**
 * Replays simulated fleet telemetry through the real OpenTelemetry JS SDK: one MeterProvider per
 * instance (resource `service.name`, `service.instance.id`), a new one at each simulated process
 * restart, measurements recorded per simulated scrape interval, and one collection plus one export
 * through the real OTLP/HTTP exporter (protobuf or JSON, optionally gzip, cumulative or delta) per
 * scrape, with the SDK's clock set to the scrape's simulated time.
 *
 * The SDK stamps points with `Date.now()` (collection time, and record time for start times; see
 * `MetricCollector.collect` and `SyncMetricStorage` in @opentelemetry/sdk-metrics 2.12): the caller
 * passes `setClock`, which must make `Date.now()` return the given time (e.g. vitest's fake `Date`
 * only, which leaves timers and sockets real). The exporter's own deadline arithmetic also reads
 * `Date.now()` and only needs it not to jump backwards during one export.
 *
 * What the SDK is fed: per interval, each counter's increase (`add`, zero included, so every counter
 * has a point at every scrape) and each histogram's new observations, one value per observation at
 * the middle of its bucket (bucket counts are exact; `_sum` is the sum of those values, as
 * {@link OtlpReplayPlan.observed} says); the build-info gauge through an observable gauge. A restart
 * ends the old provider and exporter without a final export (the simulator's restart loses the
 * counts of the interval it falls in) and starts new ones. The plan (otlp-replay-plan.ts) checks
 * that the SDK's rules give exactly the simulated points: every histogram must have an observation
 * in the first interval of each process (else the SDK would export no point), and versions may
 * change only at restarts (a cumulative observable gauge keeps reporting every attribute set it
 * ever saw).
 */
import { OTLPMetricExporter as JsonExporter, AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtobufExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { Counter, Histogram } from '@opentelemetry/api';
import type { InstanceTrack, OtlpReplayPlan } from './otlp-replay-plan.js';

export { planOtlpReplay, type OtlpReplayPlan } from './otlp-replay-plan.js';

type ExporterConfig = NonNullable<ConstructorParameters<typeof ProtobufExporter>[0]>;
type Exporter = ProtobufExporter | JsonExporter;

/** How the SDK exports. */
export interface OtlpReplaySetup {
  /** The OTLP/HTTP metrics endpoint, `…/v1/metrics`. */
  readonly url: string;
  /** Extra request headers (the bearer token). */
  readonly headers: Readonly<Record<string, string>>;
  readonly encoding: 'protobuf' | 'json';
  readonly temporality: 'cumulative' | 'delta';
  readonly gzip: boolean;
}

/** `ExportResultCode.SUCCESS` of @opentelemetry/core. */
const EXPORT_SUCCESS = 0;
/** Longest wait for one export (request and answer), ms. */
const EXPORT_TIMEOUT_MS = 10_000;

/** A reader that collects only when told: no timer, and no final export at shutdown. */
class StepReader extends MetricReader {
  constructor(exporter: Exporter) {
    super({
      aggregationSelector: exporter.selectAggregation.bind(exporter),
      aggregationTemporalitySelector: exporter.selectAggregationTemporality.bind(exporter),
    });
  }

  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }

  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** One simulated process: its exporter, provider, reader and instruments. */
interface Process {
  readonly exporter: Exporter;
  readonly provider: MeterProvider;
  readonly reader: StepReader;
  readonly histograms: Map<string, Histogram>;
  readonly counters: Map<string, Counter>;
  /** The build-info attribute sets the observable gauge reports (replaced per scrape). */
  buildInfo: ReadonlyArray<Readonly<Record<string, string>>>;
}

/**
 * Feeds `plan` to the SDK and exports every scrape to `setup.url`; resolves with the number of
 * export requests once all were answered with success, rejects on the first failed export.
 */
export async function replayThroughSdk(plan: OtlpReplayPlan, setup: OtlpReplaySetup, setClock: (ms: number) => void): Promise<number> {
  const processes: Array<Process | undefined> = plan.instances.map(() => undefined);
  let exportsSent = 0;
  try {
    for (let k = 0; k < plan.stepTimesMs.length; k++) {
      for (const [i, track] of plan.instances.entries()) {
        const startMs = track.processStartMs[k];
        if (startMs !== undefined) {
          await stopProcess(processes[i]);
          setClock(startMs);
          processes[i] = startProcess(track, setup);
        }
        // Observations of the interval happen after the previous scrape (or the process start).
        setClock(Math.max(startMs ?? -Infinity, (plan.stepTimesMs[k] ?? 0) - plan.scrapeIntervalMs));
        record(track, processes[i] as Process, k);
      }
      setClock(plan.stepTimesMs[k] ?? 0);
      await Promise.all(processes.map((p, i) => collectAndExport(p as Process, plan.instances[i] as InstanceTrack, k)));
      exportsSent += processes.length;
    }
  } finally {
    await Promise.all(processes.map(stopProcess));
  }
  return exportsSent;
}

/** Ends a process without a final export (its reader exports only when told). */
async function stopProcess(process: Process | undefined): Promise<void> {
  await process?.provider.shutdown();
  await process?.exporter.shutdown();
}

function createExporter(setup: OtlpReplaySetup): Exporter {
  const options: ExporterConfig = {
    url: setup.url,
    headers: { ...setup.headers },
    compression: (setup.gzip ? 'gzip' : 'none') as NonNullable<ExporterConfig['compression']>,
    temporalityPreference: setup.temporality === 'delta' ? AggregationTemporalityPreference.DELTA : AggregationTemporalityPreference.CUMULATIVE,
    timeoutMillis: EXPORT_TIMEOUT_MS,
  };
  return setup.encoding === 'protobuf' ? new ProtobufExporter(options) : new JsonExporter(options);
}

function startProcess(track: InstanceTrack, setup: OtlpReplaySetup): Process {
  const exporter = createExporter(setup);
  const reader = new StepReader(exporter);
  const resource = defaultResource().merge(resourceFromAttributes({ 'service.name': track.service, 'service.instance.id': track.instance }));
  const provider = new MeterProvider({ resource, readers: [reader] });
  const meter = provider.getMeter('shiftguard.sim-replay', '1.0.0');
  const process: Process = { exporter, provider, reader, histograms: new Map(), counters: new Map(), buildInfo: [] };
  for (const h of track.histograms) {
    if (!process.histograms.has(h.instrument.name)) {
      process.histograms.set(h.instrument.name, meter.createHistogram(h.instrument.name, { unit: h.instrument.unit, advice: { explicitBucketBoundaries: [...h.boundsSeconds] } }));
    }
  }
  for (const c of track.counters) {
    if (!process.counters.has(c.instrument.name)) process.counters.set(c.instrument.name, meter.createCounter(c.instrument.name, { unit: c.instrument.unit }));
  }
  if (track.buildInfo !== undefined) {
    const gauge = meter.createObservableGauge(track.buildInfo.instrument.name, { unit: track.buildInfo.instrument.unit });
    gauge.addCallback((result) => {
      for (const attributes of process.buildInfo) result.observe(1, attributes);
    });
  }
  return process;
}

/** Records the measurements of scrape interval `k` of one instance. */
function record(track: InstanceTrack, process: Process, k: number): void {
  for (const h of track.histograms) {
    const histogram = process.histograms.get(h.instrument.name) as Histogram;
    const counts = h.newObservations[k] ?? [];
    counts.forEach((n, b) => {
      const value = h.representativeSeconds[b] ?? NaN;
      for (let i = 0; i < n; i++) histogram.record(value, h.attributes);
    });
  }
  for (const c of track.counters) (process.counters.get(c.instrument.name) as Counter).add(c.increments[k] ?? 0, c.attributes);
  process.buildInfo = (track.buildInfo?.series ?? []).filter((s) => s.present[k] === 1).map((s) => s.attributes);
}

async function collectAndExport(process: Process, track: InstanceTrack, k: number): Promise<void> {
  const { resourceMetrics, errors } = await process.reader.collect();
  if (errors.length > 0) throw new Error(`collecting ${track.instance} at scrape ${k}: ${errors.map(String).join('; ')}`);
  const result = await new Promise<{ code: number; error?: Error }>((resolve) => process.exporter.export(resourceMetrics, resolve));
  if (result.code !== EXPORT_SUCCESS) throw new Error(`OTLP export of ${track.instance} at scrape ${k} failed: ${result.error?.message ?? 'no reason given'}`);
}
