import { describe, expect, it } from 'vitest';
import { addressKind, formatIp, parseIp } from './ip-address.js';
import type { IpAddress } from './ip-address.js';
import { createOutboundPolicy, parseAllowedHost, refuseAddress, refuseUrl, withLoopback } from './outbound-policy.js';
import type { OutboundConfig } from './outbound-policy.js';

const policy = (config: Partial<OutboundConfig> = {}) => createOutboundPolicy({ allowHosts: [], allowLoopback: false, allowPrivate: true, ...config });
const DEFAULT = policy();

describe('refuseUrl with the default policy', () => {
  it('lets public and private destinations through', () => {
    for (const url of ['http://prometheus:9090/', 'https://1.1.1.1/api', 'http://10.0.0.5:9093', 'http://172.16.3.4/', 'http://192.168.1.1/', 'http://[fd12::1]/', 'http://[2001:db8::1]:9090/']) {
      expect(refuseUrl(DEFAULT, url), url).toBeNull();
    }
  });

  it('takes a loopback address written plainly as the host as explicitly allowed (CONTRACT §7 example), and its connections too', () => {
    for (const url of ['http://127.0.0.1:4242/api', 'http://127.1.2.3/', 'http://[::1]:9090/']) expect(refuseUrl(DEFAULT, url), url).toBeNull();
    // A name that resolves to loopback is judged by its addresses: refused.
    expect(refuseAddress(DEFAULT, '127.0.0.1')).toMatch(/loopback address; refused unless outbound.allowLoopback is true/);
  });

  it('refuses loopback in every disguised spelling: decimal, octal, hex, IPv4-mapped and -compatible IPv6, 0.0.0.0, names', () => {
    const spellings = [
      'http://2130706433/',
      'http://0x7f.1/',
      'http://0177.0.0.1/',
      'http://017700000001/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:7f00:1]/',
      'http://[0:0:0:0:0:ffff:127.0.0.1]/',
      'http://[::127.0.0.1]/',
      'http://0.0.0.0:8080/',
      'http://0/',
      'http://[::]/',
      'http://localhost:9090/',
      'http://LOCALHOST./',
      'http://api.localhost/',
    ];
    for (const url of spellings) {
      expect(refuseUrl(DEFAULT, url), url).toMatch(/is a loopback (address|name); refused unless outbound.allowLoopback is true/);
      expect(refuseUrl(withLoopback(DEFAULT), url), url).toBeNull();
    }
  });

  it('names the address it judged, as the URL parser normalised it', () => {
    expect(refuseUrl(DEFAULT, 'http://0x7f.1/')).toBe('127.0.0.1 is a loopback address; refused unless outbound.allowLoopback is true');
    expect(refuseUrl(DEFAULT, 'http://[::ffff:127.0.0.1]/')).toBe('::ffff:7f00:1 is a loopback address; refused unless outbound.allowLoopback is true');
  });

  it('refuses link-local addresses whatever allowLoopback and allowPrivate say', () => {
    const lenient = policy({ allowLoopback: true, allowPrivate: true });
    for (const url of ['http://169.254.1.1/', 'http://[fe80::1]/', 'http://[::ffff:169.254.10.10]/']) {
      expect(refuseUrl(lenient, url), url).toMatch(/is a link-local address; refused unless outbound.allowHosts lists it$/);
    }
  });

  it('refuses cloud metadata addresses and names, in every spelling', () => {
    const lenient = policy({ allowLoopback: true, allowPrivate: true });
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://2852039166/', 'http://0xa9.0xfe.0xa9.0xfe/', 'http://[::ffff:169.254.169.254]/', 'http://[fd00:ec2::254]/', 'http://100.100.100.200/']) {
      expect(refuseUrl(lenient, url), url).toMatch(/is a cloud metadata address; refused unless outbound.allowHosts lists that address$/);
    }
    for (const url of ['http://metadata.google.internal/computeMetadata/v1/', 'http://METADATA.google.internal./', 'http://metadata.goog/']) {
      expect(refuseUrl(lenient, url), url).toMatch(/is a cloud metadata host name; refused unless outbound.allowHosts lists it$/);
    }
  });

  it('refuses multicast, broadcast and reserved addresses', () => {
    for (const url of ['http://224.0.0.1/', 'http://255.255.255.255/', 'http://240.0.0.1/', 'http://[ff02::1]/']) {
      expect(refuseUrl(policy({ allowLoopback: true }), url), url).toMatch(/is not a unicast address/);
    }
  });

  it('refuses private addresses while allowPrivate is false', () => {
    const strict = policy({ allowPrivate: false });
    for (const url of ['http://10.0.0.5/', 'http://172.31.255.255/', 'http://192.168.0.1/', 'http://100.64.0.1/', 'http://[fd12::1]/']) {
      expect(refuseUrl(strict, url), url).toMatch(/is a private address; refused while outbound.allowPrivate is false$/);
    }
    expect(refuseUrl(strict, 'http://172.32.0.1/')).toBeNull();
  });

  it('accepts http and https only, and no userinfo', () => {
    for (const url of ['ftp://prometheus/', 'file:///etc/passwd', 'gopher://x:70/', 'ws://x/']) expect(refuseUrl(DEFAULT, url), url).toMatch(/^scheme \w+ is not allowed \(http and https only\)$/);
    expect(refuseUrl(DEFAULT, 'http://admin:secret@prometheus:9090/')).toMatch(/user:password@ in a URL is refused/);
    expect(refuseUrl(DEFAULT, 'http://admin@prometheus:9090/')).toMatch(/user:password@ in a URL is refused/);
    expect(refuseUrl(DEFAULT, 'not a url')).toBe('not a valid URL');
  });
});

describe('refuseUrl with an allow-list', () => {
  const listed = policy({ allowHosts: ['prometheus.internal', '*.corp.example', '10.1.0.0/16', '2001:db8::/32', '169.254.10.0/24'] });

  it('lets through listed names (case and trailing dot aside), subdomains of a wildcard, and addresses in listed ranges', () => {
    for (const url of ['http://prometheus.internal:9090/', 'http://Prometheus.Internal./', 'https://am.corp.example/', 'https://a.b.corp.example/', 'http://10.1.2.3/', 'http://[2001:db8::7]/', 'http://169.254.10.9/']) {
      expect(refuseUrl(listed, url), url).toBeNull();
    }
  });

  it('refuses everything else, the wildcard\'s own domain and look-alikes included', () => {
    for (const url of ['http://corp.example/', 'http://evilcorp.example/', 'http://prometheus.internal.evil/', 'http://other/', 'http://10.2.0.1/', 'http://8.8.8.8/']) {
      expect(refuseUrl(listed, url), url).toMatch(/is not in outbound.allowHosts$/);
    }
  });

  it('needs the exact address for a metadata address: a covering range is not enough', () => {
    expect(refuseUrl(policy({ allowHosts: ['169.254.0.0/16'] }), 'http://169.254.169.254/')).toMatch(/cloud metadata address/);
    expect(refuseUrl(policy({ allowHosts: ['169.254.169.254'] }), 'http://169.254.169.254/')).toBeNull();
    expect(refuseUrl(policy({ allowHosts: ['metadata.google.internal'] }), 'http://metadata.google.internal/')).toBeNull();
  });

  it('lets a listed loopback address through without allowLoopback, and only that one', () => {
    const one = policy({ allowHosts: ['127.0.0.1'] });
    expect(refuseUrl(one, 'http://127.0.0.1:9090/')).toBeNull();
    expect(refuseAddress(one, '::ffff:127.0.0.1')).toBeNull();
    expect(refuseAddress(one, '127.0.0.2')).toMatch(/loopback/);
  });
});

describe('refuseAddress (what a name resolved to)', () => {
  it('judges resolved addresses by the same rules, IPv4-mapped IPv6 as IPv4', () => {
    expect(refuseAddress(DEFAULT, '8.8.8.8')).toBeNull();
    expect(refuseAddress(DEFAULT, '10.0.0.1')).toBeNull();
    expect(refuseAddress(DEFAULT, '127.0.0.1')).toMatch(/loopback/);
    expect(refuseAddress(DEFAULT, '::ffff:127.0.0.1')).toMatch(/loopback/);
    expect(refuseAddress(DEFAULT, '64:ff9b::7f00:1')).toMatch(/loopback/);
    expect(refuseAddress(DEFAULT, '2002:a9fe:a9fe::1')).toMatch(/metadata/);
    expect(refuseAddress(DEFAULT, 'fe80::1%eth0')).toMatch(/link-local/);
    expect(refuseAddress(DEFAULT, 'prometheus')).toBe('prometheus is not an IP address');
  });

  it('does not require resolved addresses to be listed when the name was', () => {
    expect(refuseAddress(policy({ allowHosts: ['prometheus.internal'] }), '10.0.0.7')).toBeNull();
  });
});

describe('parseAllowedHost', () => {
  it('reads names, wildcards, addresses and CIDRs', () => {
    expect(parseAllowedHost('Prometheus.Internal.')).toEqual({ kind: 'name', name: 'prometheus.internal' });
    expect(parseAllowedHost('*.corp.example')).toEqual({ kind: 'suffix', suffix: '.corp.example' });
    expect(parseAllowedHost('10.0.0.0/8')).toMatchObject({ kind: 'range', exact: false, range: { prefixBits: 8 } });
    expect(parseAllowedHost('[::1]')).toMatchObject({ kind: 'range', exact: true, range: { prefixBits: 128 } });
  });

  it('refuses URLs, ports, bad prefixes and empty or spaced text', () => {
    for (const text of ['http://prometheus', 'prometheus:9090', '10.0.0.0/33', '::/129', '10.0.0.0/', '*.', '*', '', 'a b', '-bad.example', 'a..b']) {
      expect(parseAllowedHost(text), text).toBeNull();
    }
  });
});

describe('ip-address', () => {
  const ip = (text: string): IpAddress => parseIp(text) as IpAddress;

  it('classifies the special ranges (RFC 6890)', () => {
    expect(addressKind(ip('127.0.0.1'))).toBe('loopback');
    expect(addressKind(ip('172.15.0.1'))).toBe('public');
    expect(addressKind(ip('172.16.0.1'))).toBe('private');
    expect(addressKind(ip('169.254.169.254'))).toBe('metadata');
    expect(addressKind(ip('169.254.169.253'))).toBe('link-local');
    expect(addressKind(ip('fd00:ec2::254'))).toBe('metadata');
    expect(addressKind(ip('fd00:ec2::253'))).toBe('private');
    expect(addressKind(ip('febf::1'))).toBe('link-local');
    expect(addressKind(ip('fec0::1'))).toBe('public');
  });

  it('formats addresses as the URL serialiser does', () => {
    expect(formatIp(ip('::ffff:127.0.0.1'))).toBe('::ffff:7f00:1');
    expect(formatIp(ip('2001:DB8:0:0:0:0:0:1'))).toBe('2001:db8::1');
    expect(formatIp(ip('10.0.0.1'))).toBe('10.0.0.1');
    expect(parseIp('256.0.0.1')).toBeNull();
    expect(parseIp('prometheus')).toBeNull();
  });
});
