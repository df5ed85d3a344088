/**
 * `GET /api/v1/annotations` (viewer): upgrades and decisions as Grafana annotations
 * (`time`/`timeEnd` in epoch ms, `title`, `text`, `tags`), for a JSON/Infinity datasource or an
 * annotation query; `from`/`to` (epoch ms, as Grafana sends them) narrow the range.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
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
    const upgrades = (await deps.registry.list()).map(({ upgrade }) => ({
      time: upgrade.startedAtMs,
      timeEnd: upgrade.finishedAtMs ?? upgrade.startedAtMs,
      title: `upgrade ${upgrade.id}`,
      text: `${upgrade.package ?? upgrade.id}: ${upgrade.binaries.filter((b) => b.changed).map((b) => `${b.name} ${b.from ?? '∅'}→${b.to ?? '∅'}`).join(', ')}`,
      tags: ['shiftguard', 'upgrade', upgrade.id],
    }));
    const decisions = (await deps.decisions.listDecisions()).map((d) => ({
      time: d.updatedAtMs,
      timeEnd: d.updatedAtMs,
      title: `decision ${d.id}: ${d.flag} ${d.status}`,
      text: `${d.kind} of ${d.flag} for upgrade ${d.upgradeId}, requested by ${d.requestedBy}${d.approvedBy ? `, approved by ${d.approvedBy}` : ''}`,
      tags: ['shiftguard', 'decision', d.status, d.flag],
    }));
    const inRange = [...upgrades, ...decisions].filter((a) => a.timeEnd >= from && a.time <= to).sort((a, b) => a.time - b.time);
    return c.json(inRange, 200);
  });
}
