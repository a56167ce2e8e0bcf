import { describe, expect, it } from 'vitest';

import { formatHostPort, hostPortOfUrl, parseHostPort } from '../../src/net/address.js';

describe('HOST:PORT', () => {
  it.each([
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
    ['[::1]:443', { host: '::1', port: 443 }],
    [' 10.77.0.2:9000 ', { host: '10.77.0.2', port: 9000 }],
  ])('parses %j', (text, expected) => {
    expect(parseHostPort(text)).toEqual(expected);
    expect(parseHostPort(formatHostPort(expected))).toEqual(expected);
  });

  it.each(['localhost', ':80', '::1:80', 'host:http', 'host:65536', '[::1]', 'a:b:1'])('rejects %j', (text) => {
    expect(() => parseHostPort(text)).toThrow(/expected HOST:PORT/);
  });
});

describe('target URLs', () => {
  it.each([
    ['http://example.com/v1', { host: 'example.com', port: 80 }],
    ['wss://example.com/v1/responses', { host: 'example.com', port: 443 }],
    ['https://[::1]:8443/', { host: '::1', port: 8443 }],
  ])('%s dials %j', (url, expected) => {
    expect(hostPortOfUrl(new URL(url))).toEqual(expected);
  });
});
