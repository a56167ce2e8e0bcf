import { describe, expect, it } from 'vitest';

import { parseHostPort } from '../../src/output/prometheus.js';
import { looksLikeSpec, OUTPUT_KINDS, parseOutputSpec } from '../../src/output/registry.js';

describe('--out specs', () => {
  it('tells a KIND=TARGET from a folder', () => {
    expect(looksLikeSpec('csv=out.csv')).toBe(true);
    expect(looksLikeSpec('results/a=b')).toBe(false);
    expect(looksLikeSpec('results')).toBe(false);
  });

  it('parses known kinds and says what is wrong with the rest', () => {
    expect(parseOutputSpec('csv=a.csv')).toEqual({ kind: 'csv', target: 'a.csv' });
    expect(parseOutputSpec('json=x=y.jsonl')).toEqual({ kind: 'json', target: 'x=y.jsonl' });
    expect(parseOutputSpec('prometheus=127.0.0.1:9464')).toEqual({ kind: 'prometheus', target: '127.0.0.1:9464' });
    expect(parseOutputSpec('otlp=http://127.0.0.1:4318')).toEqual({ kind: 'otlp', target: 'http://127.0.0.1:4318' });
    expect(parseOutputSpec('influx=x')).toMatch(/unknown output kind "influx" \(known: csv, json, prometheus, otlp\)/);
    expect(parseOutputSpec('toString=x')).toMatch(/unknown output kind/);
    expect(parseOutputSpec('csv=')).toMatch(/csv= needs a target: csv=FILE/);
    expect(parseOutputSpec('prometheus=localhost')).toMatch(/expected HOST:PORT/);
    expect(parseOutputSpec('otlp=')).toMatch(/otlp= needs a target: otlp=URL/);
    expect(parseOutputSpec('otlp=localhost:4318')).toMatch(/expected an http:\/\/ or https:\/\/ URL/);
  });

  it('names every kind with its target, for the help', () => {
    expect(OUTPUT_KINDS).toBe('csv=FILE, json=FILE, prometheus=HOST:PORT, otlp=URL');
  });

  it('reads HOST:PORT, bracketed IPv6 included', () => {
    expect(parseHostPort('localhost:9464')).toEqual({ host: 'localhost', port: 9464 });
    expect(parseHostPort('[::1]:80')).toEqual({ host: '::1', port: 80 });
    for (const bad of ['localhost:0', 'h:65536', ':80', 'h:', '::1:80', 'h:8o'])
      expect(parseHostPort(bad), bad).toBeUndefined();
  });
});
