/**
 * Unleash 6.x Admin API shapes, mapped to the port's plain types at this edge and back.
 *
 * Read: `GET /api/admin/projects/{project}/features/{flag}/environments/{env}` answers
 * `{name, environment, enabled, strategies: [{id, name, title, disabled, parameters, constraints,
 * variants: [{name, weight, weightType, stickiness, payload?: {type, value}}], sortOrder}]}`, strategies
 * in sort order; a variant's payload value is a string (JSON text for type `json`).
 * Write: `PUT …/environments/{env}/strategies/{id}` replaces the strategy's name, parameters, title,
 * disabled, constraints and variants (absent constraints or variants become empty), so the body
 * carries every one of them as read; segments are left alone when the body has none.
 */
import type { FlagState, FlagStrategy, FlagVariant, StrategySelector } from './flag-store.js';
import { FlagRequestRejectedError } from './flag-store-error.js';
import { selectStrategy } from './flag-selection.js';
import { parsePayload } from './json-payload.js';

/** A strategy variant as Unleash stores it (other fields it may grow are kept as read). */
export interface UnleashVariant {
  readonly name: string;
  readonly weight: number;
  readonly weightType?: string;
  readonly stickiness?: string;
  readonly payload?: { readonly type: string; readonly value: string };
  readonly [key: string]: unknown;
}

/** A strategy as the feature-environment endpoint returns it. */
export interface UnleashStrategy {
  readonly id: string;
  readonly name: string;
  readonly title?: string | null;
  readonly disabled?: boolean | null;
  readonly parameters?: Record<string, string>;
  readonly constraints?: readonly unknown[];
  readonly variants?: readonly UnleashVariant[];
  readonly sortOrder?: number;
}

/** The body of `GET …/features/{flag}/environments/{env}`. */
export interface UnleashFeatureEnvironment {
  readonly name: string;
  readonly environment: string;
  readonly enabled: boolean;
  readonly strategies: readonly UnleashStrategy[];
}

/** Checks the fields this adapter relies on; an Unleash that answers otherwise is not one it can drive. */
export function parseFeatureEnvironment(body: unknown, flag: string, environment: string): UnleashFeatureEnvironment {
  const fail = (what: string): never => {
    throw new FlagRequestRejectedError(`Unleash answered an unexpected body for flag ${flag} in ${environment} (${what}); is it Unleash 5.x/6.x?`);
  };
  if (body === null || typeof body !== 'object') return fail('not an object');
  const record = body as Partial<UnleashFeatureEnvironment>;
  if (typeof record.enabled !== 'boolean') return fail('no boolean "enabled"');
  if (!Array.isArray(record.strategies)) return fail('no "strategies" array');
  for (const strategy of record.strategies as unknown[]) {
    const s = strategy as Partial<UnleashStrategy> | null;
    if (s === null || typeof s !== 'object' || typeof s.id !== 'string' || typeof s.name !== 'string') return fail('a strategy without string id and name');
    if (s.variants !== undefined && !Array.isArray(s.variants)) return fail(`strategy ${s.id} with non-array "variants"`);
  }
  return record as UnleashFeatureEnvironment;
}

/** The port's view of a feature environment, with the strategy `selector` picks. */
export function toFlagState(dto: UnleashFeatureEnvironment, flag: string, environment: string, selector: StrategySelector | undefined): FlagState {
  const strategies = dto.strategies.map((strategy) => ({ ...strategy, title: strategy.title ?? null }));
  const picked = selectStrategy(strategies, selector, flag, environment);
  return { flag, environment, enabled: dto.enabled, strategy: picked === null ? null : toFlagStrategy(picked, flag) };
}

function toFlagStrategy(strategy: UnleashStrategy, flag: string): FlagStrategy {
  return {
    id: strategy.id,
    name: strategy.name,
    title: strategy.title ?? null,
    disabled: strategy.disabled ?? false,
    variants: (strategy.variants ?? []).map((variant) => toFlagVariant(variant, flag)),
  };
}

function toFlagVariant(variant: UnleashVariant, flag: string): FlagVariant {
  const payload = variant.payload;
  const json = payload?.type === 'json' ? parsePayload(payload.value, `flag ${flag}, variant ${variant.name}`) : null;
  return { name: variant.name, weight: variant.weight, payloadType: payload?.type ?? null, json };
}

/**
 * The PUT body that writes `strategy` back with variant `variantName`'s payload replaced by the
 * JSON text `payloadText`; every other field and variant as read.
 */
export function strategyUpdateBody(strategy: UnleashStrategy, variantName: string, payloadText: string): Record<string, unknown> {
  const variants = (strategy.variants ?? []).map((variant) => (variant.name === variantName ? { ...variant, payload: { type: 'json', value: payloadText } } : variant));
  return {
    name: strategy.name,
    ...(strategy.title === undefined ? {} : { title: strategy.title }),
    ...(strategy.disabled === undefined ? {} : { disabled: strategy.disabled }),
    parameters: strategy.parameters ?? {},
    constraints: strategy.constraints ?? [],
    variants,
    ...(strategy.sortOrder === undefined ? {} : { sortOrder: strategy.sortOrder }),
  };
}
