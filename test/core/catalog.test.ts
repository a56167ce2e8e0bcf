import { describe, expect, it } from 'vitest';

import {
  axisLabel,
  columnLabel,
  isMetricName,
  keyLabel,
  MAIN_COLUMNS,
  METRIC_INFO,
  metricLabel,
  METRICS,
  metricsIn,
  metricsWithRow,
  rowLabel,
} from '../../src/core/catalog.js';

describe('metric catalog', () => {
  it('describes every metric once, with a name, unit, description and direction', () => {
    expect(Object.keys(METRIC_INFO).sort()).toEqual([...METRICS].sort());
    for (const m of METRICS) {
      const info = METRIC_INFO[m];
      expect(info.name, m).not.toBe('');
      expect(info.description, m).not.toBe('');
      expect(['lower', 'higher', 'count'], m).toContain(info.direction);
      expect(isMetricName(m)).toBe(true);
    }
    expect(isMetricName('toString')).toBe(false);
  });

  it('marks the rate higher-is-better and the token lengths as counts', () => {
    expect(METRICS.filter((m) => METRIC_INFO[m].direction === 'higher')).toEqual(['decode_tps']);
    expect(METRICS.filter((m) => METRIC_INFO[m].direction === 'count')).toEqual(['input_tokens', 'output_tokens']);
  });

  it('derives each section in the order the reports have always listed it', () => {
    expect(metricsIn('compared')).toEqual([
      'ttft_ms',
      'overhead_ms',
      'itl_ms',
      'tpot_ms',
      'e2e_ms',
      'decode_tps',
      'token_delay_ms',
      'session_e2e_ms',
      'redirect_ms',
    ]);
    expect(metricsIn('change')).toEqual([
      'ttft_ms',
      'overhead_ms',
      'itl_ms',
      'e2e_ms',
      'decode_tps',
      'token_delay_ms',
      'session_e2e_ms',
      'redirect_ms',
    ]);
    expect(metricsIn('sweep')).toEqual([
      'ttft_ms',
      'overhead_ms',
      'itl_ms',
      'tpot_ms',
      'e2e_ms',
      'decode_tps',
      'session_e2e_ms',
    ]);
    expect(metricsIn('cdf')).toEqual(['ttft_ms', 'overhead_ms', 'itl_ms', 'e2e_ms']);
    expect(metricsIn('interval')).toEqual(['ttft_ms', 'itl_ms']);
  });

  it('shows a change only of a compared metric (the change rows read result.json comparisons)', () => {
    for (const m of metricsIn('change')) expect(metricsIn('compared')).toContain(m);
  });

  it('labels the terminal rows as the summary prints them', () => {
    expect(metricsWithRow('always').map(rowLabel)).toEqual(['TTFT ms', 'overhead ms', 'ITL ms', 'E2E ms']);
    expect(metricsWithRow('measured').map(rowLabel)).toEqual([
      'connect ms',
      'TLS ms',
      'handshake ms',
      'token delay ms',
      'proxy delay ms',
      'schedule delay ms',
      'session E2E ms',
      'redirect ms',
    ]);
    expect(metricsWithRow('median').map(rowLabel)).toEqual(['decode tok/s']);
  });

  it('labels the change line, the main columns, the change table and the chart axes', () => {
    expect(metricsIn('change').map(metricLabel)).toEqual([
      'TTFT',
      'overhead',
      'ITL',
      'E2E',
      'decode tok/s',
      'token delay',
      'session E2E',
      'redirect',
    ]);
    expect(MAIN_COLUMNS.map(([m, p]) => columnLabel(m, p))).toEqual([
      'TTFT p50 (ms)',
      'TTFT p99 (ms)',
      'overhead p50 (ms)',
      'ITL p50 (ms)',
      'ITL p99 (ms)',
      'E2E p50 (ms)',
      'decode p50 (tok/s)',
      'session E2E p50 (ms)',
      'redirect p50 (ms)',
    ]);
    expect(MAIN_COLUMNS.map(([, p]) => p)).toEqual(['p50', 'p99', 'p50', 'p50', 'p99', 'p50', 'p50', 'p50', 'p50']);
    expect(metricsIn('change').map(axisLabel)).toEqual([
      'TTFT (ms)',
      'overhead (ms)',
      'ITL (ms)',
      'E2E (ms)',
      'decode (tok/s)',
      'token delay (ms)',
      'session E2E (ms)',
      'redirect (ms)',
    ]);
    expect(axisLabel('session_turns')).toBe('session (turns)');
    expect(keyLabel('token_delay_ms')).toBe('token delay (token_delay_ms)');
  });

  it('gives every metric distinct labels', () => {
    expect(new Set(METRICS.map(metricLabel)).size).toBe(METRICS.length);
    expect(new Set(METRICS.map(rowLabel)).size).toBe(METRICS.length);
    expect(new Set(METRICS.map(axisLabel)).size).toBe(METRICS.length);
  });
});
