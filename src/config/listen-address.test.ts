import { describe, expect, it } from 'vitest';
import { parseListenAddress, tryParseListenAddress } from './listen-address.js';

describe('parseListenAddress', () => {
  it.each([
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    ['[::1]:9090', { host: '::1', port: 9090 }],
    [':8080', { host: '', port: 8080 }],
    ['shiftguard.internal:0', { host: 'shiftguard.internal', port: 0 }],
  ])('parses %s', (text, address) => {
    expect(parseListenAddress(text)).toEqual(address);
  });

  it.each(['localhost', '127.0.0.1:65536', '127.0.0.1:', 'http://x:80', '::1:80'])('rejects %s', (text) => {
    expect(tryParseListenAddress(text)).toBeUndefined();
    expect(() => parseListenAddress(text)).toThrow(`invalid listen address ${JSON.stringify(text)}: expected host:port`);
  });
});
