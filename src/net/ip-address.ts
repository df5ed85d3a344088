/**
 * IP addresses as bytes, CIDR ranges, and what kind of destination an address is (loopback, private,
 * link-local, cloud metadata, not unicast, public) for the outbound policy. IPv6 forms that carry an
 * IPv4 address (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4
 * `2002::/16`) are judged by that IPv4 address, so `[::ffff:127.0.0.1]` is loopback like `127.0.0.1`.
 * Ranges: IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890).
 */
import { isIPv4, isIPv6 } from 'node:net';

/** An address: 4 bytes (IPv4) or 16 bytes (IPv6). */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly bytes: readonly number[];
}

/** A CIDR range such as `10.0.0.0/8`; a single address is a range of its full length. */
export interface IpRange {
  readonly base: IpAddress;
  readonly prefixBits: number;
}

/** What kind of destination an address is. */
export type AddressKind = 'loopback' | 'private' | 'link-local' | 'metadata' | 'non-unicast' | 'public';

/**
 * Parses an IP literal: dotted-quad IPv4 or IPv6 (brackets and a `%zone` suffix allowed).
 * Other IPv4 spellings (`2130706433`, `0x7f.1`) are not parsed here: URLs normalise them to
 * dotted quads (WHATWG URL host parser) before they reach this function.
 * @returns null when `text` is no IP address.
 */
export function parseIp(text: string): IpAddress | null {
  const bare = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (isIPv4(bare)) return { family: 4, bytes: bare.split('.').map(Number) };
  if (!isIPv6(bare)) return null;
  return { family: 6, bytes: ipv6Bytes(bare) };
}

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), else the address itself. */
export function embeddedIpv4(address: IpAddress): IpAddress {
  if (address.family === 4) return address;
  const b = address.bytes;
  const zeros = (from: number, to: number): boolean => b.slice(from, to).every((x) => x === 0);
  const tail: IpAddress = { family: 4, bytes: b.slice(12) };
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return tail; // ::ffff:0:0/96 mapped
  if (zeros(0, 12) && !zeros(12, 15)) return tail; // ::/96 compatible (:: and ::1 excluded)
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return tail; // 64:ff9b::/96 NAT64
  if (b[0] === 0x20 && b[1] === 0x02) return { family: 4, bytes: b.slice(2, 6) }; // 2002::/16 6to4
  return address;
}

/**
 * Parses `a.b.c.d/n` or `x::/n` (or a single address, as a full-length range).
 * @returns null when `text` is neither.
 */
export function parseIpRange(text: string): IpRange | null {
  const slash = text.lastIndexOf('/');
  const base = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (base === null) return null;
  const maxBits = base.bytes.length * 8;
  if (slash < 0) return { base, prefixBits: maxBits };
  const bitsText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText) || Number(bitsText) > maxBits) return null;
  return { base, prefixBits: Number(bitsText) };
}

/** Whether `range` holds `address` (IPv4 ranges also hold the IPv6 forms carrying an IPv4 address). */
export function rangeHolds(range: IpRange, address: IpAddress): boolean {
  const candidate = range.base.family === 4 ? embeddedIpv4(address) : address;
  if (candidate.family !== range.base.family) return false;
  for (let bit = 0; bit < range.prefixBits; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if (((candidate.bytes[byte] ?? 0) & mask) !== ((range.base.bytes[byte] ?? 0) & mask)) return false;
  }
  return true;
}

/** Whether two addresses are the same destination (an IPv4 address equals its IPv6-mapped form). */
export function sameAddress(a: IpAddress, b: IpAddress): boolean {
  const x = embeddedIpv4(a);
  const y = embeddedIpv4(b);
  return x.family === y.family && x.bytes.every((byte, i) => byte === y.bytes[i]);
}

/** Cloud instance metadata services: AWS/GCP/Azure/OpenStack, AWS IPv6 (Nitro), Alibaba Cloud. */
export const METADATA_ADDRESSES: readonly IpAddress[] = ['169.254.169.254', 'fd00:ec2::254', '100.100.100.200'].map((text) => parseIp(text) as IpAddress);

const RANGES: readonly (readonly [AddressKind, string])[] = [
  ['loopback', '127.0.0.0/8'],
  ['loopback', '0.0.0.0/8'], // "this host": connecting to 0.0.0.0 reaches the local machine
  ['loopback', '::1/128'],
  ['loopback', '::/128'],
  ['link-local', '169.254.0.0/16'],
  ['link-local', 'fe80::/10'],
  ['private', '10.0.0.0/8'],
  ['private', '172.16.0.0/12'],
  ['private', '192.168.0.0/16'],
  ['private', '100.64.0.0/10'], // shared address space (carrier-grade NAT), RFC 6598
  ['private', 'fc00::/7'], // unique local addresses, RFC 4193
  ['non-unicast', '224.0.0.0/4'], // multicast
  ['non-unicast', '240.0.0.0/4'], // reserved, and the broadcast 255.255.255.255
  ['non-unicast', 'ff00::/8'], // multicast
];
const KIND_RANGES = RANGES.map(([kind, cidr]) => ({ kind, range: parseIpRange(cidr) as IpRange }));

/** Classifies an address; metadata addresses first (some lie inside link-local or private ranges). */
export function addressKind(address: IpAddress): AddressKind {
  if (METADATA_ADDRESSES.some((m) => sameAddress(m, address))) return 'metadata';
  const judged = embeddedIpv4(address);
  return KIND_RANGES.find(({ range }) => rangeHolds(range, judged))?.kind ?? 'public';
}

/** `127.0.0.1`, or `::1` for IPv6 (lower-case, zeros compressed as by the WHATWG URL serialiser). */
export function formatIp(address: IpAddress): string {
  if (address.family === 4) return address.bytes.join('.');
  const url = new URL(`http://[${groups(address.bytes).map((g) => g.toString(16)).join(':')}]/`);
  return url.hostname.slice(1, -1);
}

function ipv6Bytes(text: string): number[] {
  const withoutDotted = text.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_all, a: string, b: string, c: string, d: string) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`,
  );
  const [left = '', right] = withoutDotted.split('::');
  const hex = (part: string): number[] => (part === '' ? [] : part.split(':').map((h) => parseInt(h, 16)));
  const head = hex(left);
  const tail = right === undefined ? [] : hex(right);
  const all = right === undefined ? head : [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  return all.flatMap((group) => [group >> 8, group & 0xff]);
}

function groups(bytes: readonly number[]): number[] {
  const result: number[] = [];
  for (let i = 0; i < bytes.length; i += 2) result.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  return result;
}
