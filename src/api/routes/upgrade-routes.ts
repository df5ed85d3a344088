/**
 * `/api/v1/upgrades`: register (operator), list and read (viewer), and the current report
 * (viewer) computed by the same analysis as `shiftguard analyze`.
 */
import { createRoute } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { validateUpgrade } from '../../upgrades/load-upgrade.js';
import { InputError } from '../../config/input-error.js';
import type { Report } from '../../report/report.js';
import type { Upgrade } from '../../upgrades/upgrade.js';
import { ApiError } from '../api-error.js';
import { guardResource, requestPrincipal } from '../auth.js';
import type { TokenAuth } from '../auth.js';
import type { RegisteredUpgrade, UpgradeRegistry } from '../upgrade-registry.js';
import { ErrorSchema, ReportSchema, authErrorResponses, UpgradeDocumentSchema, UpgradeIdParam, UpgradeSummarySchema } from '../schemas.js';

export interface UpgradeRouteDeps {
  readonly auth: TokenAuth;
  readonly registry: UpgradeRegistry;
  /** The upgrade's current report (monitoring: the latest evaluation; finished: the final report). */
  readonly analyze: (upgrade: Upgrade) => Promise<Report>;
  /** Called once an upgrade is registered (monitoring starts). */
  readonly onRegistered?: (upgrade: Upgrade) => void;
  readonly now: () => number;
}

const registerRoute = createRoute({
  method: 'post',
  path: '/api/v1/upgrades',
  summary: 'Register an upgrade; monitoring starts',
  security: [{ bearer: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: UpgradeDocumentSchema } } } },
  responses: {
    201: { description: 'Registered', content: { 'application/json': { schema: UpgradeSummarySchema } } },
    400: { description: 'Invalid upgrade.json; every bad field is listed', content: { 'application/json': { schema: ErrorSchema } } },
    409: { description: 'An upgrade with this id is already registered', content: { 'application/json': { schema: ErrorSchema } } },
    ...authErrorResponses,
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/api/v1/upgrades',
  summary: 'List registered upgrades, newest first',
  security: [{ bearer: [] }],
  responses: { 200: { description: 'Upgrades', content: { 'application/json': { schema: UpgradeSummarySchema.array() } } }, ...authErrorResponses },
});

const reportRoute = createRoute({
  method: 'get',
  path: '/api/v1/upgrades/{id}/report',
  summary: "The upgrade's current report (the same shape as `analyze --format json`)",
  security: [{ bearer: [] }],
  request: { params: UpgradeIdParam },
  responses: {
    200: { description: 'Report', content: { 'application/json': { schema: ReportSchema } } },
    404: { description: 'No such upgrade', content: { 'application/json': { schema: ErrorSchema } } },
    503: { description: 'No metrics source to analyse, or the analysis could not run (`analysis_unavailable`: its worker died; the next request starts a new one)', content: { 'application/json': { schema: ErrorSchema } } },
    ...authErrorResponses,
  },
});

/** Mounts the upgrade routes on `app`. */
export function mountUpgradeRoutes(app: OpenAPIHono, deps: UpgradeRouteDeps): void {
  guardResource(app, deps.auth, '/api/v1/upgrades', 'viewer', 'operator');

  app.openapi(registerRoute, async (c) => {
    const document = c.req.valid('json');
    const upgrade = parseUpgradeBody(document);
    const entry: RegisteredUpgrade = { document, upgrade, registeredAtMs: deps.now() };
    if (!(await deps.registry.register(entry, requestPrincipal(c).name))) {
      throw new ApiError(409, 'conflict', `upgrade ${upgrade.id} is already registered`);
    }
    deps.onRegistered?.(upgrade);
    return c.json(summary(entry), 201);
  });

  app.openapi(listRoute, async (c) => c.json((await deps.registry.list()).map(summary), 200));

  app.openapi(reportRoute, async (c) => {
    const { id } = c.req.valid('param');
    const entry = await deps.registry.get(id);
    if (entry === null) throw new ApiError(404, 'not_found', `no upgrade ${id}`);
    return c.json((await deps.analyze(entry.upgrade)) as never, 200);
  });
}

/** The semantic checks of upgrade.json (rollout times, duplicates, …) beyond the schema. */
function parseUpgradeBody(document: unknown): Upgrade {
  try {
    return validateUpgrade(document, 'request body');
  } catch (error) {
    if (error instanceof InputError) throw new ApiError(400, 'invalid_upgrade', error.message, { issues: error.issues });
    throw error;
  }
}

function summary(entry: RegisteredUpgrade): {
  id: string;
  package: string | null;
  startedAt: string;
  registeredAt: string;
  binaries: number;
  changedBinaries: number;
} {
  const { upgrade } = entry;
  return {
    id: upgrade.id,
    package: upgrade.package ?? null,
    startedAt: new Date(upgrade.startedAtMs).toISOString(),
    registeredAt: new Date(entry.registeredAtMs).toISOString(),
    binaries: upgrade.binaries.length,
    changedBinaries: upgrade.binaries.filter((b) => b.changed).length,
  };
}
