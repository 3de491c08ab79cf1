import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const FIXTURES = new URL('../../fixtures/open-meteo/', import.meta.url);

/** A recorded Open-Meteo answer body from tests/fixtures/open-meteo. */
export function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

export const LONDON_FORECAST = 'london-forecast-2026-07-18.json';
export const LONDON_ARCHIVE = 'london-archive-2026-07-11-to-18.json';

/** One answer the fake gives: a status with a body and headers, or no answer at all. */
export type Answer =
  | { readonly status: number; readonly body?: string; readonly headers?: Readonly<Record<string, string>> }
  | 'hang';

export type OpenMeteoPath = '/v1/forecast' | '/v1/archive';

/** A request as the fake saw it. */
export interface SeenRequest {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** `Date.now()` on arrival. */
  readonly at: number;
}

/** The recorded body with validators; a request carrying them gets a 304, as a caching server answers. */
export function recorded(
  name: string,
  { etag, lastModified }: { readonly etag?: string; readonly lastModified?: string } = {},
): (headers: IncomingHttpHeaders) => Answer {
  return (headers) => {
    if (
      (etag !== undefined && headers['if-none-match'] === etag) ||
      (lastModified !== undefined && headers['if-modified-since'] === lastModified)
    )
      return { status: 304 };
    return {
      status: 200,
      body: fixture(name),
      headers: {
        'content-type': 'application/json; charset=utf-8',
        ...(etag === undefined ? {} : { etag }),
        ...(lastModified === undefined ? {} : { 'last-modified': lastModified }),
      },
    };
  };
}

/** When the recorded London answers were fetched: their forecast issue is this hour. */
export const RECORDED_AT_HOUR = Date.parse('2026-07-18T13:00:00Z');

/**
 * A recorded body with every hourly time moved by `shiftMs` (whole hours), so a process running on
 * the real clock sees the recording as if it were fetched in the current hour.
 */
export function redated(name: string, shiftMs: number): string {
  const body = JSON.parse(fixture(name)) as { hourly: { time: string[] } };
  body.hourly.time = body.hourly.time.map((t) =>
    new Date(Date.parse(`${t}:00Z`) + shiftMs).toISOString().slice(0, 16),
  );
  return JSON.stringify(body);
}

type Behaviour = (headers: IncomingHttpHeaders) => Answer;

/**
 * A real HTTP server on loopback in Open-Meteo's shape: `/v1/forecast` and `/v1/archive` serve the
 * recorded London answers by default; `script` queues other answers (errors, hangs, bad bodies) to
 * give before the default, `setDefault` changes the default. Every request is recorded.
 */
export interface FakeOpenMeteo {
  readonly forecastUrl: string;
  readonly archiveUrl: string;
  readonly requests: SeenRequest[];
  requestsTo(path: OpenMeteoPath): SeenRequest[];
  script(path: OpenMeteoPath, ...answers: (Answer | Behaviour)[]): void;
  setDefault(path: OpenMeteoPath, answer: Answer | Behaviour): void;
  close(): Promise<void>;
}

export async function startFakeOpenMeteo(): Promise<FakeOpenMeteo> {
  const requests: SeenRequest[] = [];
  const toBehaviour = (a: Answer | Behaviour): Behaviour => (typeof a === 'function' ? a : () => a);
  const defaults = new Map<string, Behaviour>([
    ['/v1/forecast', recorded(LONDON_FORECAST)],
    ['/v1/archive', recorded(LONDON_ARCHIVE)],
  ]);
  const queues = new Map<string, Behaviour[]>();
  const hanging = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push({ path: url.pathname, query: url.searchParams, headers: req.headers, at: Date.now() });
    const behaviour = queues.get(url.pathname)?.shift() ?? defaults.get(url.pathname);
    if (behaviour === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":true,"reason":"Not Found"}');
      return;
    }
    const answer = behaviour(req.headers);
    if (answer === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    res.writeHead(answer.status, answer.headers ?? { 'content-type': 'application/json; charset=utf-8' });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    forecastUrl: `${base}/v1/forecast`,
    archiveUrl: `${base}/v1/archive`,
    requests,
    requestsTo: (path) => requests.filter((r) => r.path === path),
    script(path, ...answers) {
      queues.set(path, [...(queues.get(path) ?? []), ...answers.map(toBehaviour)]);
    },
    setDefault(path, answer) {
      defaults.set(path, toBehaviour(answer));
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
