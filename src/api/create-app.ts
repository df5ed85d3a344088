/**
 * The hono application of `serve`: request ids, body limits, JSON errors, bearer-token roles,
 * health and readiness, the service's own metrics, the OpenAPI document (generated from the same
 * zod schemas that validate requests), and the resource routes.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { routePath } from 'hono/route';
import { ApiError, errorBody } from './api-error.js';
import { StoreError } from '../store/store-error.js';
import type { TokenAuth } from './auth.js';
import type { ServiceMetrics } from '../telemetry/service-metrics.js';
import { mountUpgradeRoutes } from './routes/upgrade-routes.js';
import type { UpgradeRouteDeps } from './routes/upgrade-routes.js';
import { mountIngestRoutes } from './routes/ingest-routes.js';
import { mountFindingRoutes } from './routes/finding-routes.js';
import { mountDecisionRoutes } from './routes/decision-routes.js';
import { mountDecisionRequestRoutes } from './routes/decision-request-routes.js';
import type { DecisionRequestDeps } from './request-decision.js';
import { mountAnnotationRoutes } from './routes/annotation-routes.js';
import type { DecisionStore, FindingStore } from '../store/state-store.js';
import type { IngestRouteDeps } from './routes/ingest-routes.js';
import { mountTunerRoutes } from './routes/tuner-routes.js';
import { mountReviewRoutes } from './review/review-routes.js';
import type { ReviewDeps } from './review/review-routes.js';
import type { TunerRouteDeps } from './routes/tuner-routes.js';
import type { KillSwitch } from '../tune/kill-switch.js';

export interface AppDeps extends UpgradeRouteDeps {
  readonly auth: TokenAuth;
  readonly metrics: ServiceMetrics;
  /** True when the service can serve (state store open). */
  readonly ready: () => boolean;
  /** Largest accepted JSON request body, bytes. */
  readonly maxJsonBodyBytes: number;
  readonly version: string;
  /** Where unexpected errors go (a human must act on them). */
  readonly logError: (message: string, error: unknown) => void;
  readonly findings: FindingStore;
  readonly decisions: DecisionStore;
  /** The tuner's kill switch; absent: no tuner routes. */
  readonly killSwitch?: KillSwitch;
  /** The running tuner (status, unfreeze, rollback); null or absent: the tuner is off. */
  readonly tuner?: TunerRouteDeps['tuner'];
  /** The active operational alerts, for `GET /api/v1/tuner` (default: none). */
  readonly operationalAlerts?: TunerRouteDeps['alerts'];
  /** Plot data of a report's group for the review page; absent: the page shows no plots. */
  readonly groupView?: ReviewDeps['groupView'];
  /** What operators' own flag-change requests (`POST /api/v1/decisions`) are checked against and read; absent: the tuner is off. */
  readonly requests?: Omit<DecisionRequestDeps, 'decisions' | 'now'>;
  /** Push ingest (remote-write, OTLP); absent: no push endpoints. */
  readonly ingest?: Omit<IngestRouteDeps, 'auth' | 'metrics'>;
}

/** Builds the app; no I/O happens until a request arrives. */
export function createApp(deps: AppDeps): OpenAPIHono {
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (result.success) return undefined;
      // An unknown key is named (mass assignment: status, approvedBy, … are not the client's to set).
      const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.code === 'unrecognized_keys' ? unknownKeys(i.keys, i.message) : i.message }));
      return c.json(errorBody('invalid_request', issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; '), { issues }), 400);
    },
  });
  app.use('*', requestId());
  app.use('*', async (c, next) => {
    const stop = deps.metrics.httpDuration.startTimer();
    await next();
    const route = routePath(c);
    stop({ route, method: c.req.method });
    deps.metrics.httpRequests.inc({ route, method: c.req.method, code: String(c.res.status) });
  });
  // JSON resources get a small body limit; the push endpoints enforce their own.
  const jsonLimit = bodyLimit({ maxSize: deps.maxJsonBodyBytes, onError: (c) => c.json(errorBody('payload_too_large', `request body over ${deps.maxJsonBodyBytes} bytes`), 413) });
  app.use('/api/v1/upgrades', jsonLimit);
  app.use('/api/v1/upgrades/*', jsonLimit);
  app.use('/api/v1/tuner/*', jsonLimit);
  app.use('/api/v1/decisions', jsonLimit);
  app.use('/api/v1/decisions/*', jsonLimit);
  app.onError((error, c) => {
    if (error instanceof ApiError) return c.json(errorBody(error.code, error.message, error.details), error.status);
    // hono's own 4xx (e.g. a body that is not JSON) keep their status.
    if (error instanceof HTTPException && error.status < 500) return c.json(errorBody('invalid_request', error.message), error.status);
    // The state store down, restarting or full: a clear 503 the client may retry, not an internal error.
    if (error instanceof StoreError && (error.code === 'unavailable' || error.code === 'full')) {
      deps.metrics.storeErrors.inc({ code: error.code });
      deps.logError(`state store ${error.code} on ${c.req.method} ${c.req.path}: answered 503`, error);
      c.header('Retry-After', '5');
      return c.json(errorBody(error.code === 'full' ? 'store_full' : 'store_unavailable', error.message), 503);
    }
    deps.logError(`unhandled error on ${c.req.method} ${c.req.path}`, error);
    return c.json(errorBody('internal', 'internal error; the request id is in the X-Request-Id header'), 500);
  });
  app.notFound((c) => c.json(errorBody('not_found', `no route ${c.req.method} ${c.req.path}`), 404));

  app.get('/healthz', (c) => c.json({ status: 'ok', version: deps.version }));
  app.get('/readyz', (c) => (deps.ready() ? c.json({ status: 'ready' }) : c.json({ status: 'not ready' }, 503)));
  app.get('/metrics', async (c) => c.body(await deps.metrics.registry.metrics(), 200, { 'Content-Type': deps.metrics.registry.contentType }));

  mountUpgradeRoutes(app, deps);
  mountFindingRoutes(app, deps);
  mountDecisionRoutes(app, deps);
  // After mountDecisionRoutes, whose guard (operator for writes) must run first.
  mountDecisionRequestRoutes(app, deps.requests === undefined ? null : { ...deps.requests, decisions: deps.decisions, now: deps.now });
  mountAnnotationRoutes(app, deps);
  if (deps.killSwitch) {
    mountTunerRoutes(app, {
      auth: deps.auth,
      killSwitch: deps.killSwitch,
      tuner: deps.tuner ?? null,
      alerts: deps.operationalAlerts ?? (() => []),
      upgradeExists: async (id) => (await deps.registry.get(id)) !== null,
    });
  }
  if (deps.ingest) mountIngestRoutes(app, { ...deps.ingest, auth: deps.auth, metrics: deps.metrics });

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.get('/openapi.json', (c) =>
    c.json(
      withStateStoreAnswers(
        app.getOpenAPI31Document({
          openapi: '3.1.0',
          info: { title: 'shiftguard', version: deps.version, description: 'Detects and attributes telemetry shifts after fleet upgrades (CONTRACT §6).' },
        }),
      ),
    ),
  );
  mountReviewRoutes(app, {
    auth: deps.auth,
    registry: deps.registry,
    report: deps.analyze,
    groupView: deps.groupView ?? (() => Promise.resolve(null)),
    findings: deps.findings,
    decisions: deps.decisions,
    now: deps.now,
  });
  return app;
}

/** What the `onError` handler answers for a state store that is down, restarting or full. */
const STATE_STORE_503 =
  'The state store is unavailable (`store_unavailable`: the database unreachable or restarting) or full (`store_full`: no space left; nothing was written); retry after `Retry-After` seconds';

/**
 * Every documented operation reads or writes the state store, so each may answer 503 as the
 * `onError` handler does; the document says so once per operation (appended to a 503 the route
 * documents for a reason of its own).
 */
function withStateStoreAnswers<T extends { paths?: Record<string, unknown> }>(doc: T): T {
  const error = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
  const headers = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } };
  for (const item of Object.values(doc.paths ?? {})) {
    for (const [method, operation] of Object.entries(item as Record<string, { responses?: Record<string, { description?: string; [field: string]: unknown }> }>)) {
      if (!HTTP_METHODS.has(method) || operation.responses === undefined) continue;
      const own = operation.responses['503'];
      operation.responses['503'] = own === undefined ? { description: STATE_STORE_503, headers, content: error } : { ...own, description: `${own.description ?? ''}; or: ${STATE_STORE_503}` };
    }
  }
  return doc;
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** `unknown key "status"`, with the allowed keys when the schema lists them (`expected one of: …`). */
function unknownKeys(keys: readonly string[], message: string): string {
  const named = `unknown key ${keys.map((k) => JSON.stringify(k)).join(', ')}`;
  return message.startsWith('expected') ? `${named}; ${message}` : named;
}
