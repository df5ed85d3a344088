/**
 * In-memory `FlagStore` for unit tests and the demo. {@link MemoryFlags} plays the flag service: it
 * holds flags of one environment (payloads as JSON text, as Unleash stores them), records an event
 * per change (with the decision id, which a real Unleash cannot keep), and lets tests act as a human
 * editing behind the tuner's back or as an outage. {@link MemoryFlagStore} is the tuner's view of it,
 * held to the same contract suite as the Unleash adapter.
 */
import type { FlagState, FlagStore, FlagWriteResult, JsonValue, ReplacePayloadRequest, SetEnabledRequest, StrategySelector } from './flag-store.js';
import { FlagNotFoundError, FlagShapeError } from './flag-store-error.js';
import type { FlagStoreError } from './flag-store-error.js';
import { checkDecisionId, checkEnabledDrift, checkPayloadDrift, requireJsonPayload, requireStrategy, selectStrategy, selectVariant } from './flag-selection.js';
import { parsePayload, sameJson, serialisePayload } from './json-payload.js';

/** A variant to define: a JSON payload (written as JSON text), or a payload of another type as text. */
export interface MemoryVariantSeed {
  readonly name: string;
  /** Share of evaluations in thousandths (default 1000). */
  readonly weight?: number;
  readonly payload?: { readonly type: 'json'; readonly json: JsonValue } | { readonly type: string; readonly text: string };
}

/** A strategy to define. */
export interface MemoryStrategySeed {
  /** Default `s<n>`, counting strategies of the whole {@link MemoryFlags}. */
  readonly id?: string;
  /** Default `flexibleRollout`. */
  readonly name?: string;
  readonly title?: string | null;
  readonly disabled?: boolean;
  readonly variants?: readonly MemoryVariantSeed[];
}

/** One recorded change. */
export interface MemoryFlagEvent {
  readonly id: number;
  readonly type: 'feature-environment-enabled' | 'feature-environment-disabled' | 'feature-strategy-update';
  readonly flag: string;
  /** Who changed it: the store's actor name, or whoever a test says edited by hand. */
  readonly actor: string;
  /** The decision a store write carried out; null for hand edits. */
  readonly decisionId: string | null;
}

interface StoredVariant {
  readonly name: string;
  readonly weight: number;
  readonly payload: { readonly type: string; readonly value: string } | null;
}

interface StoredStrategy {
  readonly id: string;
  readonly name: string;
  readonly title: string | null;
  readonly disabled: boolean;
  variants: StoredVariant[];
}

interface StoredFlag {
  enabled: boolean;
  readonly strategies: StoredStrategy[];
}

/** The flags of one environment, and their change log. */
export class MemoryFlags {
  readonly environment: string;
  private readonly flags = new Map<string, StoredFlag>();
  private readonly log: MemoryFlagEvent[] = [];
  private strategyCount = 0;
  private outage: FlagStoreError | null = null;

  constructor(environment = 'development') {
    this.environment = environment;
  }

  /** Creates (or replaces) `flag`. */
  define(flag: string, seed: { readonly enabled: boolean; readonly strategies?: readonly MemoryStrategySeed[] }): void {
    const strategies = (seed.strategies ?? []).map((strategy) => ({
      id: strategy.id ?? `s${++this.strategyCount}`,
      name: strategy.name ?? 'flexibleRollout',
      title: strategy.title ?? null,
      disabled: strategy.disabled ?? false,
      variants: (strategy.variants ?? []).map(storedVariant),
    }));
    this.flags.set(flag, { enabled: seed.enabled, strategies });
  }

  /** While set, every store call fails with `error` (an outage, a revoked token, …); null ends it. */
  setOutage(error: FlagStoreError | null): void {
    this.outage = error;
  }

  /** Turns `flag` on or off as `actor` would by hand. */
  setEnabled(flag: string, enabled: boolean, actor = 'operator'): void {
    this.applyEnabled(flag, enabled, actor, null);
  }

  /** Stores `text` as the JSON payload of `variant` (of the first flexibleRollout strategy unless `strategyId`), as `actor` would by hand. */
  setPayloadText(flag: string, variant: string, text: string, options: { readonly strategyId?: string; readonly actor?: string } = {}): void {
    this.applyPayload(flag, options.strategyId, variant, text, options.actor ?? 'operator', null);
  }

  /** Recorded changes, oldest first; only those of `flag` when given. */
  events(flag?: string): MemoryFlagEvent[] {
    return this.log.filter((event) => flag === undefined || event.flag === flag);
  }

  /** @internal The store's read. */
  read(flag: string, selector: StrategySelector | undefined): FlagState {
    const stored = this.require(flag);
    const picked = selectStrategy(stored.strategies, selector, flag, this.environment);
    const strategy = picked === null ? null : {
      id: picked.id, name: picked.name, title: picked.title, disabled: picked.disabled,
      variants: picked.variants.map((variant) => ({
        name: variant.name,
        weight: variant.weight,
        payloadType: variant.payload?.type ?? null,
        json: variant.payload?.type === 'json' ? parsePayload(variant.payload.value, `flag ${flag}, variant ${variant.name}`) : null,
      })),
    };
    return { flag, environment: this.environment, enabled: stored.enabled, strategy };
  }

  /** @internal Throws the outage error, if one is set. */
  checkAvailable(): void {
    if (this.outage !== null) throw this.outage;
  }

  /** @internal */
  applyEnabled(flag: string, enabled: boolean, actor: string, decisionId: string | null): number | null {
    const stored = this.require(flag);
    if (stored.enabled === enabled) return null;
    stored.enabled = enabled;
    return this.record(enabled ? 'feature-environment-enabled' : 'feature-environment-disabled', flag, actor, decisionId);
  }

  /** @internal */
  applyPayload(flag: string, strategyId: string | undefined, variantName: string, text: string, actor: string, decisionId: string | null): number {
    const stored = this.require(flag);
    const strategy = selectStrategy(stored.strategies, strategyId === undefined ? undefined : { id: strategyId }, flag, this.environment);
    const variant = strategy?.variants.find((candidate) => candidate.name === variantName);
    if (strategy === null || variant === undefined) {
      throw new FlagShapeError(`flag ${flag} in ${this.environment}: no variant named "${variantName}" to edit`);
    }
    strategy.variants = strategy.variants.map((candidate) => (candidate === variant ? { ...candidate, payload: { type: 'json', value: text } } : candidate));
    return this.record('feature-strategy-update', flag, actor, decisionId);
  }

  private require(flag: string): StoredFlag {
    const stored = this.flags.get(flag);
    if (stored === undefined) throw new FlagNotFoundError(flag, `flag ${flag} does not exist in ${this.environment}`);
    return stored;
  }

  private record(type: MemoryFlagEvent['type'], flag: string, actor: string, decisionId: string | null): number {
    const id = this.log.length + 1;
    this.log.push({ id, type, flag, actor, decisionId });
    return id;
  }
}

/** The tuner's {@link FlagStore} over {@link MemoryFlags}; writes are recorded as `actor` (default `shiftguard`). */
export class MemoryFlagStore implements FlagStore {
  readonly environment: string;

  constructor(private readonly flags: MemoryFlags, private readonly actor = 'shiftguard') {
    this.environment = flags.environment;
  }

  readFlag(flag: string, strategy?: StrategySelector): Promise<FlagState> {
    return Promise.resolve().then(() => {
      this.flags.checkAvailable();
      return this.flags.read(flag, strategy);
    });
  }

  async setEnabled(request: SetEnabledRequest): Promise<FlagWriteResult> {
    checkDecisionId(request.decisionId);
    const before = await this.readFlag(request.flag);
    checkEnabledDrift(before, request.expectedEnabled);
    if (before.enabled === request.enabled) return { state: before, changed: false, eventId: null };
    const eventId = this.flags.applyEnabled(request.flag, request.enabled, this.actor, request.decisionId);
    return { state: await this.readFlag(request.flag), changed: true, eventId };
  }

  async replaceVariantPayload(request: ReplacePayloadRequest): Promise<FlagWriteResult> {
    checkDecisionId(request.decisionId);
    const before = await this.readFlag(request.flag, request.strategy);
    const strategy = requireStrategy(before);
    const variant = selectVariant(before, strategy, request.variant);
    const text = serialisePayload(request.payload, `flag ${request.flag}, variant ${variant.name}`);
    checkPayloadDrift(before, variant, requireJsonPayload(before, variant), request.expectedPayload);
    if (sameJson(variant.json, request.payload)) return { state: before, changed: false, eventId: null };
    const eventId = this.flags.applyPayload(request.flag, strategy.id, variant.name, text, this.actor, request.decisionId);
    return { state: await this.readFlag(request.flag, { id: strategy.id }), changed: true, eventId };
  }
}

function storedVariant(seed: MemoryVariantSeed): StoredVariant {
  const payload = seed.payload === undefined ? null
    : 'json' in seed.payload ? { type: 'json', value: serialisePayload(seed.payload.json, `variant ${seed.name}`) }
      : { type: seed.payload.type, value: seed.payload.text };
  return { name: seed.name, weight: seed.weight ?? 1000, payload };
}
