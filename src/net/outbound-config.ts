/**
 * zod schema of the `outbound:` section of `shiftguard.yaml` (where shiftguard may send requests),
 * and the start-time check of every configured URL against it: a URL whose scheme, userinfo or
 * literal host the policy refuses is a configuration error naming the field, e.g.
 * `prometheus.url: 169.254.169.254 is a cloud metadata address; refused unless outbound.allowHosts lists that address`.
 * Names are judged again, with their resolved addresses, at connect time (`guarded-fetch.ts`).
 */
import { z } from 'zod';
import { describeValue, strictSection } from '../config/zod-messages.js';
import { ALLOWED_HOST_FORMS, createOutboundPolicy, parseAllowedHost, refuseUrl } from './outbound-policy.js';
import type { OutboundConfig, OutboundPolicy } from './outbound-policy.js';

const allowedHost = z
  .string({ error: (issue) => `expected ${ALLOWED_HOST_FORMS}, got ${describeValue(issue.input)}` })
  .refine((text) => parseAllowedHost(text) !== null, { error: (issue) => `expected ${ALLOWED_HOST_FORMS}, got ${describeValue(issue.input)}` })
  .meta({ yamlType: 'host, IP or CIDR' });

/** The `outbound:` section. */
export const OutboundConfigSchema = strictSection(
  {
    allowHosts: z
      .array(allowedHost, { error: (issue) => `expected a list of hosts, got ${describeValue(issue.input)}` })
      .default([])
      .meta({
        description:
          'Hosts shiftguard may send requests to (Prometheus, Unleash, Alertmanager, the webhook, Grafana): host names, `*.example.com` (any subdomain), IP addresses, CIDRs (`10.0.0.0/8`). Empty: any host whose addresses pass the rules below. An address or CIDR listed here is allowed whatever its kind; a cloud metadata address (169.254.169.254, fd00:ec2::254, 100.100.100.200) only when listed as that exact address.',
      }),
    allowLoopback: z
      .boolean({ error: (issue) => `expected true or false, got ${describeValue(issue.input)}` })
      .default(false)
      .meta({ description: 'Allow loopback destinations (127.0.0.0/8, ::1, 0.0.0.0, `localhost`): off, so a URL or a DNS answer cannot turn shiftguard against its own host. `analyze --prometheus URL` allows loopback for the URL typed on the command line.' }),
    allowPrivate: z
      .boolean({ error: (issue) => `expected true or false, got ${describeValue(issue.input)}` })
      .default(true)
      .meta({ description: 'Allow private destinations (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7): on, since Prometheus, Unleash and Alertmanager usually live on private addresses; set false when every target is public. Link-local (169.254/16, fe80::/10) is always refused unless `allowHosts` lists it.' }),
  },
  'a mapping',
);

/** Where each configured outbound URL sits in the validated configuration. */
export interface OutboundUrls {
  readonly outbound: OutboundConfig;
  readonly prometheus: { readonly url: string | null };
  readonly alerts: { readonly alertmanager: { readonly url: string | null }; readonly webhook: { readonly url: string | null } };
  readonly grafana: { readonly url: string | null };
}

/** One refused URL: its field path and why. */
export interface UrlRefusal {
  readonly path: readonly string[];
  readonly message: string;
}

/** Judges every configured URL (literal hosts and names, before DNS); one refusal per refused field. */
export function refuseConfiguredUrls(config: OutboundUrls): UrlRefusal[] {
  const policy = createOutboundPolicy(config.outbound);
  const fields: readonly (readonly [readonly string[], string | null])[] = [
    [['prometheus', 'url'], config.prometheus.url],
    [['alerts', 'alertmanager', 'url'], config.alerts.alertmanager.url],
    [['alerts', 'webhook', 'url'], config.alerts.webhook.url],
    [['grafana', 'url'], config.grafana.url],
  ];
  return fields.flatMap(([path, url]) => {
    const reason = url === null ? null : refuseUrl(policy, url);
    return reason === null ? [] : [{ path, message: reason }];
  });
}

/**
 * zod `superRefine` of the whole configuration: adds an issue at each refused URL field. zod runs it
 * even when other fields failed, so it reads the (then possibly malformed) value defensively and
 * leaves alone the fields that already have an issue, and everything while `outbound` has one.
 */
export function checkConfiguredUrls(config: OutboundUrls, ctx: z.RefinementCtx): void {
  const flagged = new Set(ctx.issues.map((issue) => (issue.path ?? []).join('.')));
  if ([...flagged].some((path) => path === 'outbound' || path.startsWith('outbound.'))) return;
  const at = (path: readonly string[]): string | null => {
    const value = path.reduce<unknown>((node, key) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined), config);
    return typeof value === 'string' && !flagged.has(path.join('.')) ? value : null;
  };
  const readable: OutboundUrls = {
    outbound: config.outbound,
    prometheus: { url: at(['prometheus', 'url']) },
    alerts: { alertmanager: { url: at(['alerts', 'alertmanager', 'url']) }, webhook: { url: at(['alerts', 'webhook', 'url']) } },
    grafana: { url: at(['grafana', 'url']) },
  };
  for (const refusal of refuseConfiguredUrls(readable)) ctx.addIssue({ code: 'custom', path: [...refusal.path], message: refusal.message });
}

/** The policy of a validated configuration. */
export function outboundPolicyOf(config: { readonly outbound: OutboundConfig }): OutboundPolicy {
  return createOutboundPolicy(config.outbound);
}
