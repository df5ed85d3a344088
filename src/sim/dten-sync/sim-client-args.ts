/**
 * The command line of `shiftguard sim-client`: flags to client options. Durations are Prometheus
 * style (`500ms`, `15s`, `1m`); `--upgrade-at` takes epoch milliseconds, an ISO-8601 time, or
 * `+<duration>` after the command starts. Tokens may come from the environment instead of the
 * command line (`UNLEASH_CLIENT_TOKEN`, `SHIFTGUARD_INGEST_TOKEN`), where process listings do not show them.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../../cli/cli-io.js';
import { tryParseDurationMs } from '../../config/duration.js';
import type { DtenSyncClientOptions } from './client-options.js';
import type { PartnerFaults } from './partner-faults.js';

/** What the command runs. */
export interface SimClientArgs {
  readonly options: DtenSyncClientOptions;
  /** Stop after this long, ms; null: run until SIGTERM or SIGINT. */
  readonly durationMs: number | null;
}

const OPTIONS = {
  'unleash-url': { type: 'string' },
  'unleash-token': { type: 'string' },
  'unleash-timeout': { type: 'string' },
  'shiftguard-url': { type: 'string' },
  'ingest-token': { type: 'string' },
  rate: { type: 'string' },
  instances: { type: 'string' },
  'upgrade-at': { type: 'string' },
  'upgrade-stagger': { type: 'string' },
  seed: { type: 'string' },
  'refresh-interval': { type: 'string' },
  'export-interval': { type: 'string' },
  'progress-interval': { type: 'string' },
  'gate-flag': { type: 'string' },
  'tune-flag': { type: 'string' },
  'partner-url': { type: 'string' },
  'partner-base-failure': { type: 'string' },
  'partner-soon-failure': { type: 'string' },
  'partner-recovery': { type: 'string' },
  'partner-latency': { type: 'string' },
  'v1-delay': { type: 'string' },
  'v1-max-retries': { type: 'string' },
  duration: { type: 'string' },
} as const;

/** Parses `args` (after `sim-client`); `env` supplies the tokens, `nowMs` anchors `--upgrade-at +…`. Throws UsageError. */
export function parseSimClientArgs(args: readonly string[], env: NodeJS.ProcessEnv, nowMs: number): SimClientArgs {
  const { values: v } = parseArgs({ args: [...args], options: OPTIONS, strict: true, allowPositionals: false });
  const unleashUrl = required('--unleash-url', v['unleash-url']);
  const unleashToken = required('--unleash-token (or env UNLEASH_CLIENT_TOKEN)', v['unleash-token'] ?? env['UNLEASH_CLIENT_TOKEN']);
  const shiftguardUrl = v['shiftguard-url'];
  const ingestToken = v['ingest-token'] ?? env['SHIFTGUARD_INGEST_TOKEN'];
  if (shiftguardUrl !== undefined) required('--ingest-token (or env SHIFTGUARD_INGEST_TOKEN) with --shiftguard-url', ingestToken);
  const faults: Partial<PartnerFaults> = {
    baseFailure: optional(v['partner-base-failure'], (t) => probability('--partner-base-failure', t)),
    soonFailure: optional(v['partner-soon-failure'], (t) => probability('--partner-soon-failure', t)),
    recoveryMs: optional(v['partner-recovery'], (t) => duration('--partner-recovery', t)),
    latencyMs: optional(v['partner-latency'], (t) => duration('--partner-latency', t)),
  };
  const options: DtenSyncClientOptions = {
    unleashUrl,
    unleashToken,
    ...(shiftguardUrl === undefined ? {} : { shiftguardUrl, ingestToken }),
    ratePerSecond: optional(v.rate, (t) => number('--rate', t)),
    instances: optional(v.instances, (t) => integer('--instances', t)),
    upgradeAtMs: optional(v['upgrade-at'], (t) => instant('--upgrade-at', t, nowMs)),
    upgradeStaggerMs: optional(v['upgrade-stagger'], (t) => duration('--upgrade-stagger', t)),
    seed: optional(v.seed, (t) => integer('--seed', t)),
    refreshIntervalMs: optional(v['refresh-interval'], (t) => duration('--refresh-interval', t)),
    exportIntervalMs: optional(v['export-interval'], (t) => duration('--export-interval', t)),
    progressIntervalMs: optional(v['progress-interval'], (t) => duration('--progress-interval', t)),
    unleashTimeoutMs: optional(v['unleash-timeout'], (t) => duration('--unleash-timeout', t)),
    gateFlag: v['gate-flag'],
    tuneFlag: v['tune-flag'],
    partnerUrl: v['partner-url'],
    partnerFaults: faults,
    v1: {
      delayMs: optional(v['v1-delay'], (t) => duration('--v1-delay', t)),
      maxRetries: optional(v['v1-max-retries'], (t) => integer('--v1-max-retries', t)),
    },
  };
  return { options: withoutUndefined(options), durationMs: optional(v.duration, (t) => duration('--duration', t)) ?? null };
}

function required(flag: string, value: string | undefined): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`${flag} is required`);
  return value;
}

function optional<T>(text: string | undefined, parse: (text: string) => T): T | undefined {
  return text === undefined ? undefined : parse(text);
}

function number(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag}: expected a number, got "${text}"`);
  return n;
}

function integer(flag: string, text: string): number {
  const n = number(flag, text);
  if (!Number.isSafeInteger(n)) throw new UsageError(`${flag}: expected an integer, got "${text}"`);
  return n;
}

function probability(flag: string, text: string): number {
  const p = number(flag, text);
  if (p < 0 || p > 1) throw new UsageError(`${flag}: expected a probability in [0, 1], got "${text}"`);
  return p;
}

function duration(flag: string, text: string): number {
  const parsed = tryParseDurationMs(text);
  if (!parsed.ok) throw new UsageError(`${flag}: invalid duration "${text}": ${parsed.reason}`);
  return parsed.ms;
}

/** Epoch ms, ISO-8601, or `+<duration>` after `nowMs`. */
function instant(flag: string, text: string, nowMs: number): number {
  if (text.startsWith('+')) return nowMs + duration(flag, text.slice(1));
  if (/^\d+$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    throw new UsageError(`${flag}: expected epoch milliseconds, an ISO-8601 time (2026-04-10T12:00:00Z) or +<duration>, got "${text}"`);
  }
  return ms;
}

/** Drops keys whose value is undefined (nested one level), so the client's defaults apply. */
function withoutUndefined(options: DtenSyncClientOptions): DtenSyncClientOptions {
  const clean = (o: object): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([, value]) => value !== undefined));
  const top = clean(options);
  for (const key of ['partnerFaults', 'v1'] as const) {
    const nested = top[key];
    if (nested !== undefined) top[key] = clean(nested as object);
  }
  return top as unknown as DtenSyncClientOptions;
}
