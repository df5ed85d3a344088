/** The simulated dten-sync client, its partner API and its backoff strategies. */
export { FROM_VERSION, TO_VERSION, UnleashStartError, instanceName, startDtenSyncClient, versionAt } from './client.js';
export type { DtenSyncClient, DtenSyncClientOptions, DtenSyncStats } from './client.js';
export { BackoffPayloadReader, V1_DEFAULTS, V2_DEFAULTS, describeStrategy, parseBackoffPayload, selectStrategy } from './backoff.js';
export type { BackoffFlagView, BackoffStrategy, V1Backoff } from './backoff.js';
export { retriesPerRequest, retriesPerRequestStandardError, tallyDifference } from './client-stats.js';
export type { InstanceState, StrategyTally } from './client-stats.js';
export { startPartnerApi } from './partner-api.js';
export type { PartnerApi, PartnerApiOptions, PartnerCounters } from './partner-api.js';
export { DEFAULT_PARTNER_FAULTS, retryFailureProbability } from './partner-faults.js';
export type { PartnerFaults } from './partner-faults.js';
