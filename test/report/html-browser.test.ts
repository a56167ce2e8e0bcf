import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { axisLabel, METRICS } from '../../src/core/catalog.js';
import { MetricSet } from '../../src/metrics/metric-set.js';
import { writeReports } from '../../src/report/report-files.js';
import { rng } from '../../src/shared/rng.js';
import { assertBuilt, REPO, runScenarioText, tempDir } from '../cli/helpers.js';
import { result, variant } from './fixtures.js';

/**
 * The HTML report in a real browser: Debian's chromium, which .ci/run installs. Where it is missing
 * outside CI (a developer machine without it) the suite says so and skips; in CI a missing browser fails.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_BROWSER = existsSync(CHROMIUM) || process.env.CI !== undefined;
if (!HAVE_BROWSER) console.warn(`html-browser tests skipped: no browser at ${CHROMIUM} (apt-get install chromium)`);
/** Screenshots are kept for a person (or a CI artifact upload) to look at. */
const ARTIFACTS = path.join(REPO, 'test-artifacts');

const server = `
target: embedded
server:
  { ttft_ms: 30, tps: 1000, output_tokens: 40, http_overhead_ms: 8, ws_overhead_ms: 1, ws_connect_overhead_ms: 8, seed: 1, stamp: true,
    faults: { http-500: 0.1, mid-stream-error: 0.05 } }
request: { prompt_tokens: 16, max_output_tokens: 40 }
variants:
  - { name: "http-keepalive", protocol: openai-responses, connection: http-keepalive }
  - { name: ws-persistent, protocol: openai-responses, connection: ws-persistent }
`;

const PLAIN = `
name: report-plain
${server}
load: { kind: closed, concurrency: 2, requests: 24, warmup: 2 }
claims:
  # User text reaches the page: markup in it must show as text, never run.
  - { claim: "<script>console.error('injected')</script> & \\"WS\\" cuts overhead 50%", metric: overhead_ms, baseline: http-keepalive, candidate: ws-persistent, reduction: 0.5 }
thresholds:
  "*.ttft_ms.p99": "< 5000"
  "*.errors.rate": "< 0.5"
`;

const SWEEP = `
name: report-sweep
${server}
load: { kind: closed, concurrency: 2, requests: 8, warmup: 1 }
sweep: { param: server.ttft_ms, values: [10, 40, 80] }
`;

/**
 * A result folder of 2 × 300 requests with lognormal prompts (16–16000 tokens) and max_output_tokens
 * uniform in 50–600 from an endpoint that stops at 400: what a run with length distributions writes.
 */
async function lengthsRun(dir: string): Promise<void> {
  const rand = rng(7);
  const lines: string[] = [];
  const variants = ['http', 'ws'].map((name, slot) => {
    const set = new MetricSet();
    for (let i = 0; i < 300; i++) {
      const z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
      const input = Math.min(16_000, Math.max(16, Math.round(Math.exp(Math.log(1200) + 0.8 * z))));
      const asked = 50 + Math.floor(rand() * 551);
      const output = Math.min(asked, 400);
      // Prefill at 50k tokens/s, decode at 2k, a little jitter; the ws variant a few ms faster.
      const ttft = 20 - 3 * slot + input / 50 + 5 * rand();
      const e2e = ttft + output / 2;
      for (const [m, v] of [
        ['input_tokens', input],
        ['output_tokens', output],
        ['ttft_ms', ttft],
        ['e2e_ms', e2e],
      ] as const)
        set.record(m, v);
      const phases = { firstDelta: ttft, lastDelta: e2e, doneAt: e2e };
      lines.push(
        JSON.stringify({
          variant: name,
          i,
          warmup: false,
          ok: true,
          intended_ms: 10 * i,
          start_ms: 10 * i,
          phases,
          deltas: output,
          output_tokens: output,
          max_output_tokens: asked,
          prompt_tokens: input,
          input_tokens: input,
        }),
      );
    }
    return variant(name, {}, set);
  });
  writeFileSync(path.join(dir, 'requests.jsonl'), lines.join('\n'));
  await writeReports(result(variants), dir, { html: path.join(dir, 'report.html') });
}

interface PageCheck {
  errors: string[];
  external: string[];
  charts: { id: string; points: number; width: number; height: number; series: number }[];
}

async function inspect(browser: Browser, file: string, shot: string): Promise<PageCheck> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  const external: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    if (!/^(file|data):/.test(r.url())) external.push(r.url());
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  const charts = await page.$$eval('figure.chart', (figs) =>
    figs.map((f) => {
      const box = f.querySelector('svg')?.getBoundingClientRect();
      return {
        id: f.id,
        points: Number(f.getAttribute('data-points')),
        width: box?.width ?? 0,
        height: box?.height ?? 0,
        // Drawn marks: a line chart's series, a waterfall's rows.
        series: f.querySelectorAll('.series, .row').length,
      };
    }),
  );
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: shot, fullPage: true });
  await page.close();
  return { errors, external, charts };
}

interface Layout {
  scrollWidth: number;
  clientWidth: number;
  /** The smallest chart text as drawn: its font size times the scale its SVG is drawn at. */
  smallest: { px: number; where: string };
  captions: { id: string; text: string }[];
}

/** Phone and desktop widths: every chart and table must read at both. */
const WIDTHS = [420, 1400] as const;

/** The page at a viewport width: overflow, the smallest rendered chart text, the chart titles; a screenshot. */
async function layout(browser: Browser, file: string, width: number, shot: string): Promise<Layout> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  const out = await page.evaluate(() => {
    let smallest = { px: Infinity, where: '' };
    for (const t of document.querySelectorAll<SVGTextElement>('figure.chart svg text')) {
      const svg = t.ownerSVGElement!;
      // A drawing for the other page width is display:none: it takes no room and renders nothing.
      if (svg.getClientRects().length === 0) continue;
      const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
      const px = parseFloat(getComputedStyle(t).fontSize) * scale;
      if (px < smallest.px) smallest = { px, where: `${svg.closest('figure')!.id}: ${t.textContent}` };
    }
    return {
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
      smallest,
      captions: [...document.querySelectorAll('figure.chart')].map((f) => ({
        id: f.id,
        text: f.querySelector('figcaption')!.textContent,
      })),
    };
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: shot, fullPage: true });
  await page.close();
  return out;
}

/** Charts of no one metric: the waterfall of request phases, failures per second. */
const NOT_A_METRIC = /^(waterfall|time-failures)-/;

function expectReadable(l: Layout, width: number): void {
  expect(l.scrollWidth, `page width at ${width} px`).toBeLessThanOrEqual(l.clientWidth);
  expect(l.smallest.px, `${l.smallest.where} at ${width} px`).toBeGreaterThanOrEqual(11);
  expect(l.captions.length).toBeGreaterThan(5);
  for (const c of l.captions) {
    if (NOT_A_METRIC.test(c.id)) continue;
    expect(
      METRICS.some((m) => c.text.startsWith(axisLabel(m))),
      `${c.id}: "${c.text}"`,
    ).toBe(true);
  }
}

describe.skipIf(!HAVE_BROWSER)('HTML report in headless Chromium', () => {
  const tmp = tempDir();
  let browser: Browser;

  beforeAll(async () => {
    assertBuilt();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // As root (CI containers) Chromium refuses to start sandboxed; the rest keep it off this machine's closed network.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    tmp.cleanup();
  });

  it('renders every chart of a run, with no console error and no request leaving the file', async () => {
    await runScenarioText(tmp.dir, 'plain', PLAIN, 60_000, ['--hdr-log', '0.5']);
    const check = await inspect(
      browser,
      path.join(tmp.dir, 'plain', 'report.html'),
      path.join(ARTIFACTS, 'report-plain.png'),
    );
    expect(check.errors).toEqual([]);
    expect(check.external).toEqual([]);
    const ids = check.charts.map((c) => c.id);
    // Each kind the issue asks for: percentile distributions, CDFs, over-time charts (failures too: the
    // server injects some; percentiles per interval from --hdr-log), the waterfall.
    for (const prefix of [
      'pct-ttft_ms',
      'pct-itl_ms',
      'cdf-ttft_ms',
      'time-ttft',
      'time-itl',
      'time-failures',
      'interval-itl_ms',
      'waterfall',
    ]) {
      expect(
        ids.some((id) => id.startsWith(prefix)),
        `${prefix} in ${ids.join(' ')}`,
      ).toBe(true);
    }
    for (const c of check.charts) {
      expect(c.points, c.id).toBeGreaterThan(0);
      expect(c.series, c.id).toBeGreaterThan(0);
      expect(c.width * c.height, c.id).toBeGreaterThan(10_000);
    }
    // Every prompt of 16 tokens: the lengths are one bar each, with no scatter against them.
    expect(ids).toEqual(expect.arrayContaining(['length-input-http-keepalive', 'length-output-ws-persistent']));
    expect(ids.filter((id) => id.startsWith('ttft-by-input') || id.startsWith('e2e-by-output'))).toEqual([]);
    for (const width of WIDTHS) {
      const file = path.join(tmp.dir, 'plain', 'report.html');
      expectReadable(await layout(browser, file, width, path.join(ARTIFACTS, `report-plain-${width}.png`)), width);
    }
  }, 90_000);

  it('renders latency against length and the length histograms of a run whose lengths vary', async () => {
    const dir = path.join(tmp.dir, 'lengths');
    mkdirSync(dir);
    await lengthsRun(dir);
    const check = await inspect(browser, path.join(dir, 'report.html'), path.join(ARTIFACTS, 'report-lengths.png'));
    expect(check.errors).toEqual([]);
    expect(check.external).toEqual([]);
    const byId = new Map(check.charts.map((c) => [c.id, c]));
    // Both variants in each scatter; one histogram series per variant, and the lengths asked for beside the output.
    for (const [id, series] of [
      ['ttft-by-input-', 2],
      ['e2e-by-output-', 2],
      ['length-input-http', 1],
      ['length-output-ws', 2],
    ] as const) {
      expect(byId.get(id)?.series, id).toBe(series);
    }
    for (const c of check.charts) {
      expect(c.points, c.id).toBeGreaterThan(0);
      expect(c.width * c.height, c.id).toBeGreaterThan(10_000);
    }
    for (const width of WIDTHS) {
      const file = path.join(dir, 'report.html');
      expectReadable(await layout(browser, file, width, path.join(ARTIFACTS, `report-lengths-${width}.png`)), width);
    }
  }, 90_000);

  it('renders the sweep charts of a sweep', async () => {
    await runScenarioText(tmp.dir, 'sweep', SWEEP);
    const check = await inspect(
      browser,
      path.join(tmp.dir, 'sweep', 'report.html'),
      path.join(ARTIFACTS, 'report-sweep.png'),
    );
    expect(check.errors).toEqual([]);
    expect(check.external).toEqual([]);
    const sweep = check.charts.filter((c) => c.id.startsWith('sweep-'));
    expect(sweep.map((c) => c.id)).toContain('sweep-ttft_ms');
    const ttft = sweep.find((c) => c.id === 'sweep-ttft_ms')!;
    // Two variants' p50, three points each (one per swept value); p99 of 7 requests per step is not drawn.
    expect(ttft.series).toBe(2);
    expect(ttft.points).toBe(6);
    for (const c of check.charts) expect(c.points, c.id).toBeGreaterThan(0);
    for (const width of WIDTHS) {
      const file = path.join(tmp.dir, 'sweep', 'report.html');
      expectReadable(await layout(browser, file, width, path.join(ARTIFACTS, `report-sweep-${width}.png`)), width);
    }
  }, 90_000);
});
