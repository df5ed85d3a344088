/**
 * Rules every adapter shares: which strategy and variant a call means, and the drift check a write
 * makes against the state it re-read just before writing.
 */
import type { FlagState, FlagStrategy, FlagVariant, JsonValue, StrategySelector } from './flag-store.js';
import { describeSelector } from './flag-store.js';
import { FlagDriftError, FlagRequestRejectedError, FlagShapeError } from './flag-store-error.js';
import { sameJson } from './json-payload.js';

/** The strategy type whose variants carry the tuned payloads by default. */
export const DEFAULT_STRATEGY_NAME = 'flexibleRollout';

/**
 * The strategy `selector` names among `strategies` (in the service's order); without a selector,
 * the first `flexibleRollout` one, or null when there is none. A selector that matches nothing, or
 * a title that matches several, is a {@link FlagShapeError}.
 */
export function selectStrategy<T extends { readonly id: string; readonly name: string; readonly title: string | null }>(
  strategies: readonly T[], selector: StrategySelector | undefined, flag: string, environment: string): T | null {
  if (selector === undefined) return strategies.find((strategy) => strategy.name === DEFAULT_STRATEGY_NAME) ?? null;
  const matches = strategies.filter((strategy) => ('id' in selector ? strategy.id === selector.id : strategy.title === selector.title));
  if (matches.length === 1) return matches[0] as T;
  const found = matches.length === 0 ? 'none matches' : `${matches.length} match`;
  throw new FlagShapeError(`flag ${flag} in ${environment}: ${describeSelector(selector)} was asked for, but ${found} among its ${strategies.length} strategies`);
}

/** The strategy a payload write targets (the state was read with its selector); none is an error. */
export function requireStrategy(state: FlagState): FlagStrategy {
  if (state.strategy === null) {
    throw new FlagShapeError(`flag ${state.flag} in ${state.environment} has no ${DEFAULT_STRATEGY_NAME} strategy to hold variant payloads`);
  }
  return state.strategy;
}

/** The variant named `name`, or the strategy's only variant when `name` is undefined. */
export function selectVariant(state: FlagState, strategy: FlagStrategy, name: string | undefined): FlagVariant {
  const where = `flag ${state.flag} in ${state.environment}, strategy ${strategy.id}`;
  if (name === undefined) {
    if (strategy.variants.length === 1) return strategy.variants[0] as FlagVariant;
    throw new FlagShapeError(`${where}: no variant was named and the strategy has ${strategy.variants.length} variants (${variantNames(strategy)})`);
  }
  const variant = strategy.variants.find((candidate) => candidate.name === name);
  if (variant === undefined) throw new FlagShapeError(`${where}: no variant named "${name}" (it has ${variantNames(strategy)})`);
  return variant;
}

/** The variant's JSON payload; a variant without one, or with another payload type, is a {@link FlagShapeError}. */
export function requireJsonPayload(state: FlagState, variant: FlagVariant): JsonValue {
  if (variant.payloadType !== 'json') {
    const found = variant.payloadType === null ? 'no payload' : `a ${variant.payloadType} payload`;
    throw new FlagShapeError(`flag ${state.flag} in ${state.environment}, variant ${variant.name}: expected a json payload, found ${found}`);
  }
  return variant.json;
}

/** Throws {@link FlagDriftError} unless the flag is on exactly when `expected` says. */
export function checkEnabledDrift(state: FlagState, expected: boolean): void {
  if (state.enabled === expected) return;
  throw new FlagDriftError(state.flag, { kind: 'enabled', value: expected }, { kind: 'enabled', value: state.enabled }, `in ${state.environment}`);
}

/** Throws {@link FlagDriftError} unless `actual` is the same JSON as `expected`. */
export function checkPayloadDrift(state: FlagState, variant: FlagVariant, actual: JsonValue, expected: JsonValue): void {
  if (sameJson(actual, expected)) return;
  throw new FlagDriftError(state.flag, { kind: 'payload', value: expected }, { kind: 'payload', value: actual },
    `for variant ${variant.name} in ${state.environment}`);
}

function variantNames(strategy: FlagStrategy): string {
  return strategy.variants.length === 0 ? 'none' : strategy.variants.map((variant) => variant.name).join(', ');
}

/** Refuses a decision id that is empty, padded, longer than 200 characters or not printable ASCII (it travels in HTTP headers). */
export function checkDecisionId(decisionId: string): void {
  if (decisionId.length > 200 || !/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(decisionId)) {
    throw new FlagRequestRejectedError(`decision id ${JSON.stringify(decisionId)} must be 1-200 printable ASCII characters without surrounding spaces`);
  }
}
