import type { Client } from '@modelcontextprotocol/client';
import { type SpanContext, SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningProjector, runProjector } from '../../app/index.ts';
import { readTopicToEnd } from '../../infra/kafka/index.ts';
import { createTracing, inSpan, type Tracing } from '../../infra/telemetry/index.ts';
import {
  createMcpServerFactory,
  type RunningMcpHttpServer,
  startMcpHttpServer,
  TOOL_NAMES,
} from '../../mcp-adapter/index.ts';
import { type RunningProcessor, readingsByBuildingProcessor, runProcessor } from '../../processors/index.ts';
import { createQueryLayer } from '../../projections/index.ts';
import type { SensorReading } from '../../schemas/index.ts';
import { publishReadings } from '../../sources/index.ts';
import { hourlyReadings } from '../support/readings.ts';
import { connectWithToken, testAuth } from '../support/test-auth.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

/** The finished span named `name` that satisfies `where`, once the exporter holds it. */
function spanOf(
  exporter: InMemorySpanExporter,
  name: string,
  where: (span: ReadableSpan) => boolean = () => true,
): Promise<ReadableSpan> {
  return waitFor(`span '${name}'`, async () =>
    exporter.getFinishedSpans().find((s) => s.name === name && where(s)),
  );
}

const isChildOf = (span: ReadableSpan, parent: SpanContext) =>
  span.parentSpanContext?.traceId === parent.traceId && span.parentSpanContext?.spanId === parent.spanId;

const linksTo = (span: ReadableSpan, target: SpanContext) =>
  span.links.some((l) => l.context.traceId === target.traceId && l.context.spanId === target.spanId);

describe('one trace from a reading produced to the MCP answer that returns it', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let platform: TestPlatform;
  let projector: RunningProjector | undefined;
  let processor: RunningProcessor | undefined;
  let mcp: RunningMcpHttpServer;
  let client: Client;
  const buildingId = 'Traced_Building';
  const [reading] = hourlyReadings(buildingId, 1, 1) as [SensorReading];
  let ingest: SpanContext;

  beforeAll(async () => {
    // Registered before any component exists: they all default to the global tracer.
    tracing = createTracing({ serviceName: 'eaio-tracing-test', exporter, processor: 'simple' });
    platform = await createTestPlatform('tracing');
    const deps = await platform.feedDeps();
    ingest = await inSpan(tracing.tracer, 'ingest', {}, async (span) => {
      await publishReadings(deps, [reading]);
      return span.spanContext();
    });
    projector = await runProjector(platform);
    processor = await runProcessor({ ...platform, sessionTimeoutMs: 6_000 }, readingsByBuildingProcessor);
    const identity = await testAuth();
    mcp = await startMcpHttpServer({
      host: '127.0.0.1',
      port: 0,
      auth: identity.auth,
      factory: createMcpServerFactory(createQueryLayer(platform)),
      logger: platform.logger,
    });
    client = await connectWithToken(mcp.url, await identity.token(), 'eaio-tracing');
  });

  afterAll(async () => {
    await client?.close();
    await mcp?.close();
    await processor?.stop();
    await projector?.stop();
    await platform?.dispose();
    await tracing?.shutdown();
  });

  const producerSpan = () =>
    spanOf(exporter, `send ${platform.names.topic('sensorReadings')}`, (s) => isChildOf(s, ingest));

  it('makes one PRODUCER span per send, a child of the span it was sent in, with messaging attributes', async () => {
    const send = await producerSpan();
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(send.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
      'messaging.destination.name': platform.names.topic('sensorReadings'),
      'messaging.batch.message_count': 1,
    });
  });

  it('makes each projector write for that reading a child of the producer span', async () => {
    const send = (await producerSpan()).spanContext();
    for (const projection of ['readings', 'latest-readings']) {
      const write = await spanOf(exporter, `project ${projection}`, (s) => isChildOf(s, send));
      expect(write.spanContext().traceId).toBe(ingest.traceId);
      expect(write.kind).toBe(SpanKind.CONSUMER);
      expect(write.attributes).toMatchObject({
        'eaio.projection': projection,
        'messaging.operation.type': 'process',
        'messaging.batch.message_count': 1,
      });
    }
  });

  it("makes the processor's batch span a child of the producer span, and its output carries that span's context", async () => {
    const send = (await producerSpan()).spanContext();
    const processing = await spanOf(exporter, 'process readings-by-building', (s) => isChildOf(s, send));
    expect(processing.kind).toBe(SpanKind.CONSUMER);
    expect(processing.attributes['messaging.consumer.group.name']).toBe(processor?.groupId);
    const expected = `00-${ingest.traceId}-${processing.spanContext().spanId}-01`;
    // The span ends after the transaction committed, so the output is in the log by now.
    const [output] = await readTopicToEnd(platform.kafka, platform.names.topic('readingsByBuilding'));
    expect(output?.message.headers?.traceparent?.toString()).toBe(expected);
    const decoded = await platform.codec.decode('readingsByBuilding', output?.message.value ?? null);
    const event = decoded.value as SensorReading;
    expect(event.eventId).toBe(reading.eventId);
    expect(event.traceContext?.traceparent).toBe(expected);
  });

  it('links the tool call that returns the value to the projector span that wrote it', async () => {
    const send = (await producerSpan()).spanContext();
    const write = await spanOf(exporter, 'project latest-readings', (s) => isChildOf(s, send));
    const result = await client.callTool({ name: TOOL_NAMES.getLatestReadings, arguments: { buildingId } });
    expect(result.isError).toBeFalsy();
    const answered = (result.structuredContent as { readings: { value: number }[] }).readings;
    expect(answered.map((r) => r.value)).toEqual([reading.value]);

    const call = await spanOf(exporter, `tools/call ${TOOL_NAMES.getLatestReadings}`);
    expect(call.kind).toBe(SpanKind.SERVER);
    expect(call.attributes['gen_ai.tool.name']).toBe(TOOL_NAMES.getLatestReadings);
    expect(linksTo(call, write.spanContext())).toBe(true);
    const redisRead = await spanOf(exporter, 'HGETALL latest-readings', (s) =>
      isChildOf(s, call.spanContext()),
    );
    expect(redisRead.attributes['db.system.name']).toBe('redis');
  });

  it('starts a new trace linking each producer when one batch mixes traces', async () => {
    // Stopped, so both sends wait in the log and the restarted projector fetches them together.
    await projector?.stop();
    projector = undefined;
    const deps = await platform.feedDeps();
    const [a, b] = hourlyReadings('Mixed_Building', 1, 2, Date.UTC(2016, 0, 1));
    const sends: SpanContext[] = [];
    for (const r of [a, b] as SensorReading[]) {
      sends.push(
        await inSpan(tracing.tracer, 'ingest', {}, async (span) => {
          await publishReadings(deps, [r]);
          const send = await spanOf(exporter, `send ${platform.names.topic('sensorReadings')}`, (s) =>
            isChildOf(s, span.spanContext()),
          );
          return send.spanContext();
        }),
      );
    }
    expect(new Set(sends.map((c) => c.traceId)).size).toBe(2);
    projector = await runProjector(platform);
    const write = await spanOf(exporter, 'project latest-readings', (s) => sends.every((c) => linksTo(s, c)));
    expect(write.parentSpanContext).toBeUndefined();
    expect(sends.map((c) => c.traceId)).not.toContain(write.spanContext().traceId);

    const result = await client.callTool({
      name: TOOL_NAMES.getLatestReadings,
      arguments: { buildingId: 'Mixed_Building' },
    });
    expect(result.isError).toBeFalsy();
    const call = await spanOf(exporter, `tools/call ${TOOL_NAMES.getLatestReadings}`, (s) =>
      linksTo(s, write.spanContext()),
    );
    expect(call.links).toHaveLength(1);
  });
});
