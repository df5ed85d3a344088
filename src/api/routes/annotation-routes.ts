/**
 * `GET /api/v1/annotations` (viewer): upgrades and decisions as Grafana annotations
 * (`time`/`timeEnd` in epoch ms, `title`, `text`, `tags`), for a JSON/Infinity datasource or an
 * annotation query; `from`/`to` (epoch ms, as Grafana sends them) narrow the range. What each
 * annotation says is built in `annotations/annotation-feed.ts`, shared with the push to Grafana.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { annotationFeed } from '../../annotations/annotation-feed.js';
import type { DecisionStore } from '../../store/state-store.js';
import { requireRole } from '../auth.js';
import type { TokenAuth } from '../auth.js';
import type { UpgradeRegistry } from '../upgrade-registry.js';
import { authErrorResponses } from '../schemas.js';

export const AnnotationSchema = z
  .object({ time: z.number().int(), timeEnd: z.number().int(), title: z.string(), text: z.string(), tags: z.array(z.string()) })
  .openapi('Annotation');

const route = createRoute({
  method: 'get',
  path: '/api/v1/annotations',
  summary: 'Upgrades and decisions as Grafana annotations',
  security: [{ bearer: [] }],
  request: { query: z.object({ from: z.coerce.number().int().optional(), to: z.coerce.number().int().optional() }) },
  responses: {
    200: { description: 'Annotations, oldest first', content: { 'application/json': { schema: AnnotationSchema.array() } } },
    ...authErrorResponses,
  },
});

/** Mounts the annotations route. */
export function mountAnnotationRoutes(app: OpenAPIHono, deps: { auth: TokenAuth; registry: UpgradeRegistry; decisions: DecisionStore }): void {
  app.use('/api/v1/annotations', requireRole(deps.auth, 'viewer'));
  app.openapi(route, async (c) => {
    const { from = -Infinity, to = Infinity } = c.req.valid('query');
    const upgrades = (await deps.registry.list()).map(({ upgrade }) => upgrade);
    return c.json(annotationFeed(upgrades, await deps.decisions.listDecisions(), from, to), 200);
  });
}
