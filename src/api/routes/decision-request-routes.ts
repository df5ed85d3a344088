/**
 * `POST /api/v1/decisions` (operator): a person asks for a flag change (disable or enable a gate,
 * or tune constants within the guardrails); it becomes a `proposed` decision requested by them,
 * which another operator must approve (`POST /api/v1/decisions/{id}/approve`). The body is strict:
 * status, approver, bounds and the like are not the client's to set (400 naming the key).
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { ApiError } from '../api-error.js';
import { requestPrincipal } from '../auth.js';
import { requestDecision } from '../request-decision.js';
import type { DecisionRequestDeps } from '../request-decision.js';
import { ErrorSchema, authErrorResponses } from '../schemas.js';
import { DecisionSchema, decisionJson } from './decision-routes.js';

export const DecisionRequestSchema = z
  .object({
    upgrade: z.string().min(1).max(128).openapi({ description: 'The registered upgrade the change belongs to', example: 'dten-2026.04' }),
    flag: z.string().min(1).max(256).openapi({ description: 'A flag a guardrails rule governs or the upgrade names', example: 'dten.sync.backoff-v2' }),
    action: z.enum(['disable', 'enable', 'tune']).openapi({ description: '`disable`/`enable` a gate; `tune` constants of a flag with a `tune` rule' }),
    values: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.number())
      .optional()
      .openapi({ description: '`tune` only: target value per payload key, each inside its bounds and at most `maxStep` from the current value', example: { baseDelayMs: 250 } }),
    reason: z.string().trim().min(1).max(2000).openapi({ description: 'Why; shown to the approver and kept in the decision' }),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.action === 'tune' && (body.values === undefined || Object.keys(body.values).length === 0)) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: 'a tune request needs the target value of at least one constant' });
    }
    if (body.action !== 'tune' && body.values !== undefined) ctx.addIssue({ code: 'custom', path: ['values'], message: 'only a tune request carries values' });
  })
  .openapi('DecisionRequest');

const requestRoute = createRoute({
  method: 'post',
  path: '/api/v1/decisions',
  summary: 'Request a flag change; another operator must approve it (two-person rule)',
  security: [{ bearer: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: DecisionRequestSchema } } } },
  responses: {
    201: { description: 'The proposed decision, requested by the token holder', content: { 'application/json': { schema: DecisionSchema } } },
    400: { description: 'Invalid body (unknown keys included), every bad field named', content: { 'application/json': { schema: ErrorSchema } } },
    404: { description: 'No such upgrade, or the tuner is off', content: { 'application/json': { schema: ErrorSchema } } },
    409: { description: 'Another decision on the flag is still open', content: { 'application/json': { schema: ErrorSchema } } },
    422: { description: 'Refused by the guardrails (flag not governed, no tune rule, value out of bounds or beyond maxStep); the field is named', content: { 'application/json': { schema: ErrorSchema } } },
    502: { description: 'The flag service failed', content: { 'application/json': { schema: ErrorSchema } } },
    ...authErrorResponses,
    403: { description: 'The token lacks the operator role, or it is the shared operator token from the environment (`named_token_required`: the two-person rule needs requests from named tokens)', content: { 'application/json': { schema: ErrorSchema } } },
  },
});

/** Mounts `POST /api/v1/decisions` (guarded, with the other decision routes, by `mountDecisionRoutes`); `deps` null: the tuner is off. */
export function mountDecisionRequestRoutes(app: OpenAPIHono, deps: DecisionRequestDeps | null): void {
  app.openapi(requestRoute, async (c) => {
    if (deps === null) throw new ApiError(404, 'not_found', 'the tuner is off (tuner.guardrails is null): nothing would carry out a decision');
    const created = await requestDecision(deps, c.req.valid('json'), requestPrincipal(c));
    return c.json(decisionJson(created), 201);
  });
}
