/**
 * The simulated dten-sync client: `instances` logical instances of service dten-sync, each sending
 * logical requests to the partner API on its own seeded Poisson schedule, each request running the
 * retry loop of the strategy its instance uses at that moment (v1 until the instance's upgrade to
 * 2.0.0; after it, v2 while the Unleash gate is on, with the tuning flag's constants). Every instance
 * exports its metrics over OTLP to shiftguard as its own process would (otlp-metrics.ts).
 *
 * This is the far end of shiftguard's closed loop: shiftguard sees the retries rise after the
 * upgrade, and its tuner acts on the same Unleash flags this client reads.
 */
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRng } from '../../detect/random.js';
import type { Rng } from '../../detect/random.js';
import { BackoffPayloadReader, describeStrategy, initialPreviousSleepMs, maxRetriesOf, retrySleepMs, selectStrategy } from './backoff.js';
import { resolveClientOptions } from './client-options.js';
import type { DtenSyncClientOptions, ResolvedClientOptions } from './client-options.js';
import { ClientStats } from './client-stats.js';
import type { ClientStatsSnapshot, InstanceState } from './client-stats.js';
import { createInstanceMetrics } from './otlp-metrics.js';
import type { ExportTally, InstanceMetrics } from './otlp-metrics.js';
import { createPartnerCaller } from './partner-call.js';
import type { PartnerCaller } from './partner-call.js';
import { startPartnerApi } from './partner-api.js';
import type { PartnerApi } from './partner-api.js';
import { PoissonSchedule } from './poisson-schedule.js';
import { progressLine } from './progress-line.js';
import { connectUnleash } from './unleash-flags.js';
import type { UnleashFlags } from './unleash-flags.js';

export type { DtenSyncClientOptions } from './client-options.js';
export { UnleashStartError } from './unleash-flags.js';

/** The version every instance runs before its upgrade. */
export const FROM_VERSION = '1.0.0';
/** The version every instance runs after its upgrade. */
export const TO_VERSION = '2.0.0';

/** What the client has done so far. */
export interface DtenSyncStats extends ClientStatsSnapshot {
  /** OTLP export outcomes over all instances (null when export is off). */
  readonly exports: Readonly<ExportTally> | null;
  /** Logical requests started and not finished. */
  readonly inFlight: number;
}

/** A running client. */
export interface DtenSyncClient {
  /** The partner API's base URL. */
  readonly partnerUrl: string;
  /** The in-process partner (to change its faults), or null when `partnerUrl` was given. */
  readonly partner: PartnerApi | null;
  stats(): DtenSyncStats;
  /** Stops traffic (requests in flight are abandoned, not counted), exports a last time, disconnects. Idempotent. */
  stop(): Promise<void>;
}

/** The name of simulated instance `index`. */
export function instanceName(index: number): string {
  return `dten-sync-${index}`;
}

/** The version instance `index` runs at `nowMs`. */
export function versionAt(index: number, nowMs: number, upgradeAtMs: number, upgradeStaggerMs: number): string {
  return nowMs >= upgradeAtMs + index * upgradeStaggerMs ? TO_VERSION : FROM_VERSION;
}

/**
 * Starts the client: the in-process partner (unless `partnerUrl`), Unleash (waits for its flags,
 * rejects with `UnleashStartError` when they do not come within `unleashTimeoutMs`), the metrics,
 * then the traffic and the progress lines.
 */
export async function startDtenSyncClient(options: DtenSyncClientOptions): Promise<DtenSyncClient> {
  const config = resolveClientOptions(options);
  const seeds = createRng(config.seed);
  const seed = (): number => seeds.int(2 ** 31);
  const partner = config.partnerUrl === null ? await startPartnerApi({ faults: config.partnerFaults, seed: seed() }) : null;
  const partnerUrl = config.partnerUrl ?? (partner as PartnerApi).url;
  // Checked before Unleash is contacted: a bad partner URL leaves nothing to clean up.
  const caller = createPartnerCaller(partnerUrl, config.attemptTimeoutMs);
  let flags: UnleashFlags;
  try {
    flags = config.flags ?? await connectUnleash({
      url: config.unleashUrl,
      clientToken: config.unleashToken,
      instanceId: config.unleashInstanceId,
      refreshIntervalMs: config.refreshIntervalMs,
      startTimeoutMs: config.unleashTimeoutMs,
      gateFlag: config.gateFlag,
      tuneFlag: config.tuneFlag,
      warn: config.log,
    });
  } catch (error) {
    caller.close();
    await partner?.close();
    throw error;
  }
  const traffic = new Traffic(config, flags, caller, seed);
  traffic.start();
  let stopped: Promise<void> | undefined;
  return {
    partnerUrl,
    partner,
    stats: () => traffic.stats(),
    stop: () => {
      stopped ??= (async () => {
        await traffic.stop();
        flags.destroy();
        await partner?.close();
      })();
      return stopped;
    },
  };
}

/** The instances' schedules, retry loops, statistics, metrics and progress lines. */
class Traffic {
  private readonly names: readonly string[];
  private readonly statistics: ClientStats;
  private readonly reader: BackoffPayloadReader;
  private readonly exportTally: ExportTally | null;
  private readonly metrics: readonly (InstanceMetrics | null)[];
  private readonly jitterRngs: readonly Rng[];
  private readonly scheduleRngs: readonly Rng[];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private sequence = 0;
  private windowStartedMs = performance.now();

  constructor(
    private readonly config: ResolvedClientOptions,
    private readonly flags: UnleashFlags,
    private readonly caller: PartnerCaller,
    seed: () => number,
  ) {
    // Every attempt and sleep in flight listens on the one stop signal: hundreds at a time is normal.
    setMaxListeners(0, this.abort.signal);
    this.names = Array.from({ length: config.instances }, (_, i) => instanceName(i));
    const initial: InstanceState[] = this.names.map((instance, i) => {
      const strategy = { kind: 'v1', v1: config.v1 } as const;
      return { instance, version: this.versionOf(i), strategy, description: describeStrategy(strategy) };
    });
    this.statistics = new ClientStats(initial, createRng(seed()));
    this.reader = new BackoffPayloadReader(config.log);
    this.scheduleRngs = this.names.map(() => createRng(seed()));
    this.jitterRngs = this.names.map(() => createRng(seed()));
    const otlp = config.otlp;
    this.exportTally = otlp === null ? null : { ok: 0, failed: 0, lastError: null };
    this.metrics = this.names.map((name, i) =>
      otlp === null ? null : createInstanceMetrics(name, otlp, () => this.versionOf(i), this.exportTally as ExportTally),
    );
  }

  start(): void {
    const perInstance = this.config.ratePerSecond / this.config.instances;
    const startMs = performance.now();
    this.names.forEach((_, i) => this.runSchedule(i, new PoissonSchedule(this.scheduleRngs[i] as Rng, perInstance, startMs)));
    this.repeat(this.config.progressIntervalMs, () => this.printProgress());
  }

  stats(): DtenSyncStats {
    return { ...this.statistics.snapshot(), exports: this.exportTally === null ? null : { ...this.exportTally }, inFlight: this.inFlight.size };
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.abort.abort();
    await Promise.allSettled([...this.inFlight]);
    this.caller.close();
    this.printProgress();
    // A provider's shutdown force-flushes its reader: that is the final export.
    await Promise.all(this.metrics.map((m) => m?.shutdown()));
  }

  private versionOf(index: number): string {
    return versionAt(index, this.config.now(), this.config.upgradeAtMs, this.config.upgradeStaggerMs);
  }

  /** Fires every arrival that is due, then sleeps until the next one. */
  private runSchedule(index: number, schedule: PoissonSchedule): void {
    let nextMs = schedule.next();
    const tick = (): void => {
      const nowMs = performance.now();
      while (nextMs <= nowMs) {
        this.launch(index);
        nextMs = schedule.next();
      }
      this.after(nextMs - nowMs, tick);
    };
    this.after(nextMs - performance.now(), tick);
  }

  private launch(index: number): void {
    const run = this.runRequest(index).catch((error: unknown) => {
      if (!this.abort.signal.aborted) this.config.log(`dten-sync: request failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`);
    });
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  /** One logical request: the retry loop of the strategy in force when it starts. */
  private async runRequest(index: number): Promise<void> {
    const instance = this.names[index] as string;
    const version = this.versionOf(index);
    const strategy = selectStrategy(instance, version, this.flags, this.config.v1, this.reader);
    const description = describeStrategy(strategy);
    this.statistics.setCurrent(index, { instance, version, strategy, description });
    const requestId = `${instance}-${++this.sequence}`;
    const signal = this.abort.signal;
    const startedMs = performance.now();
    let ok = await this.caller.call({ requestId, attempt: 0 }, signal);
    let retries = 0;
    let previousMs = initialPreviousSleepMs(strategy);
    while (!ok && retries < maxRetriesOf(strategy)) {
      retries++;
      previousMs = retrySleepMs(strategy, retries, previousMs, this.jitterRngs[index] as Rng);
      await sleep(previousMs, undefined, { signal });
      ok = await this.caller.call({ requestId, attempt: retries }, signal);
    }
    if (signal.aborted) return;
    const durationMs = performance.now() - startedMs;
    this.statistics.record(description, { retries, failed: !ok, durationMs });
    this.metrics[index]?.recordRequest(retries, durationMs / 1000);
  }

  private printProgress(): void {
    const nowMs = performance.now();
    const window = this.statistics.takeWindow(nowMs - this.windowStartedMs);
    this.windowStartedMs = nowMs;
    this.config.log(progressLine(window, this.statistics.snapshot().instances, this.exportTally));
  }

  private after(delayMs: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, Math.max(0, delayMs));
    this.timers.add(timer);
  }

  private repeat(intervalMs: number, action: () => void): void {
    this.after(intervalMs, () => {
      action();
      this.repeat(intervalMs, action);
    });
  }
}
