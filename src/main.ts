/**
 * The one composition root of the service: builds every adapter from the validated configuration
 * and hands them to the app. Nothing else in src/ constructs adapters for `serve`.
 */
import { serve } from '@hono/node-server';
import { Server as HttpServer } from 'node:http';
import type { ServerType } from '@hono/node-server';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { ShiftguardConfig } from './config/shiftguard-config.js';
import { parseListenAddress } from './config/listen-address.js';
import { createApp } from './api/create-app.js';
import { createServiceTokenAuth } from './api/token-table-watch.js';
import { LOG_REDACTION } from './telemetry/log-redaction.js';
import { ApiError } from './api/api-error.js';
import { createStoreUpgradeRegistry } from './api/upgrade-registry.js';
import { createUpgradeMonitor } from './monitor/upgrade-monitor.js';
import { MONITORING_ALERT, STATE_STORE_ALERT, monitoringAlert, stateStoreAlert } from './monitor/monitoring-alerts.js';
import { groupGaugeWriter, setOpenFindings } from './monitor/monitor-gauges.js';
import { createAlertDispatcher } from './alerts/index.js';
import { registrySources } from './annotations/audit-annotation.js';
import { resolveGrafanaTarget } from './annotations/grafana-config.js';
import { registerGrafanaPushMetrics } from './annotations/grafana-metrics.js';
import { createGrafanaPusher } from './annotations/grafana-push.js';
import { createGuardedFetch } from './net/guarded-fetch.js';
import type { ResolveHost } from './net/guarded-fetch.js';
import { outboundPolicyOf } from './net/outbound-config.js';
import { createKillSwitch } from './tune/kill-switch.js';
import type { KillSwitch } from './tune/kill-switch.js';
import { loadGuardrails } from './tune/guardrails-config.js';
import type { Guardrails } from './tune/guardrails-config.js';
import type { FlagStore } from './flags/flag-store.js';
import { createTuner } from './tune/tuner.js';
import type { Tuner } from './tune/tuner.js';
import { registerTunerMetrics } from './tune/tuner-metrics.js';
import { verifyChange } from './tune/verify-change.js';
import { applyRollback, planRollback } from './tune/rollback.js';
import { failpointsFromEnv } from './tune/failpoints.js';
import { leaderHolder } from './tune/leader-election.js';
import type { LeaderElector } from './tune/leader-election.js';
import { createSoleLeader } from './tune/sole-leader.js';
import { createPostgresLeaderElector } from './tune/postgres-leader-elector.js';
import { UnleashFlagStore } from './flags/unleash-flag-store.js';
import { ConfigError } from './config/config-error.js';
import type { AlertDispatcher } from './alerts/index.js';
import type { StateStore } from './store/state-store.js';
import type { TunerRouteDeps } from './api/routes/tuner-routes.js';
import type { DecisionRequestDeps } from './api/request-decision.js';
import type { UpgradeRegistry } from './api/upgrade-registry.js';
import type { UpgradeMonitor } from './monitor/upgrade-monitor.js';
import { openStateStore } from './store/open-state-store.js';
import { inSpan, startTracing } from './telemetry/tracing.js';
import { createServiceMetrics, registerMonitorGauges, registerStateGauges, registerStoreGauges } from './telemetry/service-metrics.js';
import type { MonitorGauges, ServiceMetrics } from './telemetry/service-metrics.js';
import { PrometheusQueryError, createPrometheusMetricsSource } from './ingest/prometheus-api.js';
import { AnalysisUnavailableError, createAnalysisThread } from './analysis/analysis-thread.js';
import type { AnalysisThread } from './analysis/analysis-thread.js';
import type { AnalysisRequest } from './analysis/run-analysis.js';
import type { Report } from './report/report.js';
import type { Upgrade } from './upgrades/upgrade.js';
import type { MetricsSource } from './series/model.js';
import { createAnalysisSource } from './analysis/analysis-source.js';
import { quantileToDraw, readGroupView } from './analysis/group-view.js';
import { createSeriesStore } from './series/series-store.js';
import { startEventLoopDelayProbe } from './telemetry/event-loop-delay.js';

/** A running service: its address and how to stop it gracefully. */
export interface RunningService {
  readonly url: string;
  /** Stops accepting connections, lets in-flight requests finish, then releases resources. */
  stop(): Promise<void>;
}

export interface ServiceOptions {
  readonly config: ShiftguardConfig;
  readonly env: NodeJS.ProcessEnv;
  readonly version: string;
  readonly logger?: Logger;
  /** The tuner's flag service instead of the guardrails' Unleash (`shiftguard demo`'s in-memory flags). */
  readonly flags?: FlagStore;
  /** An open state store instead of opening `config.store.url` (fault tests that must reach its connection); closed on stop. */
  readonly store?: StateStore;
  /** DNS of every outbound request (default the system resolver); tests inject one to play DNS rebinding. */
  readonly resolveHost?: ResolveHost;
}

/** Starts `serve` on the configured address. */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { config, env } = options;
  const logger = options.logger ?? pino({ name: 'shiftguard', level: env['LOG_LEVEL'] ?? 'info', redact: LOG_REDACTION });
  const tracing = await startTracing(env, options.version);
  if (tracing !== null) logger.info('OpenTelemetry traces on (configured by OTEL_* variables)');
  const metrics = createServiceMetrics();
  const gauges = registerMonitorGauges(metrics);
  const auth = createServiceTokenAuth({ tokens: config.server.tokens, tokensFile: config.server.tokensFile, env, registry: metrics.registry, logger, now: () => Date.now() });
  for (const role of auth.unconfigured) logger.warn({ role }, `no token configured for role ${role}: its routes refuse every request`);
  const guardedFetch = createGuardedFetch({ policy: outboundPolicyOf(config), ...(options.resolveHost === undefined ? {} : { resolve: options.resolveHost }) });
  const alerts = createAlertDispatcher({ config: config.alerts, env, logger, registry: metrics.registry, fetch: guardedFetch });
  const grafanaTarget = resolveGrafanaTarget(config.grafana, env);
  const source = pullSource(config, guardedFetch);
  const store = options.store ?? (await openStateStore(config.store.url));
  logger.info({ store: config.store.url.startsWith('sqlite:') ? config.store.url : 'postgres' }, 'state store open');
  const registry = createStoreUpgradeRegistry(store, () => Date.now());
  const loopDelay = startEventLoopDelayProbe(100);
  const series = createSeriesStore({ sliceMs: config.windows.sliceMs, retentionMs: retentionMs(config), maxSeries: INGEST.maxSeries });
  registerStoreGauges(metrics, series, INGEST.memoryBudgetBytes);
  registerStateGauges(metrics, { listUpgrades: () => store.listUpgrades(), listDecisions: () => store.listDecisions() });
  const analysisSource = createAnalysisSource({ pushed: series, pull: source, pushedSinceMs: () => series.earliestSampleMs });
  const elector = createElector(config, store, logger);
  const grafana =
    grafanaTarget === null
      ? null
      : createGrafanaPusher({ target: grafanaTarget, store, sources: registrySources(registry, store), elector, alerts, logger, now: () => Date.now(), metrics: registerGrafanaPushMetrics(metrics.registry), fetch: guardedFetch });
  let tuner: Tuner | null = null;
  const analysisThread = createAnalysisThread({ onWorkerExit: (error) => logger.error({ err: error }, 'analysis worker died') });
  const monitor = createUpgradeMonitor({
    config,
    store,
    source: analysisSource,
    now: () => Date.now(),
    analyze: (request) => analyzeWith(request, analysisThread, metrics, gauges),
    records: () => elector.current() !== null,
    onFindings: (open, resolved) => {
      alerts.sync(open, resolved);
      setOpenFindings(gauges, open);
      tuner?.poke();
    },
    onReport: groupGaugeWriter(gauges),
    onPass: (failures) => {
      const alert = monitoringAlert(failures);
      if (alert === null) alerts.clear(MONITORING_ALERT, '');
      else alerts.raise(alert);
    },
    logError: (message, error) => logger.error({ err: error }, message),
  });
  const storeName = config.store.url.startsWith('sqlite:') ? config.store.url : 'PostgreSQL';
  const storeWatch = setInterval(() => {
    if (store.ready()) alerts.clear(STATE_STORE_ALERT, '');
    else alerts.raise(stateStoreAlert(storeName));
  }, STORE_WATCH_MS);
  storeWatch.unref();
  const tuning = createTuning({ config, env, store, elector, alerts, registry, monitor, source: analysisSource, metrics, logger, fetch: guardedFetch, ...(options.flags === undefined ? {} : { flags: options.flags }) });
  tuner = tuning.tuner;
  const app = createApp({
    auth,
    registry,
    metrics,
    analyze: (upgrade) => monitor.report(upgrade),
    groupView: (upgrade, report, group) =>
      readGroupView({
        config,
        upgrade,
        source: analysisSource,
        ...(report.monitoring === undefined ? {} : { asOfMs: Date.parse(report.monitoring.asOf) }),
        signal: group.signal,
        labels: group.labels,
        quantile: quantileToDraw(group),
      }),
    onRegistered: (upgrade) => {
      monitor.report(upgrade).catch((error: unknown) => logger.error({ err: error, upgrade: upgrade.id }, 'first evaluation of a registered upgrade failed'));
    },
    findings: store,
    decisions: store,
    killSwitch: tuning.killSwitch,
    tuner: tuning.routes,
    operationalAlerts: () => alerts.activeOperational(),
    ...(tuning.requests === null ? {} : { requests: tuning.requests }),
    ingest: {
      store: series,
      limits: INGEST,
      eventLoopDelayMs: () => loopDelay.delayMs(),
      detectionOverdue: () => analysisThread.busyForMs() > config.windows.sliceMs * DETECTION_PRIORITY_SLICE_SHARE,
      labels: config.labels,
      now: () => Date.now(),
    },
    now: () => Date.now(),
    ready: () => store.ready(),
    maxJsonBodyBytes: 1 << 20,
    version: options.version,
    logError: (message, error) => logger.error({ err: error }, message),
  });
  const { host, port } = parseListenAddress(config.server.listen);
  const server = await listen(app.fetch, host, port);
  const address = server.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
  alerts.start();
  elector.onChange((epoch) => {
    logger.info({ epoch }, epoch === null ? 'not leading: detection results and flag changes are left to the leader' : `leading (epoch ${epoch})`);
    tuner?.poke();
  });
  await elector.start();
  monitor.start();
  tuner?.start(config.tuner.intervalMs);
  grafana?.start();
  if (grafanaTarget !== null) logger.info({ grafana: grafanaTarget.url, dashboardUid: grafanaTarget.dashboardUid, intervalMs: grafanaTarget.intervalMs }, 'pushing upgrades and decisions to Grafana as annotations');
  logger.info({ url, source: config.prometheus.url === null ? 'none' : 'prometheus', alerts: alerts.enabled }, 'shiftguard serving');
  return {
    url,
    stop: async () => {
      logger.info('shutting down: no new connections, finishing in-flight requests');
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      loopDelay.stop();
      clearInterval(storeWatch);
      await monitor.stop();
      await tuner?.stop();
      await analysisThread.close();
      await grafana?.stop();
      await elector.stop();
      await alerts.stop(5000);
      await store.close();
      await tracing?.shutdown();
      logger.info('stopped');
    },
  };
}

/** One leader among the replicas sharing the state store: PostgreSQL elects, SQLite has one process. */
function createElector(config: ShiftguardConfig, store: StateStore, logger: Logger): LeaderElector {
  const holder = leaderHolder();
  if (config.store.url.startsWith('sqlite:')) return createSoleLeader(store, holder, () => Date.now(), logger);
  return createPostgresLeaderElector({ url: config.store.url, store, holder, leaseMs: config.tuner.leaseMs, logger });
}

interface TuningParts {
  readonly tuner: Tuner | null;
  readonly killSwitch: KillSwitch;
  readonly routes: TunerRouteDeps['tuner'];
  /** What operators' own flag-change requests are checked against; null while the tuner is off. */
  readonly requests: Omit<DecisionRequestDeps, 'decisions' | 'now'> | null;
}

/**
 * The tuner, when `tuner.guardrails` names a file: guardrails validated now (a bad file stops the
 * start, like a bad configuration), the Unleash adapter with the admin token from the environment.
 */
function createTuning(parts: {
  config: ShiftguardConfig;
  env: NodeJS.ProcessEnv;
  store: StateStore;
  elector: LeaderElector;
  alerts: AlertDispatcher;
  registry: UpgradeRegistry;
  monitor: UpgradeMonitor;
  source: MetricsSource;
  metrics: ServiceMetrics;
  logger: Logger;
  flags?: FlagStore;
  /** The guarded fetch of the Unleash adapter. */
  fetch: typeof fetch;
}): TuningParts {
  const { config, env, store, logger } = parts;
  const now = (): number => Date.now();
  if (config.tuner.guardrails === null) return { tuner: null, killSwitch: createKillSwitch(store, false, now), routes: null, requests: null };
  const path = config.tuner.guardrails;
  const guardrails = loadGuardrails(path, outboundPolicyOf(config));
  const flags = parts.flags ?? unleashFlagStore(path, guardrails, env, parts.fetch);
  const killSwitch = createKillSwitch(store, guardrails.killSwitch, now);
  const upgradeOf = async (upgradeId: string): Promise<Upgrade | null> => (await parts.registry.get(upgradeId))?.upgrade ?? null;
  const reportOf = async (upgradeId: string): Promise<Report | null> => {
    const upgrade = await upgradeOf(upgradeId);
    return upgrade === null ? null : parts.monitor.report(upgrade);
  };
  const tuner = createTuner({
    config,
    guardrails,
    store,
    flags,
    killSwitch,
    elector: parts.elector,
    upgradeOf,
    reportOf,
    verify: (request) => verifyChange(request, { config, source: parts.source, now }),
    alerts: parts.alerts,
    now,
    logger,
    failpoint: failpointsFromEnv(env),
    metrics: registerTunerMetrics(parts.metrics.registry),
  });
  logger.info({ guardrails: path, mode: guardrails.mode, unleash: parts.flags === undefined ? guardrails.unleash.url : 'in-memory flags', environment: guardrails.unleash.environment, rules: guardrails.rules.length }, 'tuner on');
  return {
    tuner,
    killSwitch,
    requests: { guardrails, flags, upgradeOf, leaderEpoch: async () => (await store.currentLeaderTerm())?.epoch ?? 0 },
    routes: {
      mode: guardrails.mode,
      flags: guardrails.rules.map((r) => r.flag),
      instance: tuner,
      rollback: {
        preview: (upgradeId) => planRollback({ store, flags, now }, upgradeId),
        apply: (upgradeId, actor) => applyRollback({ store, flags, now }, upgradeId, actor),
      },
    },
  };
}

/** The Unleash adapter of the guardrails, with the admin token from the environment (a missing one stops the start). */
function unleashFlagStore(path: string, guardrails: Guardrails, env: NodeJS.ProcessEnv, fetchImpl: typeof fetch): FlagStore {
  if (guardrails.unleash.url === null) throw new ConfigError(path, [{ path: 'unleash.url', message: 'expected the base URL of the Unleash API (e.g. http://127.0.0.1:4242/api): the tuner acts through it' }]);
  const token = env[guardrails.unleash.tokenEnv];
  if (token === undefined || token.trim() === '') {
    throw new ConfigError(path, [{ path: 'unleash.tokenEnv', message: `expected the environment variable ${guardrails.unleash.tokenEnv} to hold an Unleash admin API token; it is unset or empty` }]);
  }
  return new UnleashFlagStore({ url: guardrails.unleash.url, token: token.trim(), environment: guardrails.unleash.environment, project: guardrails.unleash.project, fetch: fetchImpl });
}

/** Limits of push ingest (defaults; body sizes as Prometheus' and the OTel collector's receivers use). */
const INGEST = {
  maxBodyBytes: 16 << 20,
  maxDecodedBytes: 64 << 20,
  maxInFlight: 32,
  memoryBudgetBytes: 768 << 20, // above maxSeries × ~1.1 KB, so the cardinality limit acts first
  maxEventLoopDelayMs: 1000, // a second behind: pushes wait in socket buffers, detection and /metrics with them
  maxSeries: 500_000,
} as const;

/**
 * Share of a slice an evaluation may run before pushes yield to it (503 with Retry-After until it
 * finishes): one that overruns half a slice would otherwise miss the next slice on a machine whose
 * cores are all taken by ingest. Below that, both run side by side.
 */
const DETECTION_PRIORITY_SLICE_SHARE = 0.5;
/** How often `serve` compares the state store's readiness with its alert, ms (the PostgreSQL store's own heartbeat is 5 s). */
const STORE_WATCH_MS = 2000;

/** Pushed data is kept for the baseline and after windows, the settle time and an hour of margin. */
function retentionMs(config: ShiftguardConfig): number {
  return config.windows.baselineMs + config.windows.settleMs + config.windows.afterMs + 3_600_000;
}

/** The Prometheus pull source through the guarded fetch (its URL passed the outbound policy at start). */
function pullSource(config: ShiftguardConfig, fetchImpl: typeof fetch): MetricsSource | null {
  if (config.prometheus.url === null) return null;
  return createPrometheusMetricsSource({ url: config.prometheus.url, timeoutMs: config.prometheus.timeoutMs, fetchImpl });
}

/** One evaluation of the monitor, in the analysis thread, timed, counted and traced. */
async function analyzeWith(request: AnalysisRequest, thread: AnalysisThread, metrics: ServiceMetrics, gauges: MonitorGauges): Promise<Report> {
  const phase = request.mode === 'sequential' ? 'sequential' : 'final';
  const stop = metrics.analysisDuration.startTimer();
  try {
    const report = await inSpan('detect upgrade', { 'shiftguard.upgrade': request.upgrade.id, 'shiftguard.detect.phase': phase }, async (span) => {
      const result = await thread.analyze(request);
      span.setAttributes({ 'shiftguard.detect.groups': result.summary.groups, 'shiftguard.detect.regressions': result.summary.regressions });
      return result;
    });
    stop({ outcome: 'ok' });
    gauges.evaluations.inc({ phase, outcome: 'ok' });
    return report;
  } catch (error) {
    stop({ outcome: 'error' });
    gauges.evaluations.inc({ phase, outcome: 'error' });
    if (error instanceof PrometheusQueryError) throw new ApiError(502, 'metrics_source_error', error.message);
    if (error instanceof AnalysisUnavailableError) throw new ApiError(503, 'analysis_unavailable', error.message);
    throw error;
  }
}

/** How long an idle keep-alive connection stays open, ms (above the ingest routes' Retry-After, as proxies use 60 s+). */
const KEEP_ALIVE_MS = 65_000;

function listen(fetch: (request: Request) => Response | Promise<Response>, hostname: string, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname, port }, () => resolve(server));
    // Idle keep-alive sockets outlive the 5 s Retry-After of a 503: with Node's default (5 s), a
    // sender that waited exactly that long reused a socket just as it was closed, and got a reset.
    if (server instanceof HttpServer) {
      server.keepAliveTimeout = KEEP_ALIVE_MS;
      server.headersTimeout = KEEP_ALIVE_MS + 1000;
    }
    server.once('error', reject);
  });
}
