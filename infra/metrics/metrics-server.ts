import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { EaioError } from '../errors/index.ts';
import { type HealthCheck, runHealthChecks } from '../health/index.ts';
import type { Logger } from '../logging/index.ts';

/** Where Prometheus finds a process by default (the OpenTelemetry Prometheus exporter's port). */
export const DEFAULT_METRICS_HOST = '127.0.0.1';
export const DEFAULT_METRICS_PORT = 9464;

export interface MetricsServerOptions {
  readonly registry: Registry;
  /** What `/health/ready` runs; every one must pass for a 200. */
  readonly readiness: readonly HealthCheck[];
  readonly host?: string;
  /** 0 picks a free port (tests). */
  readonly port?: number;
  /** Paths answering Prometheus scrapes; `/metrics` by default, none to serve health alone. */
  readonly metricsPaths?: readonly string[];
  /** Paths answering liveness; `/health/live` by default. */
  readonly livenessPaths?: readonly string[];
  /** Paths answering readiness; `/health/ready` by default. */
  readonly readinessPaths?: readonly string[];
  /** How long each readiness check may take. */
  readonly checkTimeoutMs?: number;
  readonly logger?: Logger;
}

export interface RunningMetricsServer {
  /** Base URL, e.g. http://127.0.0.1:9464; the endpoints are `/metrics`, `/health/live`, `/health/ready`. */
  readonly url: string;
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Serves `/metrics` (Prometheus text), `/health/live` (200 while the process runs) and
 * `/health/ready` (200 when every check passes, else 503 with each failing check and its reason);
 * the health paths can be given other names too (e.g. Kubernetes-style `/healthz`, `/readyz`).
 * Loopback by default: the endpoints are unauthenticated.
 */
export async function startMetricsServer({
  registry,
  readiness,
  host = DEFAULT_METRICS_HOST,
  port = DEFAULT_METRICS_PORT,
  metricsPaths = ['/metrics'],
  livenessPaths = ['/health/live'],
  readinessPaths = ['/health/ready'],
  checkTimeoutMs = 2_000,
  logger,
}: MetricsServerOptions): Promise<RunningMetricsServer> {
  let wasReady: boolean | undefined;
  const scrape = new Set(metricsPaths);
  const live = new Set(livenessPaths);
  const ready = new Set(readinessPaths);
  const endpoints = [...scrape, ...live, ...ready].join(', ');

  const send = (res: ServerResponse, status: number, type: string, body: string, head: boolean) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(head ? undefined : body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.setHeader('allow', 'GET, HEAD');
      send(res, 405, JSON_TYPE, JSON.stringify({ error: 'only GET and HEAD' }), false);
      return;
    }
    if (scrape.has(path)) {
      send(res, 200, registry.contentType, await registry.metrics(), head);
      return;
    }
    if (live.has(path)) {
      send(res, 200, JSON_TYPE, JSON.stringify({ status: 'live' }), head);
      return;
    }
    if (ready.has(path)) {
      const report = await runHealthChecks(readiness, { timeoutMs: checkTimeoutMs });
      if (report.ok !== wasReady) {
        // Log transitions only: probes run every few seconds and would flood the log.
        const failing = report.checks.filter((c) => !c.ok).map((c) => ({ check: c.name, reason: c.reason }));
        if (report.ok) logger?.info('ready');
        else logger?.warn({ failing }, 'not ready');
        wasReady = report.ok;
      }
      const body = { status: report.ok ? 'ready' : 'not ready', checks: report.checks };
      send(res, report.ok ? 200 : 503, JSON_TYPE, JSON.stringify(body), head);
      return;
    }
    send(res, 404, JSON_TYPE, JSON.stringify({ error: `not found; endpoints: ${endpoints}` }), head);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger?.error({ err: error, url: req.url }, 'metrics endpoint failed');
      if (!res.headersSent) send(res, 500, JSON_TYPE, JSON.stringify({ error: String(error) }), false);
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new EaioError(
          'LISTEN_FAILED',
          'permanent',
          `the metrics server cannot listen on ${host}:${port}: ${error.code ?? error.message}`,
          { cause: error, context: { host, port } },
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
