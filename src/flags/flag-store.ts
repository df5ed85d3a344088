/**
 * Port: the feature-flag service the tuner acts through (CONTRACT §7). It sees one environment of
 * one flag service: whether a flag is on, and the variants (with JSON payloads) of one of the flag's
 * strategies, where the numeric backoff constants live. Environment-level variants are deprecated in
 * Unleash; only strategy variants are read and written here.
 *
 * Every write names the decision it carries out and the state the decision was planned against
 * (`expected…`). The store re-reads the flag right before writing and refuses with `FlagDriftError`
 * when someone changed it since; a write whose target already holds is not sent at all.
 *
 * Adapters: Unleash's Admin API (`unleash-flag-store.ts`) and an in-memory fake
 * (`memory-flag-store.ts`), held to one contract suite (`flag-store-contract.ts`).
 */

/** A JSON value as parsed by `JSON.parse`. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Picks one strategy of a flag: by its id, or by its title. */
export type StrategySelector = { readonly id: string } | { readonly title: string };

/** One variant of a strategy. */
export interface FlagVariant {
  readonly name: string;
  /** Share of evaluations, in thousandths (0–1000). */
  readonly weight: number;
  /** The payload's declared type (`json`, `string`, `csv`, `number`), or null without a payload. */
  readonly payloadType: string | null;
  /** The payload parsed, when its type is `json`; else null. */
  readonly json: JsonValue | null;
}

/** One activation strategy of a flag in the store's environment. */
export interface FlagStrategy {
  /** The service's id of the strategy (a UUID in Unleash). */
  readonly id: string;
  /** Strategy type, e.g. `flexibleRollout`. */
  readonly name: string;
  readonly title: string | null;
  readonly disabled: boolean;
  readonly variants: readonly FlagVariant[];
}

/** A flag as the tuner sees it in the store's environment. */
export interface FlagState {
  readonly flag: string;
  readonly environment: string;
  /** Whether the flag is on in {@link environment}. */
  readonly enabled: boolean;
  /**
   * The selected strategy: the one the selector names, or by default the first `flexibleRollout`
   * strategy in the service's order; null when the flag has none (a bare on/off gate).
   */
  readonly strategy: FlagStrategy | null;
}

/** What a write needs besides its target. */
export interface WriteContext {
  readonly flag: string;
  /** The decision the write carries out; recorded with the change (see each adapter for where). */
  readonly decisionId: string;
}

/** Turn a flag on or off. */
export interface SetEnabledRequest extends WriteContext {
  readonly enabled: boolean;
  /** The state the decision was planned against; a different current state is drift. */
  readonly expectedEnabled: boolean;
}

/** Replace the JSON payload of one variant of one strategy, leaving everything else as it is. */
export interface ReplacePayloadRequest extends WriteContext {
  /** Which strategy (default: the first `flexibleRollout` one). */
  readonly strategy?: StrategySelector;
  /** Which variant (default: the strategy's only variant; more than one is then an error). */
  readonly variant?: string;
  /** The new payload, written as a `json` payload. */
  readonly payload: JsonValue;
  /** The payload the decision was planned against, compared as JSON (key order and spacing do not matter). */
  readonly expectedPayload: JsonValue;
}

/** The outcome of a write. */
export interface FlagWriteResult {
  /** The flag as re-read after the write (or as found, when nothing needed changing). */
  readonly state: FlagState;
  /** False when the flag already had the target value, so nothing was sent. */
  readonly changed: boolean;
  /**
   * Id of the audit event the service recorded for the change (Unleash's event log id), when it
   * could be found; null when nothing changed or the event could not be identified.
   */
  readonly eventId: number | null;
}

/** Read and write access to flags in one environment. */
export interface FlagStore {
  /** Environment every call reads and writes. */
  readonly environment: string;
  /** Reads `flag`: whether it is on, and the selected strategy with its variants. */
  readFlag(flag: string, strategy?: StrategySelector): Promise<FlagState>;
  /** Turns `flag` on or off, unless it drifted from `expectedEnabled`. */
  setEnabled(request: SetEnabledRequest): Promise<FlagWriteResult>;
  /** Replaces one variant's payload, unless it drifted from `expectedPayload`. */
  replaceVariantPayload(request: ReplacePayloadRequest): Promise<FlagWriteResult>;
}

/** The selector as text for messages: `id 3f…`, `title "backoff"`, or `the first flexibleRollout strategy`. */
export function describeSelector(selector: StrategySelector | undefined): string {
  if (selector === undefined) return 'the first flexibleRollout strategy';
  return 'id' in selector ? `strategy id ${selector.id}` : `strategy titled "${selector.title}"`;
}
