import { createServer, type Server } from 'node:http';

import type { RequestLine } from '../result/requests/line.js';
import { PROM_CONTENT_TYPE } from '../shared/prometheus.js';
import type { Output } from './output.js';
import { PromFigures } from './prom-metrics.js';

export interface HostPort {
  host: string;
  port: number;
}

/** `HOST:PORT`, `[::1]:PORT`; undefined when it is not one (port 0 is refused: Prometheus must know it). */
export function parseHostPort(target: string): HostPort | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(target);
  if (m === null) return undefined;
  const port = Number(m[3]);
  return port >= 1 && port <= 65535 ? { host: m[1] ?? m[2], port } : undefined;
}

/**
 * `--out prometheus=HOST:PORT`: `/metrics` while the run lasts, per variant counters and histograms
 * (prom-metrics.ts). A scrape renders from a handful of counters per variant: it costs the run nothing
 * between scrapes.
 */
export class PrometheusOutput implements Output {
  private readonly figures = new PromFigures();
  private server: Server | undefined;

  constructor(private readonly at: HostPort) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method !== 'GET' || path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics is served\n');
        return;
      }
      res.writeHead(200, { 'content-type': PROM_CONTENT_TYPE }).end(this.figures.render());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new Error(`cannot listen on ${this.at.host}:${this.at.port} (${err.code ?? err.message})`)),
      );
      server.listen(this.at.port, this.at.host, () => resolve());
    });
    // A scraper's connection left open would keep the process alive after the run.
    server.on('error', () => {});
    this.server = server;
  }

  request(line: RequestLine): void {
    this.figures.add(line);
  }

  async end(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Keep-alive scrapers would otherwise hold the close until they time out.
    server.closeAllConnections();
    await closed;
  }
}
