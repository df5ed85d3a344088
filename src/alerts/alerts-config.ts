/**
 * zod schema of the `alerts:` section of `shiftguard.yaml`: where findings are delivered
 * (Alertmanager v2, a signed generic webhook). Every sink defaults to off (`url: null`), so `{}`
 * parses to "no alerting". Durations are Prometheus-style strings parsed to `…Ms` numbers, as in the
 * rest of the configuration; the webhook secret is named by an environment variable, never written
 * in the file, and resolved at start by {@link resolveWebhookSecret}.
 */
import { ConfigError } from '../config/config-error.js';
import { durationMs, httpUrl, integerIn } from '../config/schema-fields.js';
import { nonEmptyString, patternString, strictSection } from '../config/zod-messages.js';

/** Where the webhook's HMAC key comes from: the environment variable `env`. */
export interface SecretRef {
  readonly env: string;
}

/** `alerts.alertmanager`: Prometheus Alertmanager, API v2. */
export interface AlertmanagerConfig {
  /** Base URL of Alertmanager (`http://alertmanager:9093`, a path prefix allowed), or null for off. */
  readonly url: string | null;
  /** How often active alerts are re-sent, in ms (YAML `resendInterval`, default `1m`, at least 1s). */
  readonly resendIntervalMs: number;
  /** Timeout of one POST, in ms (YAML `timeout`, default `10s`). */
  readonly timeoutMs: number;
  /** Value of the `severity` label (default `warning`). */
  readonly severity: string;
}

/** `alerts.webhook`: a generic JSON webhook signed with HMAC-SHA256. */
export interface WebhookConfig {
  /** Receiver URL, or null for off. */
  readonly url: string | null;
  /** Environment variable holding the HMAC key (default `SHIFTGUARD_WEBHOOK_SECRET`). */
  readonly secret: SecretRef;
  /** Timeout of one POST, in ms (YAML `timeout`, default `10s`). */
  readonly timeoutMs: number;
  /** Attempts per delivery, the first included (default 6). */
  readonly maxAttempts: number;
}

/** The validated `alerts:` section. */
export interface AlertsConfig {
  /** Base URL of this service as SREs reach it, without a trailing slash (links in alerts); null for none. */
  readonly externalUrl: string | null;
  readonly alertmanager: AlertmanagerConfig;
  readonly webhook: WebhookConfig;
}

const MAPPING = 'a mapping';
/** An http(s) URL without trailing slashes (paths are appended to it). */
const baseUrl = httpUrl().transform((url) => url.replace(/\/+$/, ''));

const envName = patternString(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');

const alertmanager = strictSection(
  {
    url: baseUrl.nullable().default(null).meta({ description: 'Base URL of Alertmanager (API v2; a path prefix is kept); null: off.' }),
    resendInterval: durationMs(1000)
      .prefault('1m')
      .meta({ description: 'How often active alerts are re-sent; `endsAt` is four intervals ahead, so alerts expire if shiftguard stops.' }),
    timeout: durationMs(1).prefault('10s').meta({ description: 'Timeout of one POST to Alertmanager.' }),
    severity: nonEmptyString('a non-empty severity label value, e.g. warning').default('warning').meta({ description: 'Value of the `severity` label.' }),
  },
  MAPPING,
).transform(({ url, resendInterval, timeout, severity }): AlertmanagerConfig => ({ url, resendIntervalMs: resendInterval, timeoutMs: timeout, severity }));

const webhook = strictSection(
  {
    url: baseUrl.nullable().default(null).meta({ description: 'Receiver of the JSON webhook, signed with HMAC-SHA256 (`X-Shiftguard-Signature`); null: off.' }),
    secret: strictSection(
      {
        env: envName.meta({
          description: 'Environment variable holding the HMAC key; `serve` refuses to start when `url` is set and it is unset or empty.',
          yamlType: 'environment variable name',
        }),
      },
      'a mapping { env: VARIABLE }',
    ).prefault({ env: 'SHIFTGUARD_WEBHOOK_SECRET' }),
    timeout: durationMs(1).prefault('10s').meta({ description: 'Timeout of one POST to the receiver.' }),
    maxAttempts: integerIn(1, 100)
      .default(6)
      .meta({ description: 'Attempts per delivery, the first included; network errors, 408, 429 and 5xx are retried with jittered exponential backoff.' }),
  },
  MAPPING,
).transform(({ url, secret, timeout, maxAttempts }): WebhookConfig => ({ url, secret, timeoutMs: timeout, maxAttempts }));

/** The `alerts:` section; `{}` (or an absent section, via `.prefault({})`) yields every sink off. */
export const AlertsConfigSchema = strictSection(
  {
    externalUrl: baseUrl.nullable().default(null).meta({ description: 'Base URL of this service as SREs reach it, for links in alerts (`generatorURL`); null: no links.' }),
    alertmanager: alertmanager.prefault({}),
    webhook: webhook.prefault({}),
  },
  MAPPING,
).transform((section): AlertsConfig => section);

/**
 * Reads the webhook's HMAC key from `env` at start.
 * @returns the key, or null when the webhook is off (`url: null`).
 * @throws ConfigError naming the variable when the webhook is on but the variable is unset or empty.
 */
export function resolveWebhookSecret(config: WebhookConfig, env: NodeJS.ProcessEnv): string | null {
  if (config.url === null) return null;
  const value = env[config.secret.env];
  if (value !== undefined && value !== '') return value;
  throw new ConfigError(null, [
    {
      path: 'alerts.webhook.secret.env',
      source: `env ${config.secret.env}`,
      message: `alerts.webhook.url is set, so the environment variable ${config.secret.env} must hold the webhook's HMAC secret, but it is ${value === undefined ? 'not set' : 'empty'}`,
    },
  ]);
}
