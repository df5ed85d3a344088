/**
 * Decisions (the tuner's proposed and applied flag changes, with their evidence): list (viewer),
 * approve and reject (operator). Approval and rejection are compare-and-set transitions of a
 * `proposed` decision, written with their audit row in one transaction: two operators racing get
 * one success and one 409. The token holder's name is recorded as the approver; nobody approves a
 * decision they requested (403 `self_approval`). Operators request decisions of their own through
 * `POST /api/v1/decisions` (decision-request-routes.ts).
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { DecisionRecord, DecisionStatus, DecisionStore } from '../../store/state-store.js';
import { DECISION_STATUSES } from '../../store/state-store.js';
import { decideProposal } from '../decide-proposal.js';
import { guardResource, requestPrincipal } from '../auth.js';
import type { TokenAuth } from '../auth.js';
import { ErrorSchema, authErrorResponses } from '../schemas.js';

export const DecisionSchema = z
  .object({
    id: z.string(),
    upgrade: z.string(),
    flag: z.string(),
    kind: z.string(),
    status: z.string(),
    proposal: z.unknown(),
    requestedBy: z.string(),
    approvedBy: z.string().nullable(),
    /** Leadership term of the replica that last wrote it. */
    leaderEpoch: z.number(),
    /** +1 per transition. */
    version: z.number(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Decision');

const IdParam = z.object({ id: z.string().regex(/^\d{1,18}$/).openapi({ param: { name: 'id', in: 'path' }, example: '12' }) });

const listRoute = createRoute({
  method: 'get',
  path: '/api/v1/decisions',
  summary: 'Proposed and applied flag changes, with evidence',
  security: [{ bearer: [] }],
  request: { query: z.object({ status: z.enum(DECISION_STATUSES as unknown as [DecisionStatus, ...DecisionStatus[]]).optional(), upgrade: z.string().optional() }) },
  responses: { 200: { description: 'Decisions', content: { 'application/json': { schema: DecisionSchema.array() } } }, ...authErrorResponses },
});

function transitionRoute(action: 'approve' | 'reject') {
  return createRoute({
    method: 'post',
    path: `/api/v1/decisions/{id}/${action}`,
    summary: action === 'approve' ? 'Approve a proposed decision' : 'Reject a proposed decision',
    security: [{ bearer: [] }],
    request: {
      params: IdParam,
      body: { required: false, content: { 'application/json': { schema: z.object({ reason: z.string().max(2000).optional() }).strict() } } },
    },
    responses: {
      200: { description: 'The decision after the transition', content: { 'application/json': { schema: DecisionSchema } } },
      404: { description: 'No such decision', content: { 'application/json': { schema: ErrorSchema } } },
      409: { description: 'The decision is not pending (or changed meanwhile)', content: { 'application/json': { schema: ErrorSchema } } },
      ...authErrorResponses,
      ...(action === 'approve' ? { 403: { description: 'The token lacks the operator role; its holder requested the decision (`self_approval`: another operator must approve it); or a person requested it and the token is the shared one from the environment (`named_token_required`: approve with a named token)', content: { 'application/json': { schema: ErrorSchema } } } } : {}),
    },
  });
}

/** Mounts the decision routes. */
export function mountDecisionRoutes(app: OpenAPIHono, deps: { auth: TokenAuth; decisions: DecisionStore; now: () => number }): void {
  guardResource(app, deps.auth, '/api/v1/decisions', 'viewer', 'operator');
  app.openapi(listRoute, async (c) => {
    const { status, upgrade } = c.req.valid('query');
    const records = await deps.decisions.listDecisions({ ...(status ? { status } : {}), ...(upgrade ? { upgradeId: upgrade } : {}) });
    return c.json(records.map(decisionJson), 200);
  });
  for (const action of ['approve', 'reject'] as const) {
    app.openapi(transitionRoute(action), async (c) => {
      const { id } = c.req.valid('param');
      const reason = (c.req.valid('json') as { reason?: string } | undefined)?.reason;
      const next = await decideProposal(deps.decisions, id, action, { atMs: deps.now(), actor: requestPrincipal(c), ...(reason === undefined ? {} : { reason }) });
      return c.json(decisionJson(next), 200);
    });
  }
}

/** A decision as the API shows it. */
export function decisionJson(d: DecisionRecord): z.infer<typeof DecisionSchema> {
  return {
    id: d.id,
    upgrade: d.upgradeId,
    flag: d.flag,
    kind: d.kind,
    status: d.status,
    proposal: d.proposal,
    requestedBy: d.requestedBy,
    approvedBy: d.approvedBy,
    leaderEpoch: d.leaderEpoch,
    version: d.version,
    createdAt: new Date(d.createdAtMs).toISOString(),
    updatedAt: new Date(d.updatedAtMs).toISOString(),
  };
}
