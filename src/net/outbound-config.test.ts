import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load-config.js';
import { parseGuardrails } from '../tune/guardrails-config.js';
import { outboundPolicyOf } from './outbound-config.js';
import { configError } from '../../test/support/config-error.js';


const parse = (text: string) => parseConfig(text, 'shiftguard.yaml', { env: {} });

describe('the outbound section', () => {
  it('defaults to: any host, loopback refused, private allowed', () => {
    expect(parse('').outbound).toEqual({ allowHosts: [], allowLoopback: false, allowPrivate: true });
  });

  it('names each bad allowHosts entry with its line', () => {
    const error = configError(() => parse('outbound:\n  allowHosts: [prometheus.internal, "http://x", "10.0.0.0/40"]\n  allowLoopback: yes\n'));
    expect(error.message.split('\n').slice(1)).toEqual([
      'shiftguard.yaml:2:37: outbound.allowHosts[1]: expected a host name, *.suffix, an IP address or a CIDR such as 10.0.0.0/8, got "http://x"',
      'shiftguard.yaml:2:49: outbound.allowHosts[2]: expected a host name, *.suffix, an IP address or a CIDR such as 10.0.0.0/8, got "10.0.0.0/40"',
      'shiftguard.yaml:3:18: outbound.allowLoopback: expected true or false, got "yes"',
    ]);
  });
});

describe('start-time check of configured URLs', () => {
  it('fails the start naming the field and why, for every refused URL', () => {
    const text = [
      'prometheus:',
      '  url: http://169.254.169.254/latest/',
      'alerts:',
      '  alertmanager:',
      '    url: http://localhost:9093',
      '  webhook:',
      '    url: http://metadata.google.internal/hook',
      'grafana:',
      '  url: http://[::ffff:127.0.0.1]:3000',
      '',
    ].join('\n');
    const error = configError(() => parse(text));
    expect(error.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`)).toEqual([
      '2:8 prometheus.url: 169.254.169.254 is a cloud metadata address; refused unless outbound.allowHosts lists that address',
      '5:10 alerts.alertmanager.url: localhost is a loopback name; refused unless outbound.allowLoopback is true',
      '7:10 alerts.webhook.url: metadata.google.internal is a cloud metadata host name; refused unless outbound.allowHosts lists it',
      '9:8 grafana.url: ::ffff:7f00:1 is a loopback address; refused unless outbound.allowLoopback is true',
    ]);
  });

  it('accepts them once the policy allows them explicitly', () => {
    const config = parse('prometheus:\n  url: http://127.0.0.1:9090\nalerts:\n  alertmanager:\n    url: http://169.254.169.254:9093\noutbound:\n  allowLoopback: true\n  allowHosts: [127.0.0.1, 169.254.169.254]\n');
    expect(config.prometheus.url).toBe('http://127.0.0.1:9090');
  });

  it('checks against the allow-list, and reports other problems of the same field once', () => {
    expect(configError(() => parse('prometheus:\n  url: http://prometheus.other:9090\noutbound: { allowHosts: [prometheus.internal] }\n')).issues).toMatchObject([
      { path: 'prometheus.url', line: 2, message: 'prometheus.other is not in outbound.allowHosts' },
    ]);
    expect(configError(() => parse('prometheus:\n  url: ftp://127.0.0.1/\n')).issues.map((i) => i.message)).toEqual(['expected an http(s) URL or null, got "ftp://127.0.0.1/"']);
  });

  it('refuses a URL with user:password@ and never repeats the password, in every URL field', () => {
    const withCredentials = 'http://scraper:s3cr3t-pw@prometheus.internal:9090/';
    const issues = configError(() => parse(`prometheus:\n  url: ${withCredentials}\nalerts:\n  alertmanager:\n    url: https://am:s3cr3t-pw@am.internal/\n`)).issues;
    expect(issues.map((i) => [i.path, i.message])).toEqual([
      ['prometheus.url', 'user:password@ in a URL is refused (credentials belong in the environment, not in URLs)'],
      ['alerts.alertmanager.url', 'user:password@ in a URL is refused (credentials belong in the environment, not in URLs)'],
    ]);
    const notHttp = configError(() => parse('prometheus:\n  url: ftp://scraper:s3cr3t-pw@prometheus.internal/\n'));
    expect(notHttp.issues.map((i) => i.message)).toEqual(['expected an http(s) URL or null, got "ftp://***@prometheus.internal/"']);
    for (const error of [configError(() => parse(`prometheus:\n  url: ${withCredentials}\n`)), notHttp]) expect(error.message).not.toContain('s3cr3t-pw');
    const guardrails = configError(() => parseGuardrails('mode: enforce\nunleash:\n  url: http://admin:s3cr3t-pw@unleash.internal/api\n', 'guardrails.yaml', outboundPolicyOf(parse(''))));
    expect(guardrails.message).toContain('unleash.url: user:password@ in a URL is refused');
    expect(guardrails.message).not.toContain('s3cr3t-pw');
  });

  it('checks the guardrails\' unleash.url against the same policy', () => {
    const guardrails = 'mode: enforce\nunleash:\n  url: http://localhost:4242/api\n';
    const error = configError(() => parseGuardrails(guardrails, 'guardrails.yaml', outboundPolicyOf(parse(''))));
    expect(error.message).toBe(
      'invalid configuration guardrails.yaml (1 problem):\nguardrails.yaml:3:8: unleash.url: localhost is a loopback name; refused unless outbound.allowLoopback is true',
    );
    expect(parseGuardrails(guardrails, 'guardrails.yaml', outboundPolicyOf(parse('outbound: { allowLoopback: true }\n'))).unleash.url).toBe('http://localhost:4242/api');
    // CONTRACT §7's example writes the loopback address itself: that is explicit, and accepted.
    const contract = 'mode: enforce\nunleash:\n  url: http://127.0.0.1:4242/api\n';
    expect(parseGuardrails(contract, 'guardrails.yaml', outboundPolicyOf(parse(''))).unleash.url).toBe('http://127.0.0.1:4242/api');
  });
});
