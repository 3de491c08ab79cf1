import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { type AuthInfo, type McpRequestContext, McpServer } from '@modelcontextprotocol/server';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createPlatformAuditTrail,
  type RunningProjector,
  rebuildNamedProjection,
  runProjector,
} from '../../app/index.ts';
import { createLogger } from '../../infra/logging/index.ts';
import { createMetrics, type EaioMetrics } from '../../infra/metrics/index.ts';
import { createTracing, type Tracing } from '../../infra/telemetry/index.ts';
import {
  ALL_TENANTS,
  AUDIT_UNRECORDED_METRIC,
  auditTrailMetrics,
  createKafkaAuditTrail,
  createMcpServerFactory,
  defineTool,
  IDEMPOTENT_WRITE_TOOL,
  type PrincipalClaims,
  principal,
  READ_ONLY_TOOL,
  ROLE_SCOPES,
  type RunningToolAuditTrail,
  registerTools,
  SCOPES,
  SERVER_INFO,
  TOOL_NAMES,
  type ToolName,
} from '../../mcp-adapter/index.ts';
import {
  type AuditRecordView,
  auditLogProjection,
  createQueryLayer,
  type QueryLayer,
  queryAuditRecords,
} from '../../projections/index.ts';
import type { AuditRecord } from '../../schemas/index.ts';
import { spawnEaio } from '../support/spawn-eaio.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

const BIN = fileURLToPath(new URL('../../bin/eaio.js', import.meta.url));
const JWT =
  'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZ2VudDo0MiIsInJvbGUiOiJhZG1pbiJ9.c2lnbmF0dXJlLWJ5dGVz';
const ADMIN: PrincipalClaims = { subject: 'agent:auditor', role: 'admin', tenant: ALL_TENANTS };
const VIEWER: PrincipalClaims = { subject: 'agent:viewer-1', role: 'viewer', tenant: 't1' };

interface ToolResult {
  readonly isError: boolean;
  readonly text: string;
  readonly structured: Record<string, unknown> | undefined;
}

async function callTool(client: Client, name: string, args: Record<string, unknown>): Promise<ToolResult> {
  const result = await client.callTool({ name, arguments: args });
  return {
    isError: result.isError === true,
    text: (result.content as { text?: string }[]).map((c) => c.text ?? '').join('\n'),
    structured: result.structuredContent as Record<string, unknown> | undefined,
  };
}

/** Two test tools, one that writes (its audit is awaited) and one that reads (batched). */
const touch = defineTool({
  name: 'touch_for_audit_test' as ToolName,
  title: 'Test write',
  description: 'A tool that is not read-only, for the audit test.',
  input: z.object({ note: z.string().describe('Anything.') }),
  output: z.object({ ok: z.boolean() }),
  annotations: IDEMPOTENT_WRITE_TOOL,
  scope: SCOPES.admin,
  handle: async () => ({ structured: { ok: true }, text: 'ok' }),
});
const peek = defineTool({
  ...touch,
  name: 'peek_for_audit_test' as ToolName,
  description: 'A read-only tool, for the audit test.',
  annotations: READ_ONLY_TOOL,
});

describe('every MCP call audited: MCP client -> audit-log topic -> projector -> audit_records -> list_audit_records and eaio audit list', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let platform: TestPlatform;
  let projector: RunningProjector;
  let metrics: EaioMetrics;
  let trail: RunningToolAuditTrail;
  let queries: QueryLayer;
  let topic: string;
  const clients: Client[] = [];

  /** A real MCP client on a server built by the adapter's factory for the given caller. */
  async function connect(claims: PrincipalClaims): Promise<Client> {
    const authInfo: AuthInfo = {
      token: 'verified-elsewhere',
      clientId: claims.subject,
      scopes: [...ROLE_SCOPES[claims.role]],
      extra: { ...claims },
    };
    const context: McpRequestContext = { era: 'modern', authInfo };
    const server = (await createMcpServerFactory(queries, { audit: trail })(context)) as McpServer;
    return linked(server);
  }

  async function linked(server: McpServer): Promise<Client> {
    const client = new Client({ name: 'eaio-audit-e2e', version: '1.0.0' });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    await client.connect(clientSide);
    clients.push(client);
    return client;
  }

  /** A server with only the two test tools, audited by `audit`, for the admin. */
  function testToolsClient(audit: RunningToolAuditTrail): Promise<Client> {
    const server = new McpServer(SERVER_INFO);
    registerTools(
      server,
      [touch, peek],
      { queries, principal: principal(ADMIN.subject, 'admin', ALL_TENANTS), now: Date.now },
      { audit },
    );
    return linked(server);
  }

  async function topicEnd(): Promise<number> {
    const admin = platform.kafka.admin();
    await admin.connect();
    try {
      return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
    } finally {
      await admin.disconnect();
    }
  }

  async function rowsOf(actor: string, count: number): Promise<AuditRecordView[]> {
    return waitFor(`${count} audit rows of ${actor}`, async () => {
      const rows = await queryAuditRecords(platform.pool, { actor });
      return rows.length >= count ? rows : undefined;
    });
  }

  beforeAll(async () => {
    // Registered before any component exists: the tool-call spans go to the global tracer.
    tracing = createTracing({ serviceName: 'eaio-audit-test', exporter, processor: 'simple' });
    platform = await createTestPlatform('audit');
    topic = platform.names.topic('auditLog');
    projector = await runProjector(platform, { projections: [auditLogProjection] });
    metrics = createMetrics({ processMetrics: false });
    trail = createPlatformAuditTrail(platform, metrics);
    queries = createQueryLayer(platform);
  });

  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await trail?.close();
    await projector?.stop();
    await platform?.dispose();
    await tracing?.shutdown();
  });

  it('puts one AuditRecord per call on the audit-log topic: who, which tool, outcome, redacted arguments, provenance', async () => {
    const admin = await connect(ADMIN);
    const viewer = await connect(VIEWER);
    const listed = await callTool(admin, TOOL_NAMES.listAuditRecords, { limit: 5 });
    expect(listed.isError, listed.text).toBe(false);
    const withToken = await callTool(admin, TOOL_NAMES.listAuditRecords, { principal: `Bearer ${JWT}` });
    expect(withToken.isError, withToken.text).toBe(false);
    const denied = await callTool(viewer, TOOL_NAMES.listAuditRecords, { tool: 'anything' });
    expect(denied.isError).toBe(true);
    expect(denied.text).toMatch(/needs the scope 'admin'.*no data was read/);
    expect(denied.structured).toBeUndefined();
    await trail.flush();

    const messages = await platform.readAll(topic, 3);
    expect(messages).toHaveLength(3);
    for (const m of messages) expect(m.value?.toString('latin1')).not.toContain(JWT);
    const records: AuditRecord[] = [];
    for (const m of messages) {
      const record = (await platform.codec.decode('auditLog', m.value)).value;
      expect(m.key?.toString()).toBe(record.actor);
      records.push(record);
    }
    const byAdmin = records.filter((r) => r.actor === ADMIN.subject);
    expect(byAdmin.map((r) => [r.action, r.target, r.outcome])).toEqual([
      ['mcp.tool.call', 'list_audit_records', 'success'],
      ['mcp.tool.call', 'list_audit_records', 'success'],
    ]);
    expect(byAdmin.map((r) => JSON.parse(r.details.arguments ?? 'null'))).toEqual([
      { limit: 5 },
      { principal: 'Bearer [REDACTED]', limit: 100 },
    ]);
    for (const r of byAdmin) {
      expect(r.details).toMatchObject({ tenant: '*', role: 'admin', readOnly: 'true', callOutcome: 'ok' });
      expect(Number(r.details.durationMs)).toBeGreaterThan(0);
      // The answer came from the audit-log read model; its generation and offsets are named.
      expect(r.details.provenance).toMatch(/^audit-log@g1/);
    }
    const byViewer = records.filter((r) => r.actor === VIEWER.subject);
    expect(byViewer).toHaveLength(1);
    expect(byViewer[0]).toMatchObject({
      source: 'mcp-adapter',
      target: 'list_audit_records',
      outcome: 'denied',
      details: { tenant: 't1', role: 'viewer', errorCode: 'ACCESS_DENIED', callOutcome: 'denied' },
    });
    expect(JSON.parse(byViewer[0]?.details.arguments ?? 'null')).toEqual({ tool: 'anything' });
    // Each record names the span of its call, the denied one included.
    const callSpans = exporter
      .getFinishedSpans()
      .filter((s) => s.name === `tools/call ${TOOL_NAMES.listAuditRecords}`)
      .map((s) => `${s.spanContext().traceId}-${s.spanContext().spanId}`);
    expect(callSpans).toHaveLength(3);
    const named = records.map((r) => r.traceContext?.traceparent.split('-').slice(1, 3).join('-'));
    expect(named.sort()).toEqual(callSpans.sort());
  });

  it('projects them into audit_records, which list_audit_records returns with its provenance', async () => {
    const admin = await connect(ADMIN);
    await rowsOf(VIEWER.subject, 1);
    const answer = await callTool(admin, TOOL_NAMES.listAuditRecords, {
      principal: VIEWER.subject,
      tool: TOOL_NAMES.listAuditRecords,
    });
    expect(answer.isError, answer.text).toBe(false);
    const structured = answer.structured as {
      records: { actor: string; outcome: string; tenant: string; details: Record<string, string> }[];
      provenance: { readModel: string; generation: number; offsets: { topic: string }[] }[];
    };
    expect(structured.records).toHaveLength(1);
    expect(structured.records[0]).toMatchObject({
      actor: VIEWER.subject,
      outcome: 'denied',
      tenant: 't1',
      details: { errorCode: 'ACCESS_DENIED' },
    });
    expect(structured.provenance.map((p) => [p.readModel, p.generation])).toEqual([['audit-log', 1]]);
    expect(structured.provenance[0]?.offsets.every((o) => o.topic === topic)).toBe(true);
    const denials = await callTool(admin, TOOL_NAMES.listAuditRecords, { outcome: 'denied' });
    expect((denials.structured as { records: unknown[] }).records).toHaveLength(1);
  });

  it('`eaio audit list` prints them as a table or JSON', async () => {
    await rowsOf(ADMIN.subject, 2);
    const json = spawnEaio(
      [
        'audit',
        'list',
        '--principal',
        VIEWER.subject,
        '--tool',
        TOOL_NAMES.listAuditRecords,
        '--since',
        '1h',
        '--json',
      ],
      platform.childEnv,
    );
    expect(await json.exited(), json.stderr()).toBe(0);
    const listed = JSON.parse(json.stdout()) as {
      records: AuditRecordView[];
      provenance: { projection: string }[];
    };
    expect(listed.records.map((r) => [r.actor, r.target, r.outcome])).toEqual([
      [VIEWER.subject, TOOL_NAMES.listAuditRecords, 'denied'],
    ]);
    expect(listed.provenance.map((p) => p.projection)).toEqual(['audit-log']);

    const table = spawnEaio(
      ['audit', 'list', '--principal', ADMIN.subject, '--since', '1h'],
      platform.childEnv,
    );
    expect(await table.exited(), table.stderr()).toBe(0);
    const lines = table.stdout().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TIME\s+PRINCIPAL\s+TENANT\s+TOOL\s+OUTCOME/);
    const rows = lines.filter((l) => l.includes(ADMIN.subject));
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.some((l) => l.includes('Bearer [REDACTED]'))).toBe(true);
    expect(table.stdout()).not.toContain(JWT);
    expect(lines.at(-1)).toMatch(/record\(s\); read from audit-log generation 1/);
  });

  it('has the broker acknowledge the record of a tool that is not read-only before the answer is sent', async () => {
    // Read-only records would wait a minute in this trail's buffer; only an awaited send is on the topic.
    const slow = createKafkaAuditTrail({
      producer: () => platform.producer(),
      topic,
      encode: (r) => platform.codec.encode('auditLog', r),
      logger: platform.logger,
      lingerMs: 60_000,
    });
    const client = await testToolsClient(slow);
    const before = await topicEnd();
    expect((await callTool(client, 'touch_for_audit_test', { note: `token=${JWT}` })).isError).toBe(false);
    expect(await topicEnd()).toBe(before + 1);
    expect((await callTool(client, 'peek_for_audit_test', { note: 'x' })).isError).toBe(false);
    expect(await topicEnd()).toBe(before + 1);
    await slow.close();
    expect(await topicEnd()).toBe(before + 2);
    const [touched] = await waitFor('the write call projected', async () => {
      const rows = await queryAuditRecords(platform.pool, { target: 'touch_for_audit_test' });
      return rows.length > 0 ? rows : undefined;
    });
    expect(touched?.details).toMatchObject({
      readOnly: 'false',
      arguments: JSON.stringify({ note: 'token=[REDACTED]' }),
    });
  });

  it('withholds the answer of a non-read-only call it cannot audit, and counts every lost record', async () => {
    const lossMetrics = createMetrics({ processMetrics: false });
    const logged: { msg: string; reason: string }[] = [];
    const broken = createKafkaAuditTrail({
      producer: () => platform.producer(),
      topic,
      encode: () => Promise.reject(new Error('audit encoding refused')),
      logger: createLogger({ destination: { write: (line: string) => void logged.push(JSON.parse(line)) } }),
      ...auditTrailMetrics(lossMetrics, topic),
    });
    const client = await testToolsClient(broken);
    const write = await callTool(client, 'touch_for_audit_test', { note: 'x' });
    expect(write.isError).toBe(true);
    expect(write.text).toMatch(/could not be audited .*answer is withheld/);
    expect(write.structured).toBeUndefined();
    const read = await callTool(client, 'peek_for_audit_test', { note: 'x' });
    expect(read.isError, read.text).toBe(false);
    await broken.close();
    const counted = await lossMetrics.registry.getSingleMetric(AUDIT_UNRECORDED_METRIC)?.get();
    expect(counted?.values).toEqual([{ labels: { reason: 'encode-failed' }, value: 2 }]);
    expect(logged.map((l) => [l.reason, l.msg])).toEqual([
      ['encode-failed', 'audit record not acknowledged; the call is answered with an error'],
      ['encode-failed', 'audit records of read-only tool calls lost'],
    ]);
  });

  it('refuses a non-read-only call whose record the broker does not acknowledge in time', async () => {
    // A broker that accepts connections and never answers: the producer waits, the call must not.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const producer = new Kafka({ brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING }).producer({
      idempotent: true,
    });
    const connecting = producer.connect().then(() => producer);
    connecting.catch(() => undefined);
    const unanswered = createKafkaAuditTrail({
      producer: () => connecting,
      topic,
      encode: (r) => platform.codec.encode('auditLog', r),
      logger: createLogger({ level: 'silent' }),
      ackTimeoutMs: 300,
    });
    try {
      const client = await testToolsClient(unanswered);
      const started = performance.now();
      const write = await callTool(client, 'touch_for_audit_test', { note: 'x' });
      expect(write.isError).toBe(true);
      expect(write.text).toMatch(/no acknowledgement from the broker within 300 ms.*answer is withheld/);
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      // No new connections, the open ones cut: the producer's connect fails fast and it can stop.
      const closed = new Promise((resolve) => silent.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
      await producer.disconnect().catch(() => undefined);
    }
  });

  it('`eaio mcp --stdio` audits every call of its agent', async () => {
    const client = new Client({ name: 'eaio-audit-stdio', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [BIN, 'mcp', '--stdio'],
        env: { ...getDefaultEnvironment(), ...platform.childEnv },
        stderr: 'pipe',
      }),
    );
    clients.push(client);
    const answer = await callTool(client, TOOL_NAMES.listAuditRecords, { principal: 'nobody', limit: 1 });
    expect(answer.isError, answer.text).toBe(false);
    const [row] = await rowsOf('local', 1);
    expect(row).toMatchObject({ target: TOOL_NAMES.listAuditRecords, outcome: 'success', tenant: '*' });
    expect(JSON.parse(row?.details.arguments ?? 'null')).toEqual({ principal: 'nobody', limit: 1 });
  });

  it('rebuilds the audit-log read model from the topic into a new generation with the same rows', async () => {
    const end = await topicEnd();
    const count = async () =>
      Number(
        (await platform.pool.query<{ n: string }>('SELECT count(*) AS n FROM audit_records')).rows[0]?.n,
      );
    await waitFor(`all ${end} audit records projected`, async () =>
      (await count()) === end ? true : undefined,
    );
    const snapshot = () =>
      platform.pool.query(
        'SELECT event_id, occurred_at, actor, action, target, outcome, tenant, details, traceparent FROM audit_records ORDER BY event_id',
      );
    const before = (await snapshot()).rows;
    const rebuilt = await rebuildNamedProjection(platform, 'audit-log');
    expect([rebuilt.previous, rebuilt.generation]).toEqual([1, 2]);
    expect((await snapshot()).rows).toEqual(before);
    const answer = await queries.auditRecords({ limit: 1 });
    expect(answer.provenance.map((p) => [p.projection, p.generation])).toEqual([['audit-log', 2]]);
  });
});
