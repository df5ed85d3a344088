/**
 * dten-sync's view of its two flags through the real `unleash-client` SDK (one client shared by all
 * simulated instances, polling every `refreshIntervalMs`, usage metrics off). Start-up waits for the
 * first successful fetch (`synchronized`) and fails with the SDK's last error when it does not come
 * in time: a client that starts on defaults would hide a broken Unleash from the test. After start,
 * fetch errors are reported once per distinct message (an outage at a 1 s refresh would otherwise
 * print a line a second), and the recovery once; the SDK keeps serving the last flags meanwhile.
 *
 * Evaluation context: `properties.instance` carries the simulated instance, so a gradual rollout
 * with stickiness on the `instance` field rolls out per instance.
 */
import type { EventEmitter } from 'node:events';
import { InMemStorageProvider, Unleash } from 'unleash-client';
import type { BackoffFlagView } from './backoff.js';
import { createStoppableAgents } from './stoppable-agents.js';
import type { StoppableAgents } from './stoppable-agents.js';

/** How to reach Unleash and which flags to read. */
export interface UnleashFlagOptions {
  /** API base including `/api`, e.g. `http://127.0.0.1:4242/api`. */
  readonly url: string;
  /** A client (backend SDK) token. */
  readonly clientToken: string;
  readonly instanceId: string;
  readonly refreshIntervalMs: number;
  /** Longest wait for the first successful fetch, ms. */
  readonly startTimeoutMs: number;
  readonly gateFlag: string;
  readonly tuneFlag: string;
  /** Where warnings go (one line each). */
  readonly warn: (message: string) => void;
}

/** The flags as the client reads them. */
export interface UnleashFlags extends BackoffFlagView {
  /** Stops polling. */
  destroy(): void;
}

/** Unleash could not be used at start. */
export class UnleashStartError extends Error {
  override readonly name = 'UnleashStartError';
}

/** The app name dten-sync registers with. */
export const UNLEASH_APP_NAME = 'dten-sync';

/** Connects to Unleash; resolves once the flags were fetched, rejects with {@link UnleashStartError} otherwise. */
export async function connectUnleash(options: UnleashFlagOptions): Promise<UnleashFlags> {
  const reader = await connectUnleashReader({ ...options, appName: UNLEASH_APP_NAME });
  return {
    isGateOn: (instance) => reader.isEnabled(options.gateFlag, instance),
    tuningPayload: (instance) => reader.payload(options.tuneFlag, instance),
    destroy: reader.destroy,
  };
}

/** How to reach Unleash as one application (any flags). */
export interface UnleashReaderOptions extends Omit<UnleashFlagOptions, 'gateFlag' | 'tuneFlag'> {
  /** The `appName` the SDK registers with (`dten-sync`, `dten-gateway`). */
  readonly appName: string;
}

/** Any flag as the SDK evaluates it for one simulated instance. */
export interface UnleashReader {
  isEnabled(flag: string, instance: string): boolean;
  /** The payload text of the variant `instance` gets; undefined when it has none. */
  payload(flag: string, instance: string): string | undefined;
  /** Stops polling. */
  destroy(): void;
}

/** One SDK client; resolves once the flags were fetched, rejects with {@link UnleashStartError} otherwise. */
export async function connectUnleashReader(options: UnleashReaderOptions): Promise<UnleashReader> {
  const agents = createStoppableAgents();
  const unleash = new Unleash({
    url: options.url,
    appName: options.appName,
    instanceId: options.instanceId,
    customHeaders: { Authorization: options.clientToken },
    refreshInterval: options.refreshIntervalMs,
    disableMetrics: true,
    // No backup file: flags left on disk by an earlier run must not stand in for a live Unleash.
    storageProvider: new InMemStorageProvider(),
    skipInstanceCountWarning: true,
    httpOptions: { agent: agents.agentFor },
  });
  let lastError: string | null = null;
  unleash.on('error', (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    if (message !== lastError && unleash.isSynchronized()) options.warn(`unleash: ${message} (keeping the last flags)`);
    lastError = message;
  });
  unleash.on('warn', (message: unknown) => {
    const text = String(message);
    if (text !== lastError && unleash.isSynchronized()) options.warn(`unleash: ${text}`);
    lastError = text;
  });
  const recovered = (): void => {
    if (lastError !== null && unleash.isSynchronized()) options.warn('unleash: fetching flags again');
    lastError = null;
  };
  unleash.on('changed', recovered);
  unleash.on('unchanged', recovered);
  try {
    await waitSynchronized(unleash, options.startTimeoutMs);
  } catch {
    destroyQuietly(unleash, agents);
    throw new UnleashStartError(`Unleash at ${options.url} gave no flags within ${options.startTimeoutMs} ms` + (lastError === null ? '' : `: ${lastError}`));
  }
  lastError = null;
  return {
    isEnabled: (flag, instance) => unleash.isEnabled(flag, { properties: { instance } }),
    payload: (flag, instance) => unleash.getVariant(flag, { properties: { instance } }).payload?.value,
    destroy: () => destroyQuietly(unleash, agents),
  };
}

/**
 * `destroy()`, made safe and prompt while a fetch is in flight. unleash-client 6.12's `destroy()`
 * removes every listener of its repository and stops polling, but cannot abort a fetch under way:
 * that fetch (with the SDK's two retries) still ends in the repository emitting 'error', which with
 * no listener throws inside the SDK's async fetch, and the process dies of an unhandled rejection;
 * and its end schedules one more poll timer, which keeps the process alive when NODE_ENV=test. So:
 * the agents are stopped (the fetch fails now, its retries fail without network), a listener drops
 * the errors of the destroyed client, and the repository is stopped again after that last fetch so
 * its timer is cleared. The repository is a private field: when a later SDK renames it, this falls
 * back to plain `destroy()` with stopped agents.
 */
function destroyQuietly(unleash: Unleash, agents: StoppableAgents): void {
  unleash.destroy();
  agents.stop();
  const repository = (unleash as unknown as { repository?: EventEmitter & { stop?: () => void } }).repository;
  repository?.on?.('error', () => setImmediate(() => repository.stop?.()));
}

function waitSynchronized(unleash: Unleash, timeoutMs: number): Promise<void> {
  if (unleash.isSynchronized()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unleash.off('synchronized', done);
      reject(new Error('timeout'));
    }, timeoutMs);
    function done(): void {
      clearTimeout(timer);
      resolve();
    }
    unleash.once('synchronized', done);
  });
}
