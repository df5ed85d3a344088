/**
 * zod schema of the `grafana:` section of `shiftguard.yaml`: the optional push of upgrades and
 * decisions to Grafana's annotation API (`grafana-push.ts`). Off by default (`url: null`). The
 * service-account token is named by an environment variable, never written in the file, and read
 * at start by {@link resolveGrafanaTarget}, which refuses to start without it.
 */
import { z } from 'zod';
import { ConfigError } from '../config/config-error.js';
import { durationMs, httpUrl, reportDuplicates } from '../config/schema-fields.js';
import { expected, nonEmptyString, patternString, strictSection } from '../config/zod-messages.js';

/** The validated `grafana:` section. */
export interface GrafanaConfig {
  /** Base URL of Grafana without a trailing slash (a sub-path such as `/grafana` is kept), or null for off. */
  readonly url: string | null;
  /** Environment variable holding a Grafana service-account token (default `GRAFANA_TOKEN`). */
  readonly tokenEnv: string;
  /** UID of the dashboard the annotations belong to; null: organisation-wide annotations. */
  readonly dashboardUid: string | null;
  /** Extra tags on every pushed annotation. */
  readonly tags: readonly string[];
  /** Time between two passes over the audit log, ms (YAML `interval`, default `30s`). */
  readonly intervalMs: number;
  /** Timeout of one POST to Grafana, ms (YAML `timeout`, default `10s`). */
  readonly timeoutMs: number;
}

/** Where and how to push, once the token is read: the section with a URL and the token itself. */
export interface GrafanaTarget extends Omit<GrafanaConfig, 'url'> {
  readonly url: string;
  /** The service-account token (never logged; it goes only into the `Authorization` header). */
  readonly token: string;
}

const envName = patternString(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').meta({ yamlType: 'environment variable name' });

/** Grafana's short UIDs: at most 40 of `[a-zA-Z0-9-_]` (Grafana `pkg/util/shortid_generator.go`). */
const dashboardUid = patternString(/^[A-Za-z0-9_-]{1,40}$/, 'a Grafana dashboard UID (1 to 40 letters, digits, - or _)').meta({ yamlType: 'dashboard UID' });

const tagList = z
  .array(nonEmptyString('a non-empty tag'), { error: expected('a list of tags') })
  .superRefine((tags, ctx) => reportDuplicates(tags, ctx, 'tag'))
  .meta({ yamlType: 'list of strings' });

/** Whether a URL carries no `user:password@` (true for text that is no URL: `httpUrl` reports that). */
function withoutCredentials(text: string): boolean {
  try {
    const url = new URL(text);
    return url.username === '' && url.password === '';
  } catch {
    return true;
  }
}

/** The `grafana:` section; `{}` (or an absent section, via `.prefault({})`) yields the push off. */
export const GrafanaConfigSchema = strictSection(
  {
    url: httpUrl()
      .refine(withoutCredentials, {
        error: 'expected a URL without user:password (the token is read from the variable named by grafana.tokenEnv)',
      })
      .transform((url) => url.replace(/\/+$/, ''))
      .nullable()
      .default(null)
      .meta({
        description:
          'Base URL of Grafana (a sub-path such as `/grafana` is kept): upgrades and decisions are pushed to its annotation API (`POST /api/annotations`) as they happen, so every dashboard can show them. null: no push.',
      }),
    tokenEnv: envName.default('GRAFANA_TOKEN').meta({
      description:
        'Environment variable holding a Grafana service-account token with the `annotations:create` permission (role Editor); `serve` refuses to start when `url` is set and it is unset or empty.',
    }),
    dashboardUid: dashboardUid.nullable().default(null).meta({
      description: 'UID of the dashboard the annotations belong to. null: organisation-wide annotations, shown on any dashboard whose annotation query filters by the tag `shiftguard`.',
    }),
    tags: tagList.default([]).meta({ description: 'Extra tags added to every pushed annotation (besides `shiftguard`, `upgrade` or `decision`, …).' }),
    interval: durationMs(1000).prefault('30s').meta({ description: 'Time between two passes over the audit log; each pass pushes everything new.' }),
    timeout: durationMs(1).prefault('10s').meta({ description: 'Timeout of one POST to Grafana; a timeout is retried at the next pass.' }),
  },
  'a mapping',
).transform(({ url, tokenEnv, dashboardUid, tags, interval, timeout }): GrafanaConfig => ({ url, tokenEnv, dashboardUid, tags, intervalMs: interval, timeoutMs: timeout }));

/**
 * Reads the Grafana token from `env` at start.
 * @returns the push target, or null when the push is off (`url: null`).
 * @throws ConfigError naming `grafana.tokenEnv` when the push is on but the variable is unset or empty.
 */
export function resolveGrafanaTarget(config: GrafanaConfig, env: NodeJS.ProcessEnv): GrafanaTarget | null {
  if (config.url === null) return null;
  const token = env[config.tokenEnv]?.trim();
  if (token !== undefined && token !== '') return { ...config, url: config.url, token };
  throw new ConfigError(null, [
    {
      path: 'grafana.tokenEnv',
      source: `env ${config.tokenEnv}`,
      message: `grafana.url is set, so the environment variable ${config.tokenEnv} must hold a Grafana service-account token, but it is ${env[config.tokenEnv] === undefined ? 'not set' : 'empty'}`,
    },
  ]);
}
