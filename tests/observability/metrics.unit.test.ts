import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EaioError } from '../../infra/errors/index.ts';
import { type HealthCheck, runHealthChecks } from '../../infra/health/index.ts';
import {
  createMetrics,
  type EaioMetrics,
  METRIC_NAMES,
  type RunningMetricsServer,
  startMetricsServer,
} from '../../infra/metrics/index.ts';

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'and',
  'or',
  'unless',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression selects: strings, label matchers, ranges and grouping
 * clauses removed, then every identifier that is not a function, an aggregation or a keyword.
 */
function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names: string[] = [];
  for (const match of bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const before = bare[(match.index ?? 0) - 1] ?? ' ';
    const after = bare.slice((match.index ?? 0) + match[0].length).trimStart();
    if (/[0-9.]/.test(before)) continue; // the exponent of a number such as 1e3
    if (after.startsWith('(') || PROMQL_WORDS.has(match[0].toLowerCase())) continue;
    names.push(match[0]);
  }
  return names;
}

interface DashboardPanel {
  readonly title?: string;
  readonly targets?: readonly { readonly expr?: string }[];
  readonly panels?: readonly DashboardPanel[];
}
interface Dashboard {
  readonly panels: readonly DashboardPanel[];
  readonly templating: { readonly list: readonly { readonly query?: unknown }[] };
}

/** Every PromQL expression of a dashboard: panel targets (rows included) and variable queries. */
function dashboardQueries(dashboard: Dashboard): string[] {
  const fromPanels = (panels: readonly DashboardPanel[]): string[] =>
    panels.flatMap((p) => [
      ...(p.targets ?? []).flatMap((t) => (t.expr ? [t.expr] : [])),
      ...fromPanels(p.panels ?? []),
    ]);
  const fromVariables = dashboard.templating.list.flatMap((v) => {
    const query =
      typeof v.query === 'object' && v.query !== null ? (v.query as { query?: unknown }).query : v.query;
    if (typeof query !== 'string') return [];
    // label_values(<selector>, <label>): only the selector is PromQL.
    const labelValues = /^label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)$/.exec(query);
    return labelValues?.[1] ? [labelValues[1]] : query === 'prometheus' ? [] : [query];
  });
  return [...fromPanels(dashboard.panels), ...fromVariables];
}

/** Names a scrape of this registry can show: each metric, and a histogram's series. */
async function exposedNames(metrics: EaioMetrics): Promise<Set<string>> {
  const names = new Set<string>();
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${suffix}`);
  }
  return names;
}

describe('metrics factory', () => {
  it('registers every instrument on its own registry, with the Node process metrics', async () => {
    const a = createMetrics();
    const b = createMetrics({ processMetrics: false });
    a.countConsumed('projector', 'eaio.sensor-readings', 5);
    const names = await exposedNames(a);
    for (const name of Object.values(METRIC_NAMES)) expect(names).toContain(name);
    expect(names).toContain('process_cpu_seconds_total');
    expect(names).toContain('nodejs_eventloop_lag_p99_seconds');
    expect(await exposedNames(b)).not.toContain('process_cpu_seconds_total');
    // No shared global registry: what one records, the other does not show.
    expect(await b.registry.getSingleMetricAsString(METRIC_NAMES.eventsConsumed)).not.toContain('projector');
  });

  it('records through the typed API with the documented labels', async () => {
    const m = createMetrics({ processMetrics: false });
    m.countConsumed('projector', 'eaio.sensor-readings', 3);
    m.countProduced('processor:anomalies', 'eaio.anomalies');
    m.countDeadLetter({ topic: 'eaio.sensor-readings', stage: 'validate', code: 'EVENT_OUT_OF_RANGE' });
    m.observeBatchSize('projector', 'eaio.sensor-readings', 120);
    m.observeProjectionWrite('readings', 'postgres', 0.012);
    const end = m.startProjectionWrite('latest-readings', 'redis');
    end();
    m.countCacheRequest('sensors', true);
    m.countCacheRequest('sensors', true);
    m.countCacheRequest('sensors', false);
    const text = await m.registry.metrics();
    expect(text).toContain(
      'eaio_events_consumed_total{component="projector",topic="eaio.sensor-readings"} 3',
    );
    expect(text).toContain(
      'eaio_events_produced_total{component="processor:anomalies",topic="eaio.anomalies"} 1',
    );
    expect(text).toContain(
      'eaio_dead_letters_total{topic="eaio.sensor-readings",stage="validate",code="EVENT_OUT_OF_RANGE"} 1',
    );
    expect(text).toContain(
      'eaio_batch_size_bucket{le="200",component="projector",topic="eaio.sensor-readings"} 1',
    );
    expect(text).toContain(
      'eaio_batch_size_bucket{le="100",component="projector",topic="eaio.sensor-readings"} 0',
    );
    expect(text).toContain(
      'eaio_projection_write_duration_seconds_count{projection="readings",store="postgres"} 1',
    );
    expect(text).toContain(
      'eaio_projection_write_duration_seconds_count{projection="latest-readings",store="redis"} 1',
    );
    expect(text).toContain('eaio_cache_requests_total{category="sensors",result="hit"} 2');
    expect(text).toContain('eaio_cache_requests_total{category="sensors",result="miss"} 1');
  });

  it('times MCP tools and counts errors by code, thrown or returned', async () => {
    const m = createMetrics({ processMetrics: false });
    await m.measureTool('get_latest_readings', async () => ({ isError: false }));
    await expect(
      m.measureTool('get_latest_readings', async () => {
        throw new EaioError('SINK_UNAVAILABLE', 'transient', 'redis down');
      }),
    ).rejects.toThrow('redis down');
    await expect(
      m.measureTool('query_rollups', async () => {
        throw new TypeError('bug');
      }),
    ).rejects.toThrow('bug');
    const result = await m.measureTool(
      'query_rollups',
      async () => ({ isError: true }),
      (r) => (r.isError ? 'TOOL_ERROR' : undefined),
    );
    expect(result).toEqual({ isError: true });
    const text = await m.registry.metrics();
    expect(text).toContain('eaio_mcp_tool_duration_seconds_count{tool="get_latest_readings"} 2');
    expect(text).toContain('eaio_mcp_tool_duration_seconds_count{tool="query_rollups"} 2');
    expect(text).toContain(
      'eaio_mcp_tool_errors_total{tool="get_latest_readings",code="SINK_UNAVAILABLE"} 1',
    );
    expect(text).toContain('eaio_mcp_tool_errors_total{tool="query_rollups",code="INTERNAL"} 1');
    expect(text).toContain('eaio_mcp_tool_errors_total{tool="query_rollups",code="TOOL_ERROR"} 1');
  });
});

describe('Grafana dashboard', () => {
  it('queries only metrics the factory registers, and covers every panel the issue asks for', async () => {
    const dashboard = JSON.parse(
      await readFile(new URL('../../infra/observability/grafana-dashboard.json', import.meta.url), 'utf8'),
    ) as Dashboard;
    const queried = new Set(dashboardQueries(dashboard).flatMap(metricNamesIn));
    const exposed = await exposedNames(createMetrics());
    const unknown = [...queried].filter((name) => !exposed.has(name));
    expect(unknown).toEqual([]);
    for (const name of [
      'eaio_events_consumed_total',
      'eaio_events_produced_total',
      'eaio_consumer_lag',
      'eaio_dead_letters_total',
      'eaio_batch_size_bucket',
      'eaio_projection_write_duration_seconds_bucket',
      'eaio_cache_requests_total',
      'eaio_mcp_tool_duration_seconds_bucket',
      'eaio_mcp_tool_errors_total',
    ])
      expect(queried).toContain(name);
  });

  it('extracts metric names from PromQL, and would catch a misspelt one', async () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.99, sum by (le, tool) (rate(eaio_mcp_tool_duration_seconds_bucket{tool=~"a|b"}[$__rate_interval]))) * 1e3',
      ),
    ).toEqual(['eaio_mcp_tool_duration_seconds_bucket']);
    expect(
      metricNamesIn('sum(rate(a_total{x="rate(b)"}[5m] offset 1h)) by (job) / on (job) group_left c_total'),
    ).toEqual(['a_total', 'c_total']);
    const exposed = await exposedNames(createMetrics({ processMetrics: false }));
    expect(exposed.has('eaio_events_consumed_totl')).toBe(false);
    expect(exposed.has('eaio_batch_size_count')).toBe(true);
  });

  it('the scrape config points Prometheus at the metrics endpoint', async () => {
    const config = await readFile(
      new URL('../../infra/observability/prometheus.yml', import.meta.url),
      'utf8',
    );
    expect(config).toMatch(/metrics_path:\s*\/metrics/);
    expect(config).toMatch(/targets:\s*\['127\.0\.0\.1:9464'\]/);
    expect(config).toMatch(/job_name:\s*eaio\b/);
  });
});

describe('health endpoints (checks injected)', () => {
  let server: RunningMetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const pass = (name: string): HealthCheck => ({ name, check: async () => undefined });
  const fail = (name: string, message: string): HealthCheck => ({
    name,
    check: async () => {
      throw new Error('request failed', { cause: new Error(message) });
    },
  });
  const hang = (name: string): HealthCheck => ({
    name,
    check: (signal) =>
      new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
  });

  it('runHealthChecks bounds each check by the timeout and names the cause', async () => {
    const report = await runHealthChecks([pass('a'), fail('b', 'connect ECONNREFUSED'), hang('c')], {
      timeoutMs: 100,
    });
    expect(report.ok).toBe(false);
    expect(report.checks.map((c) => [c.name, c.ok, c.reason])).toEqual([
      ['a', true, undefined],
      ['b', false, 'request failed: connect ECONNREFUSED'],
      ['c', false, 'no answer within 100 ms'],
    ]);
  });

  it('serves live, ready (200 or 503 with each failing check), metrics, and 404/405 otherwise', async () => {
    const metrics = createMetrics({ processMetrics: false });
    let redisUp = true;
    server = await startMetricsServer({
      registry: metrics.registry,
      port: 0,
      checkTimeoutMs: 200,
      readiness: [
        pass('kafka'),
        {
          name: 'redis',
          check: async () => (redisUp ? undefined : Promise.reject(new Error('PING timed out'))),
        },
      ],
    });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const live = await fetch(`${server.url}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'live' });

    const ready = await fetch(`${server.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      checks: [
        { name: 'kafka', ok: true },
        { name: 'redis', ok: true },
      ],
    });

    redisUp = false;
    const notReady = await fetch(`${server.url}/health/ready`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({
      status: 'not ready',
      checks: [
        { name: 'kafka', ok: true },
        { name: 'redis', ok: false, reason: 'PING timed out' },
      ],
    });

    metrics.countConsumed('projector', 't', 2);
    const scrape = await fetch(`${server.url}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toContain('text/plain');
    expect(await scrape.text()).toContain('eaio_events_consumed_total{component="projector",topic="t"} 2');

    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('answers health on extra configured paths too', async () => {
    server = await startMetricsServer({
      registry: createMetrics({ processMetrics: false }).registry,
      port: 0,
      readiness: [pass('kafka')],
      livenessPaths: ['/health/live', '/healthz'],
      readinessPaths: ['/health/ready', '/readyz'],
    });
    for (const path of ['/health/live', '/healthz', '/health/ready', '/readyz'])
      expect((await fetch(`${server.url}${path}`)).status).toBe(200);
    const missing = await fetch(`${server.url}/health`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: 'not found; endpoints: /metrics, /health/live, /healthz, /health/ready, /readyz',
    });
  });

  it('serves health alone when given no metrics paths', async () => {
    server = await startMetricsServer({
      registry: createMetrics({ processMetrics: false }).registry,
      port: 0,
      readiness: [],
      metricsPaths: [],
    });
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);
  });

  it('a taken port fails with LISTEN_FAILED naming it', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      await expect(
        startMetricsServer({
          registry: createMetrics({ processMetrics: false }).registry,
          port,
          readiness: [],
        }),
      ).rejects.toMatchObject({
        code: 'LISTEN_FAILED',
        message: expect.stringContaining(`127.0.0.1:${port}`),
      });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
