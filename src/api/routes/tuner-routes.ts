/**
 * The tuner over HTTP:
 * - `GET /api/v1/tuner` (viewer): mode, leadership, the last round, frozen flags, why open findings
 *   got no decision, active operational alerts;
 * - `GET|PUT /api/v1/tuner/kill-switch` (viewer / operator): whether flag changes are stopped and
 *   why; PUT engages or releases the API switch (audited, kept across restarts). A switch engaged by
 *   the guardrails file stays engaged whatever the API says;
 * - `POST /api/v1/tuner/flags/{flag}/unfreeze` (operator): lifts a freeze after 3 reverts in a row;
 * - `GET|POST /api/v1/upgrades/{id}/rollback` (viewer / operator): the configuration-level rollback
 *   of an upgrade, previewed by GET and carried out by POST.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { FlagStoreError } from '../../flags/flag-store-error.js';
import type { KillSwitch } from '../../tune/kill-switch.js';
import type { RollbackItem, RollbackResult } from '../../tune/rollback.js';
import type { Tuner } from '../../tune/tuner.js';
import type { TunerAlert } from '../../tune/tuner-context.js';
import { ApiError } from '../api-error.js';
import { guardResource, requestPrincipal } from '../auth.js';
import { refuseBodyFields } from '../no-body.js';
import type { TokenAuth } from '../auth.js';
import { authErrorResponses, ErrorSchema } from '../schemas.js';

export const KillSwitchSchema = z
  .object({
    engaged: z.boolean(),
    source: z.enum(['config', 'api']).nullable(),
    api: z.object({ engaged: z.boolean(), reason: z.string().nullable(), updatedAt: z.string(), updatedBy: z.string() }).nullable(),
  })
  .openapi('KillSwitch');

const TunerStatusSchema = z
  .object({
    enabled: z.boolean(),
    mode: z.enum(['enforce', 'dry-run']).nullable(),
    leader: z.boolean(),
    epoch: z.number().nullable(),
    killSwitch: KillSwitchSchema,
    lastRound: z.object({ at: z.string(), outcome: z.string(), message: z.string().nullable() }).nullable(),
    frozen: z.array(z.object({ flag: z.string(), reason: z.string().nullable(), since: z.string(), by: z.string() })),
    notActing: z.record(z.string(), z.string()),
    alerts: z.array(z.object({ name: z.string(), key: z.string(), labels: z.record(z.string(), z.string()), summary: z.string(), description: z.string() })),
  })
  .openapi('TunerStatus');

const FlagValueSchema = z.union([z.object({ kind: z.literal('enabled'), value: z.boolean() }), z.object({ kind: z.literal('payload'), value: z.unknown() })]).nullable();

const RollbackSchema = z
  .object({
    upgrade: z.string(),
    applied: z.boolean(),
    flags: z.array(
      z.object({
        flag: z.string(),
        status: z.enum(['restore', 'unchanged', 'refused']),
        outcome: z.enum(['restored', 'unchanged', 'refused', 'failed']).nullable(),
        restoreTo: FlagValueSchema,
        expected: FlagValueSchema,
        current: FlagValueSchema,
        decisions: z.array(z.string()),
        lastChangedAt: z.string(),
        reason: z.string(),
        restoreDecision: z.string().nullable(),
        eventId: z.number().nullable(),
      }),
    ),
    refused: z.array(z.string()),
  })
  .openapi('Rollback');

const statusRoute = createRoute({
  method: 'get',
  path: '/api/v1/tuner',
  summary: 'The tuner: mode, leadership, last round, frozen flags, why findings got no decision',
  security: [{ bearer: [] }],
  responses: { 200: { description: 'Tuner status', content: { 'application/json': { schema: TunerStatusSchema } } }, ...authErrorResponses },
});

const getKillRoute = createRoute({
  method: 'get',
  path: '/api/v1/tuner/kill-switch',
  summary: 'Whether the tuner is stopped, and by what',
  security: [{ bearer: [] }],
  responses: { 200: { description: 'Kill switch', content: { 'application/json': { schema: KillSwitchSchema } } }, ...authErrorResponses },
});

const putKillRoute = createRoute({
  method: 'put',
  path: '/api/v1/tuner/kill-switch',
  summary: 'Engage or release the API kill switch (audited; survives restarts)',
  security: [{ bearer: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: z.object({ engaged: z.boolean(), reason: z.string().max(500).optional() }).strict() } } } },
  responses: { 200: { description: 'Kill switch after the change', content: { 'application/json': { schema: KillSwitchSchema } } }, ...authErrorResponses },
});

const unfreezeRoute = createRoute({
  method: 'post',
  path: '/api/v1/tuner/flags/{flag}/unfreeze',
  summary: 'Lift the freeze of a flag (after 3 automatic reverts in a row); audited',
  security: [{ bearer: [] }],
  request: { params: z.object({ flag: z.string().min(1) }) },
  responses: {
    200: { description: 'Tuner status after the change', content: { 'application/json': { schema: TunerStatusSchema } } },
    404: { description: 'No tuner, or the flag has no guardrails rule', content: { 'application/json': { schema: ErrorSchema } } },
    ...authErrorResponses,
  },
});

const rollbackParams = z.object({ id: z.string().min(1) });
const previewRoute = createRoute({
  method: 'get',
  path: '/api/v1/upgrades/{id}/rollback',
  summary: 'Preview the configuration-level rollback: each flag the tuner changed for the upgrade and the value it would get back',
  security: [{ bearer: [] }],
  request: { params: rollbackParams },
  responses: {
    200: { description: 'What a rollback would do', content: { 'application/json': { schema: RollbackSchema } } },
    404: { description: 'No such upgrade, or no tuner', content: { 'application/json': { schema: ErrorSchema } } },
    ...authErrorResponses,
  },
});
const applyRoute = createRoute({
  method: 'post',
  path: '/api/v1/upgrades/{id}/rollback',
  summary: 'Roll back: restore every flag the tuner changed for the upgrade (newest first); flags changed by someone else since are refused and named',
  security: [{ bearer: [] }],
  request: { params: rollbackParams },
  responses: {
    200: { description: 'What the rollback did', content: { 'application/json': { schema: RollbackSchema } } },
    404: { description: 'No such upgrade, or no tuner', content: { 'application/json': { schema: ErrorSchema } } },
    502: { description: 'The flag service failed', content: { 'application/json': { schema: ErrorSchema } } },
    ...authErrorResponses,
  },
});

/** What the routes reach of a running tuner (absent when `tuner.guardrails` is null). */
export interface TunerRouteDeps {
  readonly auth: TokenAuth;
  readonly killSwitch: KillSwitch;
  readonly tuner: {
    readonly mode: 'enforce' | 'dry-run';
    readonly flags: readonly string[];
    readonly instance: Tuner;
    readonly rollback: {
      preview(upgradeId: string): Promise<RollbackItem[]>;
      apply(upgradeId: string, actor: string): Promise<{ items: RollbackItem[]; results: RollbackResult[] }>;
    };
  } | null;
  readonly upgradeExists: (id: string) => Promise<boolean>;
  /** The service's active operational alerts (the tuner's, monitoring's, the state store's), listed with or without a tuner. */
  readonly alerts: () => readonly TunerAlert[];
}

/** Mounts the tuner routes. */
export function mountTunerRoutes(app: OpenAPIHono, deps: TunerRouteDeps): void {
  guardResource(app, deps.auth, '/api/v1/tuner', 'viewer', 'operator');
  // These take no body: fields sent anyway (status, approvedBy, …) are refused, never ignored.
  app.use('/api/v1/tuner/flags/:flag/unfreeze', refuseBodyFields());
  app.use('/api/v1/upgrades/:id/rollback', refuseBodyFields());
  const status = async (): Promise<z.infer<typeof TunerStatusSchema>> => {
    const killSwitch = await deps.killSwitch.state();
    const tuner = deps.tuner;
    const alerts = deps.alerts().map((a) => ({ name: a.name, key: a.key, labels: { ...a.labels }, summary: a.summary, description: a.description }));
    if (tuner === null) return { enabled: false, mode: null, leader: false, epoch: null, killSwitch, lastRound: null, frozen: [], notActing: {}, alerts };
    const s = tuner.instance.status();
    const frozen = await tuner.instance.frozenFlags();
    return {
      enabled: true,
      mode: s.mode,
      leader: s.leader,
      epoch: s.epoch,
      killSwitch,
      lastRound: s.lastRound === null ? null : { at: new Date(s.lastRound.atMs).toISOString(), outcome: s.lastRound.outcome, message: s.lastRound.message },
      frozen: frozen.map(({ flag, state }) => ({ flag, reason: state.reason, since: new Date(state.sinceMs).toISOString(), by: state.by })),
      notActing: s.notActing,
      alerts,
    };
  };
  app.openapi(statusRoute, async (c) => c.json(await status(), 200));
  app.openapi(getKillRoute, async (c) => c.json(await deps.killSwitch.state(), 200));
  app.openapi(putKillRoute, async (c) => {
    const { engaged, reason } = c.req.valid('json');
    return c.json(await deps.killSwitch.set(engaged, requestPrincipal(c).name, reason ?? null), 200);
  });
  app.openapi(unfreezeRoute, async (c) => {
    const { flag } = c.req.valid('param');
    if (deps.tuner === null) throw new ApiError(404, 'not_found', 'the tuner is off (tuner.guardrails is null)');
    if (!deps.tuner.flags.includes(flag)) throw new ApiError(404, 'not_found', `no guardrails rule for flag ${flag}`);
    await deps.tuner.instance.unfreeze(flag, requestPrincipal(c).name);
    return c.json(await status(), 200);
  });
  const rollbackOf = async (id: string): Promise<NonNullable<TunerRouteDeps['tuner']>['rollback']> => {
    if (deps.tuner === null) throw new ApiError(404, 'not_found', 'the tuner is off (tuner.guardrails is null): it changed no flags');
    if (!(await deps.upgradeExists(id))) throw new ApiError(404, 'not_found', `no upgrade ${id}`);
    return deps.tuner.rollback;
  };
  app.openapi(previewRoute, async (c) => {
    const { id } = c.req.valid('param');
    const items = await flagService(() => rollbackOf(id).then((r) => r.preview(id)));
    return c.json(rollbackJson(id, false, items, []), 200);
  });
  app.openapi(applyRoute, async (c) => {
    const { id } = c.req.valid('param');
    const rollback = await rollbackOf(id);
    const { items, results } = await flagService(() => rollback.apply(id, requestPrincipal(c).name));
    return c.json(rollbackJson(id, true, items, results), 200);
  });
}

/** Flag-service failures of a rollback become 502 with the adapter's message. */
async function flagService<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof FlagStoreError) throw new ApiError(502, 'flag_service_error', error.message);
    throw error;
  }
}

function rollbackJson(upgrade: string, applied: boolean, items: readonly RollbackItem[], results: readonly RollbackResult[]): z.infer<typeof RollbackSchema> {
  const byFlag = new Map(results.map((r) => [r.flag, r]));
  const flags = items.map((item) => {
    const result = byFlag.get(item.flag);
    return {
      flag: item.flag,
      status: item.status,
      outcome: result?.outcome ?? null,
      restoreTo: item.restoreTo,
      expected: item.expected,
      current: item.current,
      decisions: [...item.decisions],
      lastChangedAt: new Date(item.lastChangedAtMs).toISOString(),
      reason: result?.message ?? item.reason,
      restoreDecision: result?.decisionId ?? null,
      eventId: result?.eventId ?? null,
    };
  });
  const refused = (applied ? results.filter((r) => r.outcome === 'refused').map((r) => r.flag) : items.filter((i) => i.status === 'refused').map((i) => i.flag));
  return { upgrade, applied, flags, refused };
}
