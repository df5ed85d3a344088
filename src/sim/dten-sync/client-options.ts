/**
 * The options of the simulated dten-sync client, their defaults, and their validation (once, at
 * start, naming the bad option).
 */
import type { V1Backoff } from './backoff.js';
import { V1_DEFAULTS } from './backoff.js';
import type { PartnerFaults } from './partner-faults.js';
import type { UnleashFlags } from './unleash-flags.js';

/** Options of `startDtenSyncClient`. */
export interface DtenSyncClientOptions {
  /** Unleash API base including `/api` (required unless `flags` is given). */
  readonly unleashUrl?: string;
  /** Unleash client (backend SDK) token (required unless `flags` is given). */
  readonly unleashToken?: string;
  /** Where the flags are read instead of Unleash (the demo's in-memory flag store). */
  readonly flags?: UnleashFlags;
  /** shiftguard's base URL; without it no metrics are exported (the statistics still are kept). */
  readonly shiftguardUrl?: string;
  /** Bearer token with shiftguard's ingest role (required with `shiftguardUrl`). */
  readonly ingestToken?: string;
  /** Logical requests per second over all instances (default 50). */
  readonly ratePerSecond?: number;
  /** Number of simulated instances, `dten-sync-0` … (default 4). */
  readonly instances?: number;
  /** When instance 0 switches from 1.0.0 to 2.0.0, epoch ms (default: never). */
  readonly upgradeAtMs?: number;
  /** Instance i switches `i × upgradeStaggerMs` after instance 0, ms (default 0). */
  readonly upgradeStaggerMs?: number;
  /** Seed of every random draw (default 1). */
  readonly seed?: number;
  /** Unleash polling interval, ms (default 15 s). */
  readonly refreshIntervalMs?: number;
  /** OTLP export interval, ms (default 1 s). */
  readonly exportIntervalMs?: number;
  /** Gate flag: v2 on 2.x binaries when on (default `dten.sync.backoff-v2`). */
  readonly gateFlag?: string;
  /** Tuning flag whose variant payload holds v2's constants (default `dten.sync.backoff`). */
  readonly tuneFlag?: string;
  /** The partner API's base URL; absent: the client starts one in-process on loopback. */
  readonly partnerUrl?: string;
  /** Fault knobs of the in-process partner. */
  readonly partnerFaults?: Partial<PartnerFaults>;
  /** The legacy strategy's constants (default 400 ms, 2 retries). */
  readonly v1?: Partial<V1Backoff>;
  /** Longest wait for Unleash's first answer at start, ms (default 10 s). */
  readonly unleashTimeoutMs?: number;
  /** An attempt without any answer for this long fails, ms (default 5 s). */
  readonly attemptTimeoutMs?: number;
  /** Interval of the progress lines, ms (default 5 s). */
  readonly progressIntervalMs?: number;
  /** Unleash `instanceId` (default `dten-sync-sim-<pid>`). */
  readonly unleashInstanceId?: string;
  /** Where progress and warnings go, one line per call (default stderr). */
  readonly log?: (line: string) => void;
  /** Wall clock, epoch ms (default `Date.now`); decides which version each instance runs. */
  readonly now?: () => number;
}

/** The options with every default filled in. */
export interface ResolvedClientOptions {
  readonly unleashUrl: string;
  readonly unleashToken: string;
  readonly flags: UnleashFlags | null;
  readonly otlp: { readonly shiftguardUrl: string; readonly ingestToken: string; readonly exportIntervalMs: number } | null;
  readonly ratePerSecond: number;
  readonly instances: number;
  readonly upgradeAtMs: number;
  readonly upgradeStaggerMs: number;
  readonly seed: number;
  readonly refreshIntervalMs: number;
  readonly gateFlag: string;
  readonly tuneFlag: string;
  readonly partnerUrl: string | null;
  readonly partnerFaults: Partial<PartnerFaults>;
  readonly v1: V1Backoff;
  readonly unleashTimeoutMs: number;
  readonly attemptTimeoutMs: number;
  readonly progressIntervalMs: number;
  readonly unleashInstanceId: string;
  readonly log: (line: string) => void;
  readonly now: () => number;
}

/** Fills in defaults and checks every option; throws a RangeError naming the first bad one. */
export function resolveClientOptions(options: DtenSyncClientOptions): ResolvedClientOptions {
  const positive = (name: string, value: number): number => {
    if (!(value > 0 && Number.isFinite(value))) throw new RangeError(`${name} must be a number > 0, got ${value}`);
    return value;
  };
  const nonNegativeInteger = (name: string, value: number): number => {
    if (!(Number.isInteger(value) && value >= 0)) throw new RangeError(`${name} must be an integer ≥ 0, got ${value}`);
    return value;
  };
  const text = (name: string, value: string | undefined): string => {
    if (value === undefined || value.trim() === '') throw new RangeError(`${name} is required`);
    return value;
  };
  if (options.shiftguardUrl !== undefined) text('ingestToken (with shiftguardUrl)', options.ingestToken);
  const instances = options.instances ?? 4;
  if (!(Number.isInteger(instances) && instances >= 1)) throw new RangeError(`instances must be an integer ≥ 1, got ${instances}`);
  const v1 = { delayMs: options.v1?.delayMs ?? V1_DEFAULTS.delayMs, maxRetries: options.v1?.maxRetries ?? V1_DEFAULTS.maxRetries };
  return {
    unleashUrl: options.flags === undefined ? text('unleashUrl', options.unleashUrl) : (options.unleashUrl ?? ''),
    unleashToken: options.flags === undefined ? text('unleashToken', options.unleashToken) : (options.unleashToken ?? ''),
    flags: options.flags ?? null,
    otlp: options.shiftguardUrl === undefined ? null : {
      shiftguardUrl: options.shiftguardUrl,
      ingestToken: options.ingestToken as string,
      exportIntervalMs: positive('exportIntervalMs', options.exportIntervalMs ?? 1000),
    },
    ratePerSecond: positive('ratePerSecond', options.ratePerSecond ?? 50),
    instances,
    upgradeAtMs: options.upgradeAtMs === undefined ? Infinity : finite('upgradeAtMs', options.upgradeAtMs),
    upgradeStaggerMs: nonNegative('upgradeStaggerMs', options.upgradeStaggerMs ?? 0),
    seed: integer('seed', options.seed ?? 1),
    refreshIntervalMs: positive('refreshIntervalMs', options.refreshIntervalMs ?? 15_000),
    gateFlag: text('gateFlag', options.gateFlag ?? 'dten.sync.backoff-v2'),
    tuneFlag: text('tuneFlag', options.tuneFlag ?? 'dten.sync.backoff'),
    partnerUrl: options.partnerUrl ?? null,
    partnerFaults: options.partnerFaults ?? {},
    v1: { delayMs: nonNegative('v1.delayMs', v1.delayMs), maxRetries: nonNegativeInteger('v1.maxRetries', v1.maxRetries) },
    unleashTimeoutMs: positive('unleashTimeoutMs', options.unleashTimeoutMs ?? 10_000),
    attemptTimeoutMs: positive('attemptTimeoutMs', options.attemptTimeoutMs ?? 5_000),
    progressIntervalMs: positive('progressIntervalMs', options.progressIntervalMs ?? 5_000),
    unleashInstanceId: options.unleashInstanceId ?? `dten-sync-sim-${process.pid}`,
    log: options.log ?? ((line) => process.stderr.write(`${line}\n`)),
    now: options.now ?? Date.now,
  };
}

function finite(name: string, value: number): number {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite number, got ${value}`);
  return value;
}

function integer(name: string, value: number): number {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be an integer, got ${value}`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!(value >= 0 && Number.isFinite(value))) throw new RangeError(`${name} must be a number ≥ 0, got ${value}`);
  return value;
}
