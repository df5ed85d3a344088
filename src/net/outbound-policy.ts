/**
 * Where shiftguard may send requests (the `outbound:` section): http and https only, no userinfo,
 * a host allow-list (names, `*.suffix` wildcards, addresses, CIDRs; empty = any host whose addresses
 * pass), and address rules: loopback refused unless `allowLoopback` (a URL whose host is a literal
 * loopback address counts as explicitly allowed), private (RFC 1918, shared
 * 100.64/10, ULA fc00::/7) allowed unless `allowPrivate` is false, link-local and anything not unicast
 * refused unless an address or CIDR in `allowHosts` covers it, and cloud metadata (169.254.169.254,
 * fd00:ec2::254, 100.100.100.200 and their names) refused unless `allowHosts` lists the address itself.
 *
 * {@link refuseUrl} judges a URL before any DNS (literal hosts, names); {@link refuseAddress} judges
 * each address a name resolved to, at connect time (`guarded-fetch.ts`), which is what stops DNS
 * rebinding. Both return the reason of a refusal, or null.
 */
import { addressKind, formatIp, parseIp, parseIpRange, rangeHolds, sameAddress } from './ip-address.js';
import type { IpAddress, IpRange } from './ip-address.js';

/** The validated `outbound:` section. */
export interface OutboundConfig {
  /** Host names, `*.suffix` wildcards, IP addresses and CIDRs; empty: any host whose addresses pass. */
  readonly allowHosts: readonly string[];
  /** Loopback addresses (127.0.0.0/8, ::1, 0.0.0.0/8) and `localhost` names; default false. */
  readonly allowLoopback: boolean;
  /** Private addresses (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7); default true. */
  readonly allowPrivate: boolean;
}

/** One parsed `allowHosts` entry. */
export type AllowedHost =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'suffix'; readonly suffix: string }
  | { readonly kind: 'range'; readonly range: IpRange; readonly exact: boolean };

/** A policy ready to judge URLs and addresses. */
export interface OutboundPolicy {
  readonly allowLoopback: boolean;
  readonly allowPrivate: boolean;
  readonly allowHosts: readonly AllowedHost[];
}

/** Host names that reach a metadata service (they resolve to a metadata address). */
const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata.goog', 'instance-data.ec2.internal']);
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** What an `allowHosts` entry may be, for messages. */
export const ALLOWED_HOST_FORMS = 'a host name, *.suffix, an IP address or a CIDR such as 10.0.0.0/8';

/** Parses one `allowHosts` entry; null when it is none of {@link ALLOWED_HOST_FORMS}. */
export function parseAllowedHost(text: string): AllowedHost | null {
  const range = parseIpRange(text);
  if (range !== null) return { kind: 'range', range, exact: !text.includes('/') };
  const name = normaliseName(text);
  if (name.startsWith('*.')) return HOST_NAME.test(name.slice(2)) ? { kind: 'suffix', suffix: name.slice(1) } : null;
  return HOST_NAME.test(name) ? { kind: 'name', name } : null;
}

/** Builds the policy of a validated section (entries that do not parse were refused by the schema). */
export function createOutboundPolicy(config: OutboundConfig): OutboundPolicy {
  const allowHosts = config.allowHosts.map(parseAllowedHost).filter((entry): entry is AllowedHost => entry !== null);
  return { allowLoopback: config.allowLoopback, allowPrivate: config.allowPrivate, allowHosts };
}

/** The same policy with loopback allowed: for URLs the operator types on the command line. */
export function withLoopback(policy: OutboundPolicy): OutboundPolicy {
  return { ...policy, allowLoopback: true };
}

/**
 * Judges a URL before any DNS lookup: scheme, userinfo, then its host (a literal address by the
 * address rules, a name by the metadata and `localhost` names and the allow-list).
 * @returns the reason of a refusal (`169.254.169.254 is a cloud metadata address; …`), or null.
 */
export function refuseUrl(policy: OutboundPolicy, url: string | URL): string | null {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return 'not a valid URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `scheme ${parsed.protocol.slice(0, -1)} is not allowed (http and https only)`;
  if (parsed.username !== '' || parsed.password !== '') return 'user:password@ in a URL is refused (credentials belong in the environment, not in URLs)';
  const address = parseIp(parsed.hostname);
  if (address === null) return refuseName(policy, parsed.hostname);
  if (policy.allowHosts.length > 0 && !policy.allowHosts.some((entry) => entry.kind === 'range' && rangeHolds(entry.range, address))) {
    return `${formatIp(address)} is not in outbound.allowHosts`;
  }
  // A loopback address written plainly as the URL's host (`http://127.0.0.1:4242/api`, as in
  // CONTRACT §7, or `[::1]`) is the operator's explicit choice for that URL. What `allowLoopback`
  // guards against is loopback reached another way: a name that resolves to it (DNS rebinding),
  // `localhost`, or a disguised spelling (`2130706433`, `0x7f.1`, `[::ffff:127.0.0.1]`).
  if (addressKind(address) === 'loopback' && /^(127\.\d+\.\d+\.\d+|\[::1\])$/.test(parsed.hostname) && writtenAsIs(url, parsed)) return null;
  return refuseAddress(policy, address);
}

/**
 * Judges one address a connection would go to (a literal host, or what a name resolved to).
 * @returns the reason of a refusal, or null.
 */
export function refuseAddress(policy: OutboundPolicy, address: IpAddress | string): string | null {
  const ip = typeof address === 'string' ? parseIp(address) : address;
  if (ip === null) return `${String(address)} is not an IP address`;
  const shown = formatIp(ip);
  const kind = addressKind(ip);
  if (kind === 'metadata') {
    const listed = policy.allowHosts.some((entry) => entry.kind === 'range' && entry.exact && sameAddress(entry.range.base, ip));
    return listed ? null : `${shown} is a cloud metadata address; refused unless outbound.allowHosts lists that address`;
  }
  if (policy.allowHosts.some((entry) => entry.kind === 'range' && rangeHolds(entry.range, ip))) return null;
  switch (kind) {
    case 'link-local':
      return `${shown} is a link-local address; refused unless outbound.allowHosts lists it`;
    case 'non-unicast':
      return `${shown} is not a unicast address (multicast, broadcast or reserved); refused unless outbound.allowHosts lists it`;
    case 'loopback':
      return policy.allowLoopback ? null : `${shown} is a loopback address; refused unless outbound.allowLoopback is true`;
    case 'private':
      return policy.allowPrivate ? null : `${shown} is a private address; refused while outbound.allowPrivate is false`;
    case 'public':
      return null;
  }
}

/** Whether `url`'s text names its host exactly as the URL parser normalised it (no disguised spelling). */
function writtenAsIs(url: string | URL, parsed: URL): boolean {
  if (typeof url !== 'string') return false;
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url.trim())?.[1] ?? '';
  return authority.toLowerCase() === parsed.host.toLowerCase();
}

/** Judges a host name before resolution; its addresses are judged at connect time. */
function refuseName(policy: OutboundPolicy, host: string): string | null {
  const name = normaliseName(host);
  const listed = policy.allowHosts.some((entry) => entry.kind === 'name' && entry.name === name);
  if (METADATA_NAMES.has(name) && !listed) return `${name} is a cloud metadata host name; refused unless outbound.allowHosts lists it`;
  if ((name === 'localhost' || name.endsWith('.localhost')) && !policy.allowLoopback) {
    return `${name} is a loopback name; refused unless outbound.allowLoopback is true`;
  }
  if (policy.allowHosts.length === 0 || listed) return null;
  if (policy.allowHosts.some((entry) => entry.kind === 'suffix' && name.endsWith(entry.suffix))) return null;
  return `${name} is not in outbound.allowHosts`;
}

/** Lower case, without the trailing dot of a fully qualified name (`Prometheus.Example.` → `prometheus.example`). */
function normaliseName(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}
