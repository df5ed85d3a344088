/**
 * A real Alertmanager (Debian's prometheus-alertmanager 0.25) for integration and end-to-end tests:
 * a config whose only route sends every alert, each in its own group, to a webhook URL; storage and
 * log under the test's directory; a free loopback port; no cluster (`--cluster.listen-address=`).
 * Also the HTTP receiver those notifications (and shiftguard's own webhook) are posted to, and a
 * bounded poll that fails early when a process the wait depends on has exited. Stopping is SIGTERM,
 * then SIGKILL when the process has not exited within 10 s.
 */
import { stopProcess } from './stop-process.js';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { freeLoopbackPort } from './prometheus-process.js';

/** Where Debian's package installs Alertmanager. */
export const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

/** Default number of tries of {@link pollFor}. */
export const POLL_ATTEMPTS = 150;
/** Default pause between two tries of {@link pollFor}, ms (150 × 200 ms = 30 s in all). */
export const POLL_INTERVAL_MS = 200;

/** Why Alertmanager tests cannot run here, or null when the binary is installed. */
export function alertmanagerUnavailableReason(binary: string = ALERTMANAGER_BIN): string | null {
  if (existsSync(binary)) return null;
  return `${binary} is not installed (Debian package prometheus-alertmanager; scripts/ensure-test-deps.sh installs it)`;
}

/** One alert of `GET /api/v2/alerts` (Alertmanager's `gettableAlert`, the fields tests read). */
export interface GettableAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly fingerprint: string;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL?: string;
  readonly status: { readonly state: string };
}

/** The body of one webhook notification from Alertmanager (webhook payload version 4). */
export interface AlertmanagerNotification {
  readonly receiver: string;
  /** `firing` or `resolved`. */
  readonly status: string;
  readonly alerts: readonly {
    readonly status: string;
    readonly labels: Record<string, string>;
    readonly annotations: Record<string, string>;
    readonly generatorURL?: string;
    readonly fingerprint?: string;
  }[];
}

/** A running Alertmanager. */
export interface AlertmanagerProcess {
  /** Base URL without a trailing slash, `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly logPath: string;
  /** Throws, with Alertmanager's log, when it has exited. */
  assertRunning(): void;
  /**
   * The active alerts (not silenced, not inhibited) of `GET /api/v2/alerts` whose labels match every
   * matcher of `filter` (Alertmanager matcher syntax, e.g. `alertname="ShiftguardRegression"`).
   */
  activeAlerts(filter?: readonly string[]): Promise<GettableAlert[]>;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it has exited. */
  stop(): Promise<void>;
}

/** Options of {@link startAlertmanager}. */
export interface StartAlertmanagerOptions {
  /** Directory for the config, the storage and the log. */
  readonly dir: string;
  /** Where the only receiver posts notifications (with `send_resolved: true`). */
  readonly webhookUrl: string;
  /** Default {@link ALERTMANAGER_BIN}. */
  readonly binary?: string;
  /** Route timings, Prometheus durations; defaults `0s`, `1s`, `1h`. */
  readonly groupWait?: string;
  readonly groupInterval?: string;
  readonly repeatInterval?: string;
  /** Port to listen on (default a free one): a restarted Alertmanager comes back where its clients send. */
  readonly port?: number;
}

/** Starts Alertmanager and resolves once `/-/ready` answers 200. */
export async function startAlertmanager(options: StartAlertmanagerOptions): Promise<AlertmanagerProcess> {
  const configPath = join(options.dir, 'alertmanager.yml');
  writeFileSync(configPath, alertmanagerConfig(options));
  const port = options.port ?? (await freeLoopbackPort());
  const url = `http://127.0.0.1:${port}`;
  const logPath = join(options.dir, 'alertmanager.log');
  const log = openSync(logPath, 'w');
  const args = [`--config.file=${configPath}`, `--storage.path=${join(options.dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='];
  const child = spawn(options.binary ?? ALERTMANAGER_BIN, args, { stdio: ['ignore', log, log] });
  closeSync(log);
  let spawnError: Error | null = null;
  child.once('error', (error) => (spawnError = error));
  const assertRunning = (): void => {
    if (spawnError !== null) throw new Error(`alertmanager could not be started: ${String(spawnError)}`);
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`alertmanager exited with ${child.exitCode ?? child.signalCode}:\n${readFileSync(logPath, 'utf8')}`);
  };
  const alertmanager: AlertmanagerProcess = {
    url,
    logPath,
    assertRunning,
    activeAlerts: (filter = []) => activeAlerts(url, filter),
    stop: () => stopProcess(child),
  };
  try {
    await pollFor('Alertmanager ready', async () => ((await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) })).ok ? true : null), {
      alive: assertRunning,
      context: () => readFileSync(logPath, 'utf8'),
    });
  } catch (error) {
    await alertmanager.stop();
    throw error;
  }
  return alertmanager;
}

/** The configuration file: one route, every alert in its own group (`group_by: ['...']`), one webhook receiver. */
export function alertmanagerConfig(options: Pick<StartAlertmanagerOptions, 'webhookUrl' | 'groupWait' | 'groupInterval' | 'repeatInterval'>): string {
  return [
    'route:',
    '  receiver: test-receiver',
    "  group_by: ['...']",
    `  group_wait: ${options.groupWait ?? '0s'}`,
    `  group_interval: ${options.groupInterval ?? '1s'}`,
    `  repeat_interval: ${options.repeatInterval ?? '1h'}`,
    'receivers:',
    '  - name: test-receiver',
    '    webhook_configs:',
    `      - url: ${options.webhookUrl}`,
    '        send_resolved: true',
    '',
  ].join('\n');
}

async function activeAlerts(url: string, filter: readonly string[]): Promise<GettableAlert[]> {
  const query = ['active=true', 'silenced=false', 'inhibited=false', ...filter.map((matcher) => `filter=${encodeURIComponent(matcher)}`)].join('&');
  const response = await fetch(`${url}/api/v2/alerts?${query}`, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`GET ${url}/api/v2/alerts answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as GettableAlert[]).filter((alert) => alert.status.state === 'active');
}

/** One request a {@link WebhookReceiver} got. */
export interface ReceivedRequest {
  readonly method: string;
  /** Path and query, as requested. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The raw body, exactly as received (UTF-8). */
  readonly body: string;
  /** The receiver's clock when the body was complete, epoch ms. */
  readonly receivedAtMs: number;
}

/** An HTTP server on a free loopback port that records every request and answers 200. */
export interface WebhookReceiver {
  /** Base URL without a trailing slash, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Every request so far, in arrival order. */
  readonly requests: readonly ReceivedRequest[];
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Starts a {@link WebhookReceiver}. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), receivedAtMs: Date.now() });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The Alertmanager notifications among `requests` (their bodies parsed as JSON). */
export function alertmanagerNotifications(requests: readonly ReceivedRequest[]): AlertmanagerNotification[] {
  return requests.map((request) => JSON.parse(request.body) as AlertmanagerNotification);
}

/** Options of {@link pollFor}. */
export interface PollOptions {
  /** Called before every try; throws to fail at once (e.g. a process the wait depends on exited). */
  readonly alive?: () => void;
  /** Appended to the failure message (logs, what was received). */
  readonly context?: () => string;
  /** Tries at most (default {@link POLL_ATTEMPTS}). */
  readonly attempts?: number;
  /** Pause between tries, ms (default {@link POLL_INTERVAL_MS}). */
  readonly intervalMs?: number;
}

/**
 * Calls `probe` until it returns non-null (an error thrown by it counts as "not yet"), at most
 * `attempts` times, `intervalMs` apart; then fails naming `what`, the probe's last error and the context.
 */
export async function pollFor<T>(what: string, probe: () => Promise<T | null>, options: PollOptions = {}): Promise<T> {
  const attempts = options.attempts ?? POLL_ATTEMPTS;
  let lastError = '';
  for (let attempt = 0; attempt < attempts; attempt++) {
    options.alive?.();
    try {
      const value = await probe();
      if (value !== null) return value;
    } catch (error) {
      lastError = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? POLL_INTERVAL_MS));
  }
  const context = options.context?.() ?? '';
  throw new Error(`never saw ${what} after ${attempts} tries (last error: ${lastError || 'none'})${context === '' ? '' : `:\n${context}`}`);
}

export { stopProcess };
