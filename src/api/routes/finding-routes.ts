/**
 * `GET /api/v1/findings` (viewer): open regressions across upgrades, newest first; `?all=true`
 * includes resolved ones. Findings open, update and resolve as upgrades are evaluated.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { FindingStore } from '../../store/state-store.js';
import { findingJson } from '../../report/finding-json.js';
import { requireRole } from '../auth.js';
import type { TokenAuth } from '../auth.js';
import { authErrorResponses } from '../schemas.js';

export const FindingSchema = z
  .object({
    id: z.string(),
    upgrade: z.string(),
    signal: z.string(),
    labels: z.record(z.string(), z.string()),
    verdict: z.string(),
    statistics: z.unknown(),
    suspects: z.unknown(),
    openedAt: z.string(),
    updatedAt: z.string(),
    resolvedAt: z.string().nullable(),
  })
  .openapi('Finding');

const listRoute = createRoute({
  method: 'get',
  path: '/api/v1/findings',
  summary: 'Open regressions across upgrades (all=true: resolved ones too)',
  security: [{ bearer: [] }],
  request: { query: z.object({ all: z.enum(['true', 'false']).optional(), upgrade: z.string().optional() }) },
  responses: {
    200: { description: 'Findings', content: { 'application/json': { schema: FindingSchema.array() } } },
    ...authErrorResponses,
  },
});

/** Mounts the findings route. */
export function mountFindingRoutes(app: OpenAPIHono, deps: { auth: TokenAuth; findings: FindingStore }): void {
  app.use('/api/v1/findings', requireRole(deps.auth, 'viewer'));
  app.openapi(listRoute, async (c) => {
    const { all, upgrade } = c.req.valid('query');
    const records = await deps.findings.listFindings({ ...(upgrade !== undefined ? { upgradeId: upgrade } : {}), ...(all === 'true' ? {} : { open: true }) });
    return c.json(records.sort((a, b) => b.updatedAtMs - a.updatedAtMs).map(findingJson), 200);
  });
}

