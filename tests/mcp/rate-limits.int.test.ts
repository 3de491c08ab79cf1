import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpServer } from '@modelcontextprotocol/server';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { createConfigStore, resolveConfig } from '../../infra/config/index.ts';
import { EaioError } from '../../infra/errors/index.ts';
import { createLogger } from '../../infra/logging/index.ts';
import { createMetrics, type EaioMetrics, METRIC_NAMES } from '../../infra/metrics/index.ts';
import { createRedis } from '../../infra/redis/index.ts';
import {
  type AnyTool,
  createHttpRequestLimiter,
  createRedisToolCallLimiter,
  defineTool,
  IDEMPOTENT_WRITE_TOOL,
  LOCAL_ADMIN,
  type McpReads,
  principal,
  type RateLimitSettings,
  RateLimitsUnavailableError,
  type RateLimitWindows,
  registerTools,
  SCOPES,
  SERVER_INFO,
  startMcpHttpServer,
  TOOL_NAMES,
  TOOLS,
  type ToolCall,
  type ToolCallLimiter,
  type ToolName,
} from '../../mcp-adapter/index.ts';
import { createTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { waitFor } from '../support/wait-for.ts';

// Limits on the real Redis, each test under its own key prefix; only the query layer (the tools' seam) is hand-written.

const redisUrl = inject('endpoints').redisUrl;
const PREFIX = `test:limits_${randomBytes(3).toString('hex')}:`;
const clients: Redis[] = [];
let caseNo = 0;

/** A client on the test's Redis (or on `url`), under a key prefix of its own unless `prefix` is shared. */
function redisClient(prefix = `${PREFIX}${++caseNo}:`, url = redisUrl): Redis {
  const client = createRedis({ url, keyPrefix: prefix });
  client.on('error', () => undefined);
  clients.push(client);
  return client;
}

afterAll(async () => {
  const admin = createRedis({ url: redisUrl, keyPrefix: '' });
  const keys = await admin.keys(`${PREFIX}*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
  for (const c of clients) c.disconnect();
});

const call = (tool: ToolName, subject = 'alice', readOnly = true): ToolCall => ({
  tool,
  principal: principal(subject, 'admin', '*'),
  args: {},
  readOnly,
});

/** Whether `limiter` admits the call; the RATE_LIMITED error when it refuses. */
async function admits(limiter: ToolCallLimiter, c: ToolCall): Promise<true | EaioError> {
  try {
    await limiter.admit(c);
    return true;
  } catch (error) {
    if (error instanceof EaioError && error.code === 'RATE_LIMITED') return error;
    throw error;
  }
}

const counterValue = async (metrics: EaioMetrics, name: string, labels: Record<string, string>) => {
  const metric = metrics.registry.getSingleMetric(name);
  const values = (await metric?.get())?.values ?? [];
  return values
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((sum, v) => sum + v.value, 0);
};

/** An admin tool that changes nothing, to see how the limits treat tools that are not read-only. */
const adminProbe = defineTool({
  name: 'redrive_probe' as ToolName,
  title: 'Admin probe',
  description: 'Does nothing; stands for an admin tool in tests.',
  input: z.object({}),
  output: z.object({ done: z.boolean() }),
  annotations: IDEMPOTENT_WRITE_TOOL,
  scope: SCOPES.admin,
  async handle() {
    return { structured: { done: true }, text: 'done' };
  },
});

/** The query layer of Office_A with one reading: all `get_latest_readings` needs. */
const reads = {
  latestReadingsAnswer: async () => ({
    data: [
      {
        meterId: 'Office_A:electricity',
        meterKind: 'electricity',
        value: 1.5,
        unit: 'kWh',
        occurredAt: new Date('2016-01-01T00:00:00Z'),
      },
    ],
    provenance: [],
    dataUntil: new Date('2016-01-01T00:00:00Z'),
    stale: false,
  }),
  building: async () => ({ buildingId: 'Office_A' }),
} as unknown as McpReads;

/** An MCP server over HTTP with the tools (and the admin probe) under `limiter`, and a client of it. */
async function serveWith(limiter: ToolCallLimiter, metrics?: EaioMetrics) {
  const tools: readonly AnyTool<McpReads>[] = [...TOOLS, adminProbe];
  const server = await startMcpHttpServer({
    host: '127.0.0.1',
    port: 0,
    // Limits are per principal: callers here are the factory's local principal, without tokens.
    auth: { mode: 'none' },
    logger: createLogger({ level: 'warn', component: 'test:limits' }),
    factory: () => {
      const mcp = new McpServer(SERVER_INFO);
      registerTools(
        mcp,
        tools,
        { queries: reads, principal: LOCAL_ADMIN, now: Date.now },
        { limiter, ...(metrics ? { metrics } : {}) },
      );
      return mcp;
    },
  });
  const client = new Client({ name: 'limits-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
  return {
    async call(name: string, args: Record<string, unknown> = {}) {
      const result = await client.callTool({ name, arguments: args });
      const text = (result.content as { text?: string }[]).map((c) => c.text ?? '').join('\n');
      return { isError: result.isError === true, text };
    },
    async close() {
      await client.close();
      await server.close();
    },
  };
}

const SHORT: Partial<RateLimitWindows> = { sustainedSeconds: 2, burstSeconds: 4 };
const officeA = { buildingId: 'Office_A' };

describe('tool-call rate limits on Redis', () => {
  it('refuses a call over the limit with an isError result naming the retry time, and admits again after the window', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const limiter = createRedisToolCallLimiter({
      redis: redisClient(),
      limits: { requestsPerMinute: 3, burst: 1 },
      windows: SHORT,
      metrics,
    });
    const mcp = await serveWith(limiter);
    try {
      for (let i = 0; i < 4; i++) {
        const answer = await mcp.call(TOOL_NAMES.getLatestReadings, officeA);
        expect(answer.isError, `call ${i + 1} (3 sustained + 1 burst)`).toBe(false);
      }
      const refusedAt = Date.now();
      const refused = await mcp.call(TOOL_NAMES.getLatestReadings, officeA);
      expect(refused.isError).toBe(true);
      expect(refused.text).toMatch(
        /^Rate limit reached: 'local' made 3 tool calls in 2 s \(and used its burst of 1\)\. Retry in [12] s\.$/,
      );
      expect(await counterValue(metrics, METRIC_NAMES.mcpRateLimited, { limit: 'principal' })).toBe(1);

      const readmitted = await waitFor(
        'a call admitted after the window',
        async () =>
          (await mcp.call(TOOL_NAMES.getLatestReadings, officeA)).isError ? undefined : Date.now(),
        { timeoutMs: 10_000, intervalMs: 100 },
      );
      // Admitted again once the sustained window (2 s, started with the first call) is over, not before.
      expect(readmitted - refusedAt).toBeGreaterThanOrEqual(1_000);
      expect(readmitted - refusedAt).toBeLessThanOrEqual(2_500);
      expect(await mcp.call(TOOL_NAMES.getLatestReadings, officeA)).toMatchObject({ isError: false });
    } finally {
      await mcp.close();
    }
  });

  it('holds across two limiter instances (two adapters) and across a restart of the limiter', async () => {
    const shared = `${PREFIX}shared:`;
    const limits: RateLimitSettings = { requestsPerMinute: 4, burst: 0 };
    const adapterA = createRedisToolCallLimiter({ redis: redisClient(shared), limits });
    const clientB = redisClient(shared);
    const adapterB = createRedisToolCallLimiter({ redis: clientB, limits });

    for (const limiter of [adapterA, adapterB, adapterA, adapterB])
      expect(await admits(limiter, call(TOOL_NAMES.queryConsumption, 'bob'))).toBe(true);
    const refusedByA = await admits(adapterA, call(TOOL_NAMES.compareToPeers, 'bob'));
    const refusedByB = await admits(adapterB, call(TOOL_NAMES.getLatestReadings, 'bob'));
    expect(refusedByA).toBeInstanceOf(EaioError);
    expect(refusedByB).toBeInstanceOf(EaioError);
    expect(Number((refusedByB as EaioError).context.retryInMs)).toBeGreaterThan(50_000);
    // Per principal: another caller has its own count.
    expect(await admits(adapterB, call(TOOL_NAMES.queryConsumption, 'carol'))).toBe(true);

    // A restarted adapter: a new client and limiter find the count where the others left it.
    await clientB.quit();
    const restarted = createRedisToolCallLimiter({ redis: redisClient(shared), limits });
    expect(await admits(restarted, call(TOOL_NAMES.queryConsumption, 'bob'))).toBeInstanceOf(EaioError);
    const keys = await redisClient(shared).keys(`${shared}mcp:rl:*`);
    expect(keys.map((k) => k.slice(shared.length)).sort()).toEqual(['mcp:rl:bob', 'mcp:rl:carol']);
  });

  it('adds per-tool limits and a daily quota per principal', async () => {
    const limiter = createRedisToolCallLimiter({
      redis: redisClient(),
      limits: { requestsPerMinute: 100, burst: 0, tools: { [TOOL_NAMES.weatherImpact]: 2 }, dailyQuota: 5 },
    });
    expect(await admits(limiter, call(TOOL_NAMES.weatherImpact))).toBe(true);
    expect(await admits(limiter, call(TOOL_NAMES.weatherImpact))).toBe(true);
    const toolRefusal = await admits(limiter, call(TOOL_NAMES.weatherImpact));
    expect(toolRefusal).toBeInstanceOf(EaioError);
    expect((toolRefusal as EaioError).context.limit).toBe('tool');
    expect((toolRefusal as EaioError).message).toContain('2 calls of weather_impact');
    // Other tools still pass until the quota of 5 admitted calls is used (2 of weather_impact, 3 more).
    for (let i = 0; i < 3; i++) expect(await admits(limiter, call(TOOL_NAMES.listAnomalies))).toBe(true);
    const quotaRefusal = await admits(limiter, call(TOOL_NAMES.listAnomalies));
    expect((quotaRefusal as EaioError).context.limit).toBe('quota');
    expect(Number((quotaRefusal as EaioError).context.retryInMs)).toBeGreaterThan(86_000_000);
  });

  it('applies a live change of mcp.rateLimit.requestsPerMinute from the next call, without a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eaio-limits-'));
    const file = join(dir, 'eaio.config.json');
    const save = (requestsPerMinute: number) =>
      writeFileSync(file, JSON.stringify({ mcp: { rateLimit: { requestsPerMinute, burst: 1 } } }));
    save(2);
    const store = createConfigStore(resolveConfig({ env: {}, cwd: dir }), { watchFile: false, signal: null });
    try {
      const limiter = createRedisToolCallLimiter({
        redis: redisClient(),
        // As the platform wires it: the running section, read on every check.
        limits: () => store.current().config.mcp.rateLimit,
      });
      for (let i = 0; i < 3; i++) expect(await admits(limiter, call(TOOL_NAMES.listAnomalies))).toBe(true);
      const refused = await admits(limiter, call(TOOL_NAMES.listAnomalies));
      expect((refused as EaioError).message).toContain('made 2 tool calls');

      save(5);
      expect(store.reload('manual')).toMatchObject({
        status: 'applied',
        changed: ['mcp.rateLimit.requestsPerMinute'],
      });
      // The window's count (4 calls so far, the refused one included) is kept; the new limit admits one more.
      expect(await admits(limiter, call(TOOL_NAMES.listAnomalies))).toBe(true);
      const refusedAgain = await admits(limiter, call(TOOL_NAMES.listAnomalies));
      expect((refusedAgain as EaioError).message).toContain('made 5 tool calls');
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('with Redis unreachable', () => {
    let proxy: TcpProxy;
    afterEach(async () => proxy?.close());

    it('admits read tools on per-process limits and counts the fallback, and refuses admin tools naming Redis', async () => {
      const { hostname, port } = new URL(redisUrl);
      proxy = await createTcpProxy({ host: hostname, port: Number(port || 6379) });
      const redis = redisClient(undefined, `redis://${proxy.host}:${proxy.port}`);
      const metrics = createMetrics({ processMetrics: false });
      const limiter = createRedisToolCallLimiter({
        redis,
        limits: { requestsPerMinute: 2, burst: 0 },
        metrics,
      });
      const mcp = await serveWith(limiter, metrics);
      try {
        await waitFor('redis ready', async () => (redis.status === 'ready' ? true : undefined));
        expect(await mcp.call('redrive_probe')).toMatchObject({ isError: false });
        expect(await counterValue(metrics, METRIC_NAMES.mcpRateLimitFallback, {})).toBe(0);

        proxy.cut();
        await waitFor('redis disconnected', async () => (redis.status === 'ready' ? undefined : true));

        const read = await mcp.call(TOOL_NAMES.getLatestReadings, officeA);
        expect(read.isError).toBe(false);
        expect(await counterValue(metrics, METRIC_NAMES.mcpRateLimitFallback, { limiter: 'tools' })).toBe(1);

        const admin = await mcp.call('redrive_probe');
        expect(admin.isError).toBe(true);
        expect(admin.text).toMatch(
          /^Redis, which holds the rate limits, is unreachable, so redrive_probe \(not read-only\) is refused/,
        );
        await expect(limiter.admit(call(TOOL_NAMES.getLatestReadings, 'dave', false))).rejects.toBeInstanceOf(
          RateLimitsUnavailableError,
        );

        // The per-process limits are limits: the second read call spends them, the third is refused.
        expect(await mcp.call(TOOL_NAMES.getLatestReadings, officeA)).toMatchObject({ isError: false });
        const third = await mcp.call(TOOL_NAMES.getLatestReadings, officeA);
        expect(third.isError).toBe(true);
        expect(third.text).toContain('Rate limit reached');
        expect(await counterValue(metrics, METRIC_NAMES.mcpRateLimitFallback, { limiter: 'tools' })).toBe(3);

        proxy.restore();
        await waitFor('redis reconnected', async () => (redis.status === 'ready' ? true : undefined), {
          timeoutMs: 30_000,
        });
        // Back on Redis, whose count (one call before the cut) still has room.
        expect(await mcp.call('redrive_probe')).toMatchObject({ isError: false });
        expect(await counterValue(metrics, METRIC_NAMES.mcpRateLimitFallback, {})).toBe(3);
      } finally {
        await mcp.close();
      }
    });
  });
});

/** A port nothing listens on: a Redis that was never reachable. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('a process started while Redis is down', () => {
  it('gives up waiting for the first connection when it is refused, then falls back at once', async () => {
    const redis = redisClient(undefined, `redis://127.0.0.1:${await closedPort()}`);
    const metrics = createMetrics({ processMetrics: false });
    const limiter = createRedisToolCallLimiter({
      redis,
      limits: { requestsPerMinute: 1, burst: 1 },
      metrics,
    });
    const started = performance.now();
    expect(await admits(limiter, call(TOOL_NAMES.listAnomalies))).toBe(true);
    expect(await admits(limiter, call(TOOL_NAMES.listAnomalies))).toBe(true);
    expect(await admits(limiter, call(TOOL_NAMES.listAnomalies))).toBeInstanceOf(EaioError);
    // Refused connections end the wait long before its 2 s bound.
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(await counterValue(metrics, METRIC_NAMES.mcpRateLimitFallback, { limiter: 'tools' })).toBe(3);
    await expect(limiter.admit(call(TOOL_NAMES.listAnomalies, 'erin', false))).rejects.toBeInstanceOf(
      RateLimitsUnavailableError,
    );
  });

  it('keeps the HTTP session limit per process', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const limiter = createHttpRequestLimiter({
      redis: redisClient(undefined, `redis://127.0.0.1:${await closedPort()}`),
      limits: { requestsPerMinute: 1, burst: 1 },
      metrics,
    });
    const server = createServer(async (req, res) => {
      if (await limiter(req, res)) res.writeHead(200).end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
      expect([(await fetch(url)).status, (await fetch(url)).status, (await fetch(url)).status]).toEqual([
        200, 200, 429,
      ]);
      expect(await counterValue(metrics, METRIC_NAMES.mcpRateLimitFallback, { limiter: 'http' })).toBe(3);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('the HTTP session limit', () => {
  let server: Server;
  let url: string;
  const metrics = createMetrics({ processMetrics: false });

  beforeAll(async () => {
    const limiter = createHttpRequestLimiter({
      redis: redisClient(),
      limits: { requestsPerMinute: 2, burst: 1 },
      metrics,
    });
    server = createServer(async (req, res) => {
      // Stands for the auth layer: a verified token's subject on `req.auth`.
      const subject = req.headers['x-test-subject'];
      if (typeof subject === 'string')
        (req as IncomingMessage & { auth?: unknown }).auth = { extra: { subject } };
      if (!(await limiter(req, res))) return;
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('answers 429 with Retry-After in seconds and a JSON body once a client is over its limit', async () => {
    for (let i = 0; i < 3; i++) expect((await fetch(url)).status, `request ${i + 1}`).toBe(200);
    const refused = await fetch(url);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('content-type')).toBe('application/json');
    const body = (await refused.json()) as { error: string; message: string; retryAfterSeconds: number };
    expect(body).toMatchObject({ error: 'rate_limited', retryAfterSeconds: retryAfter });
    expect(body.message).toMatch(
      /^Too many requests from ip:127\.0\.0\.1: the limit is 2 per 60 s with a burst of 1\./,
    );
    expect(await counterValue(metrics, METRIC_NAMES.mcpRateLimited, { limiter: 'http' })).toBe(1);
  });

  it("counts a verified token's subject, not the address it comes from", async () => {
    const as = (subject: string) => fetch(url, { headers: { 'x-test-subject': subject } });
    for (let i = 0; i < 3; i++) expect((await as('erin')).status).toBe(200);
    expect((await as('erin')).status).toBe(429);
    // Same address, another subject: its own count.
    expect((await as('frank')).status).toBe(200);
  });
});
