/**
 * `FlagStore` on Unleash's Admin API (verified against unleash-server 6.10.1):
 *
 * - read: `GET /api/admin/projects/{project}/features/{flag}/environments/{env}` (200; 404 for an
 *   unknown flag or environment);
 * - on/off: `POST …/features/{flag}/environments/{env}/on` and `…/off` (200, empty body; idempotent,
 *   and a call that changes nothing records no event). Turning on a flag without an enabled
 *   strategy makes Unleash add its default strategy (flexibleRollout 100%);
 * - payload: `PUT …/environments/{env}/strategies/{strategyId}` with the whole strategy as read and
 *   only the chosen variant's `payload` replaced by `{type: "json", value: "<JSON text>"}` (200);
 *   Unleash validates JSON payloads (400 otherwise) and refuses JSON-Patch `test` operations, so it
 *   offers no compare-and-set: the drift check is a re-read right before the write, which leaves a
 *   window of one round trip;
 * - audit: `GET /api/admin/events/{flag}` (newest 100 first): each write's event (`createdBy` = the
 *   token's name) is looked up afterwards and its id returned, the durable link between a decision
 *   and Unleash's log, since OSS endpoints take no comment.
 *
 * Auth: an admin token (`*:*.<secret>`) or personal access token; a client token gets 403.
 */
import type { FlagState, FlagStore, FlagWriteResult, ReplacePayloadRequest, SetEnabledRequest, StrategySelector } from './flag-store.js';
import { FlagStoreError } from './flag-store-error.js';
import { checkDecisionId, checkEnabledDrift, checkPayloadDrift, requireJsonPayload, requireStrategy, selectVariant } from './flag-selection.js';
import { sameJson, serialisePayload } from './json-payload.js';
import { UnleashAdminHttp } from './unleash-admin-http.js';
import type { UnleashHttpOptions } from './unleash-admin-http.js';
import { parseFeatureEnvironment, strategyUpdateBody, toFlagState } from './unleash-wire.js';
import type { UnleashFeatureEnvironment } from './unleash-wire.js';

/** Where the flags live, plus the transport settings. */
export interface UnleashFlagStoreOptions extends UnleashHttpOptions {
  /** The environment every call reads and writes, e.g. `production`. */
  readonly environment: string;
  /** The project of the flags (default `default`). */
  readonly project?: string;
}

/** One entry of `GET /api/admin/events/{flag}` as far as matching needs it. */
interface UnleashEventDto {
  readonly id: number;
  readonly type: string;
  readonly environment?: string | null;
  readonly data?: unknown;
}

/** The Unleash adapter of {@link FlagStore}. */
export class UnleashFlagStore implements FlagStore {
  readonly environment: string;
  private readonly project: string;
  private readonly http: UnleashAdminHttp;

  constructor(options: UnleashFlagStoreOptions) {
    this.environment = options.environment;
    this.project = options.project ?? 'default';
    this.http = new UnleashAdminHttp(options);
  }

  async readFlag(flag: string, strategy?: StrategySelector): Promise<FlagState> {
    return toFlagState(await this.readEnvironment(flag), flag, this.environment, strategy);
  }

  async setEnabled(request: SetEnabledRequest): Promise<FlagWriteResult> {
    checkDecisionId(request.decisionId);
    const { flag, enabled } = request;
    const before = await this.readFlag(flag);
    checkEnabledDrift(before, request.expectedEnabled);
    if (before.enabled === enabled) return { state: before, changed: false, eventId: null };
    const action = enabled ? 'on' : 'off';
    await this.http.call({
      method: 'POST', path: `${this.environmentPath(flag)}/${action}`, decisionId: request.decisionId, flag,
      what: `turn flag ${flag} ${action} in ${this.environment}`,
    });
    const type = enabled ? 'feature-environment-enabled' : 'feature-environment-disabled';
    const eventId = await this.findEvent(flag, (event) => event.type === type);
    return { state: await this.readFlag(flag), changed: true, eventId };
  }

  async replaceVariantPayload(request: ReplacePayloadRequest): Promise<FlagWriteResult> {
    checkDecisionId(request.decisionId);
    const { flag } = request;
    const dto = await this.readEnvironment(flag);
    const before = toFlagState(dto, flag, this.environment, request.strategy);
    const strategy = requireStrategy(before);
    const variant = selectVariant(before, strategy, request.variant);
    const payloadText = serialisePayload(request.payload, `flag ${flag}, variant ${variant.name}`);
    checkPayloadDrift(before, variant, requireJsonPayload(before, variant), request.expectedPayload);
    const selector = { id: strategy.id };
    if (sameJson(variant.json, request.payload)) return { state: before, changed: false, eventId: null };
    const raw = dto.strategies.find((candidate) => candidate.id === strategy.id);
    if (raw === undefined) throw new Error(`strategy ${strategy.id} vanished between mapping and writing`);
    await this.http.call({
      method: 'PUT', path: `${this.environmentPath(flag)}/strategies/${encodeURIComponent(strategy.id)}`,
      body: strategyUpdateBody(raw, variant.name, payloadText), decisionId: request.decisionId, flag,
      what: `replace the payload of variant ${variant.name} of flag ${flag} in ${this.environment}`,
    });
    const eventId = await this.findEvent(flag, (event) => event.type === 'feature-strategy-update' && wroteVariant(event.data, strategy.id, variant.name, payloadText));
    return { state: await this.readFlag(flag, selector), changed: true, eventId };
  }

  private async readEnvironment(flag: string): Promise<UnleashFeatureEnvironment> {
    const body = await this.http.call({ method: 'GET', path: this.environmentPath(flag), flag, what: `read flag ${flag} in ${this.environment}` });
    return parseFeatureEnvironment(body, flag, this.environment);
  }

  private environmentPath(flag: string): string {
    return `/admin/projects/${encodeURIComponent(this.project)}/features/${encodeURIComponent(flag)}/environments/${encodeURIComponent(this.environment)}`;
  }

  /**
   * Id of the newest event about `flag` in this environment that `matches`, or null when none of
   * the newest 100 does or the log cannot be read (the write itself has succeeded by then).
   */
  private async findEvent(flag: string, matches: (event: UnleashEventDto) => boolean): Promise<number | null> {
    try {
      const body = await this.http.call({ method: 'GET', path: `/admin/events/${encodeURIComponent(flag)}`, flag, what: `read the event log of flag ${flag}` });
      const events = (body as { events?: unknown } | null)?.events;
      if (!Array.isArray(events)) return null;
      const found = (events as UnleashEventDto[]).find((event) => event.environment === this.environment && matches(event));
      return typeof found?.id === 'number' ? found.id : null;
    } catch (error) {
      if (error instanceof FlagStoreError) return null;
      throw error;
    }
  }
}

/** Whether a `feature-strategy-update` event's data shows strategy `strategyId` with variant `variantName` holding `payloadText`. */
function wroteVariant(data: unknown, strategyId: string, variantName: string, payloadText: string): boolean {
  const strategy = data as { id?: unknown; variants?: unknown } | null;
  if (strategy?.id !== strategyId || !Array.isArray(strategy.variants)) return false;
  return strategy.variants.some((variant: unknown) => {
    const v = variant as { name?: unknown; payload?: { value?: unknown } } | null;
    return v?.name === variantName && v.payload?.value === payloadText;
  });
}
