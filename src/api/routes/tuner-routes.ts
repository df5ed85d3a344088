/**
 * The tuner's kill switch: `GET /api/v1/tune/kill-switch` (viewer) says whether flag changes are
 * stopped and why; `PUT` (operator) engages or releases the API switch (audited, kept across
 * restarts). A switch engaged by the guardrails file stays engaged whatever the API says.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { KillSwitch } from '../../tune/kill-switch.js';
import { guardResource } from '../auth.js';
import type { TokenAuth } from '../auth.js';
import { authErrorResponses } from '../schemas.js';

export const KillSwitchSchema = z
  .object({
    engaged: z.boolean(),
    source: z.enum(['config', 'api']).nullable(),
    api: z.object({ engaged: z.boolean(), reason: z.string().nullable(), updatedAt: z.string(), updatedBy: z.string() }).nullable(),
  })
  .openapi('KillSwitch');

const getRoute = createRoute({
  method: 'get',
  path: '/api/v1/tune/kill-switch',
  summary: 'Whether the tuner is stopped, and by what',
  security: [{ bearer: [] }],
  responses: { 200: { description: 'Kill switch', content: { 'application/json': { schema: KillSwitchSchema } } }, ...authErrorResponses },
});

const putRoute = createRoute({
  method: 'put',
  path: '/api/v1/tune/kill-switch',
  summary: 'Engage or release the API kill switch (audited; survives restarts)',
  security: [{ bearer: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: z.object({ engaged: z.boolean(), reason: z.string().max(500).optional() }).strict() } } } },
  responses: { 200: { description: 'Kill switch after the change', content: { 'application/json': { schema: KillSwitchSchema } } }, ...authErrorResponses },
});

/** Mounts the tuner routes. */
export function mountTunerRoutes(app: OpenAPIHono, deps: { auth: TokenAuth; killSwitch: KillSwitch }): void {
  guardResource(app, deps.auth, '/api/v1/tuner', 'viewer', 'operator');
  app.openapi(getRoute, async (c) => c.json(await deps.killSwitch.state(), 200));
  app.openapi(putRoute, async (c) => {
    const { engaged, reason } = c.req.valid('json');
    return c.json(await deps.killSwitch.set(engaged, 'operator', reason ?? null), 200);
  });
}
