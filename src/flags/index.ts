export { describeSelector } from './flag-store.js';
export type {
  FlagState, FlagStore, FlagStrategy, FlagVariant, FlagWriteResult, JsonValue, ReplacePayloadRequest, SetEnabledRequest, StrategySelector, WriteContext,
} from './flag-store.js';
export {
  ChangeRequestRequiredError, FlagDriftError, FlagNotFoundError, FlagRequestRejectedError, FlagShapeError, FlagStoreAuthError, FlagStoreError,
  FlagStoreUnavailableError,
} from './flag-store-error.js';
export type { DriftValue, FlagStoreErrorCode } from './flag-store-error.js';
export { sameJson } from './json-payload.js';
export { MemoryFlagStore, MemoryFlags } from './memory-flag-store.js';
export type { MemoryFlagEvent, MemoryStrategySeed, MemoryVariantSeed } from './memory-flag-store.js';
export { DECISION_HEADER } from './unleash-admin-http.js';
export type { UnleashHttpOptions } from './unleash-admin-http.js';
export { DEFAULT_RETRY_POLICY } from './unleash-failure.js';
export type { RetryPolicy } from './unleash-failure.js';
export { UnleashFlagStore } from './unleash-flag-store.js';
export type { UnleashFlagStoreOptions } from './unleash-flag-store.js';
