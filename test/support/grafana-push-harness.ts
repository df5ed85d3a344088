/**
 * A world for tests of the push to Grafana, built from the real parts: a state store (in-memory or
 * SQLite), the store-backed upgrade registry, the sole-leader elector, the alert dispatcher (no sinks:
 * it keeps the active operational alerts), the push's metrics on a fresh registry, a pino logger whose
 * JSON lines are kept, the Grafana contract server, and a clock the test moves.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { AlertsConfigSchema } from '../../src/alerts/alerts-config.js';
import { createAlertDispatcher } from '../../src/alerts/create-alert-dispatcher.js';
import type { AlertDispatcher } from '../../src/alerts/create-alert-dispatcher.js';
import { registrySources } from '../../src/annotations/audit-annotation.js';
import { createGrafanaPusher } from '../../src/annotations/grafana-push.js';
import type { GrafanaPushDeps, GrafanaPusher } from '../../src/annotations/grafana-push.js';
import type { GrafanaTarget } from '../../src/annotations/grafana-config.js';
import { registerGrafanaPushMetrics } from '../../src/annotations/grafana-metrics.js';
import { createStoreUpgradeRegistry } from '../../src/api/upgrade-registry.js';
import type { UpgradeRegistry } from '../../src/api/upgrade-registry.js';
import type { DecisionRecord, DecisionStatus, StateStore } from '../../src/store/state-store.js';
import { createSoleLeader } from '../../src/tune/sole-leader.js';
import type { LeaderElector } from '../../src/tune/leader-election.js';
import { validateUpgrade } from '../../src/upgrades/load-upgrade.js';
import { startGrafanaAnnotationsServer } from './grafana-annotations-server.js';
import type { GrafanaAnnotationsServer } from './grafana-annotations-server.js';

/** The world's starting time. */
export const T0 = Date.parse('2026-04-10T12:00:00Z');
/** The token the contract server accepts unless a test says otherwise. */
export const GRAFANA_TOKEN = 'glsa_test-token-0123456789';

/** One pino line as captured. */
export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

/** The world. */
export interface PushWorld {
  readonly store: StateStore;
  readonly registry: UpgradeRegistry;
  readonly elector: LeaderElector;
  readonly alerts: AlertDispatcher;
  readonly metrics: Registry;
  readonly server: GrafanaAnnotationsServer;
  readonly logs: LogLine[];
  readonly clock: { ms: number };
  /** A pusher over this world; `target` and `deps` override the defaults (the world's token, no dashboard). */
  pusher(target?: Partial<GrafanaTarget>, deps?: Partial<GrafanaPushDeps>): GrafanaPusher;
  /** Registers an upgrade that changed one binary, at the current clock. */
  registerUpgrade(id: string, rollout: { startedAt: string; finishedAt?: string; package?: string }): Promise<void>;
  /** Creates a decision (`proposed`) on upgrade `upgradeId` at the current clock. */
  propose(upgradeId: string, flag: string): Promise<DecisionRecord>;
  /** Moves a decision to `to` at the current clock. */
  move(d: DecisionRecord, to: DecisionStatus, actor?: string): Promise<DecisionRecord>;
  /** The value of a metric series, e.g. `shiftguard_grafana_annotations_total{outcome="pushed"}`. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** Stops the server and the dispatcher (the store is the test's). */
  close(): Promise<void>;
}

/** Builds the world over an open `store`; `leading: false` leaves the elector unstarted (not leading). */
export async function pushWorld(store: StateStore, options: { leading?: boolean; serverToken?: string; pathPrefix?: string } = {}): Promise<PushWorld> {
  const clock = { ms: T0 };
  const now = (): number => clock.ms;
  const { logger, lines } = capturedLogger();
  const server = await startGrafanaAnnotationsServer({ token: options.serverToken ?? GRAFANA_TOKEN, ...(options.pathPrefix === undefined ? {} : { pathPrefix: options.pathPrefix }) });
  const registry = createStoreUpgradeRegistry(store, now);
  const elector = createSoleLeader(store, 'test-host/1/u', now, logger);
  if (options.leading !== false) await elector.start();
  const alerts = createAlertDispatcher({ config: AlertsConfigSchema.parse({}), env: {}, logger, now });
  const metrics = new Registry();
  const pushMetrics = registerGrafanaPushMetrics(metrics);
  const target = (overrides: Partial<GrafanaTarget>): GrafanaTarget => ({
    url: server.url,
    token: GRAFANA_TOKEN,
    tokenEnv: 'GRAFANA_TOKEN',
    dashboardUid: null,
    tags: [],
    intervalMs: 30_000,
    timeoutMs: 10_000,
    ...overrides,
  });
  return {
    store,
    registry,
    elector,
    alerts,
    metrics,
    server,
    logs: lines,
    clock,
    pusher: (overrides = {}, deps = {}) =>
      createGrafanaPusher({
        target: target(overrides),
        store,
        sources: registrySources(registry, store),
        elector,
        logger,
        now,
        alerts,
        metrics: pushMetrics,
        ...deps,
      }),
    registerUpgrade: async (id, rollout) => {
      const document = {
        id,
        ...(rollout.package === undefined ? {} : { package: rollout.package }),
        startedAt: rollout.startedAt,
        ...(rollout.finishedAt === undefined ? {} : { finishedAt: rollout.finishedAt }),
        binaries: [{ name: 'dten-sync', from: '2.7.0', to: '2.8.0' }, { name: 'dten-agent', from: '1.9.0', to: '1.9.0' }],
      };
      await registry.register({ document, upgrade: validateUpgrade(document, `upgrade ${id}`), registeredAtMs: clock.ms }, 'alice');
    },
    propose: (upgradeId, flag) =>
      store.createDecision({ upgradeId, flag, kind: 'toggle', proposal: {}, status: 'proposed', requestedBy: 'tuner', approvedBy: null, leaderEpoch: elector.current() ?? 1, atMs: clock.ms }),
    move: (d, to, actor = 'tuner') =>
      store.transitionDecision(d.id, d.status, to, { atMs: clock.ms, actor, ...(to === 'approved' ? { approvedBy: actor } : {}) }, d.version),
    metric: async (name, labels = {}) => {
      const metric = metrics.getSingleMetric(name);
      if (metric === undefined) throw new Error(`no metric ${name}`);
      const values = (await metric.get()).values;
      const found = values.find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value));
      if (found === undefined) throw new Error(`no series ${name}${JSON.stringify(labels)}`);
      return found.value;
    },
    close: async () => {
      await alerts.stop(0);
      await server.close();
    },
  };
}

/** A pino logger writing JSON lines into `lines` (the service passes its pino logger the same way). */
function capturedLogger() {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as LogLine);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}
