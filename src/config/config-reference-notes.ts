/**
 * Descriptions of configuration fields whose zod schemas carry none yet: `signals` (signal-schema.ts)
 * and `alerts` (src/alerts/alerts-config.ts). The reference generator uses a note only where the
 * schema has no description, and its test fails on a note whose path no longer exists or whose field
 * has gained its own description, so these cannot drift silently. Moving a note into the schema as
 * `.meta({ description })` (and deleting it here) is always welcome.
 */

/** What the reference says of one field: its description, and its type when the schema's reads badly. */
export interface FieldNote {
  readonly description: string;
  readonly type?: string;
}

/** Notes by YAML path (`[]`: every entry of a list), as `configFields` names fields. */
export const FIELD_NOTES: Readonly<Record<string, FieldNote>> = {
  'signals[].name': { description: 'Name of the signal in reports, findings, metrics and guardrails rules (`when.signal`).' },
  'signals[].type': { description: '`latency`: a histogram of durations; `ratio`: numerator / denominator of two counters.' },
  'signals[].metric': { description: 'Base name of the histogram, without `_bucket`/`_count`/`_sum`.' },
  'signals[].numerator': { description: 'The counter of the events, e.g. `http_client_retries_total`.' },
  'signals[].denominator': { description: 'The counter they are a share of, e.g. `http_client_requests_total`.' },
  'signals[].by': { description: 'Labels whose distinct value tuples form one group each.' },
  'signals[].quantiles': { description: 'The quantiles compared, distinct.', type: 'list of numbers in (0, 1)' },
  'signals[].minRelativeChange': { description: 'A significant relative change smaller than this is `no_change`.' },
  'signals[].minAbsoluteChange': {
    description: 'A significant absolute change smaller than this is `no_change`: in the metric\'s unit (latency), in ratio units (ratio).',
  },
  'alerts.externalUrl': { description: 'Base URL of this service as SREs reach it, for links in alerts (`generatorURL`); null: no links.' },
  'alerts.alertmanager.url': { description: 'Base URL of Alertmanager (API v2; a path prefix is kept); null: off.' },
  'alerts.alertmanager.resendInterval': {
    description: 'How often active alerts are re-sent; `endsAt` is four intervals ahead, so alerts expire if shiftguard stops.',
  },
  'alerts.alertmanager.timeout': { description: 'Timeout of one POST to Alertmanager.' },
  'alerts.alertmanager.severity': { description: 'Value of the `severity` label.' },
  'alerts.webhook.url': { description: 'Receiver of the JSON webhook, signed with HMAC-SHA256 (`X-Shiftguard-Signature`); null: off.' },
  'alerts.webhook.secret.env': {
    description: 'Environment variable holding the HMAC key; `serve` refuses to start when `url` is set and it is unset or empty.',
    type: 'environment variable name',
  },
  'alerts.webhook.timeout': { description: 'Timeout of one POST to the receiver.' },
  'alerts.webhook.maxAttempts': { description: 'Attempts per delivery, the first included; network errors, 408, 429 and 5xx are retried with jittered exponential backoff.' },
};
