import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTelemetryRecorder, type RunningProjector, runProjector } from '../../app/index.ts';
import { createMetrics, METRIC_NAMES } from '../../infra/metrics/index.ts';
import {
  type OperationRecord,
  operationRecorderMetrics,
  type RunningOperationRecorder,
} from '../../infra/operations/index.ts';
import {
  createMcpServerFactory,
  type RunningMcpHttpServer,
  startMcpHttpServer,
  TOOL_ERROR_CODE,
  TOOL_NAMES,
} from '../../mcp-adapter/index.ts';
import { readingAggregatesProcessor, runProcessor } from '../../processors/index.ts';
import { createQueryLayer, operationMinutes, readOperationStats } from '../../projections/index.ts';
import { minuteOf } from '../../projections/operation-stats/index.ts';
import { publishReadings } from '../../sources/index.ts';
import { caughtUp, readEvents } from '../support/processor-runs.ts';
import { hourlyReadings } from '../support/readings.ts';
import { connectWithToken, testAuth } from '../support/test-auth.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

describe('telemetry: the platform records its own work and folds it into operation-stats', () => {
  let platform: TestPlatform;
  let projector: RunningProjector;
  let mcp: RunningMcpHttpServer;
  let client: Client;
  let recorder: RunningOperationRecorder;
  const metrics = createMetrics({ processMetrics: false });
  /** What the components handed the recorder, as they did it. */
  const recorded: OperationRecord[] = [];
  const buildingId = 'Telemetry_Building';
  const readings = hourlyReadings(buildingId, 2, 30);
  const OK_CALLS = 5;
  const FAILING_CALLS = 3;

  beforeAll(async () => {
    platform = await createTestPlatform('telemetry');
    const inner = createTelemetryRecorder({
      producer: () => platform.producer(),
      codec: platform.codec,
      names: platform.names,
      logger: platform.logger,
      source: 'test',
      lingerMs: 50,
      ...operationRecorderMetrics(metrics, platform.names.topic('telemetry')),
    });
    recorder = {
      ...inner,
      record(operation) {
        recorded.push(operation);
        inner.record(operation);
      },
    };
    await publishReadings(await platform.feedDeps(), readings);
    projector = await runProjector(platform);
    await platform.waitForReadings(readings.length);
    const identity = await testAuth();
    mcp = await startMcpHttpServer({
      host: '127.0.0.1',
      port: 0,
      auth: identity.auth,
      factory: createMcpServerFactory(createQueryLayer(platform), { metrics, operations: recorder }),
      logger: platform.logger,
    });
    client = await connectWithToken(mcp.url, await identity.token(), 'eaio-telemetry');
  });

  afterAll(async () => {
    await client?.close();
    await mcp?.close();
    await projector?.stop();
    await platform?.dispose();
  });

  it('records one operation per tool call and per processor batch, and operation-stats counts them per minute', async () => {
    for (let i = 0; i < OK_CALLS; i++) {
      const result = await client.callTool({ name: TOOL_NAMES.getLatestReadings, arguments: { buildingId } });
      expect(result.isError).toBeFalsy();
    }
    for (let i = 0; i < FAILING_CALLS; i++) {
      const result = await client.callTool({
        name: TOOL_NAMES.getLatestReadings,
        arguments: { buildingId: `No_Such_Building_${i}` },
      });
      expect(result.isError).toBe(true);
    }
    const processor = await runProcessor(
      { ...platform, sessionTimeoutMs: 6_000, operations: recorder },
      readingAggregatesProcessor,
    );
    try {
      await caughtUp(platform, processor.groupId, platform.names.topic('sensorReadings'));
    } finally {
      await processor.stop();
    }
    await recorder.flush();

    const toolOperation = `mcp.tool:${TOOL_NAMES.getLatestReadings}`;
    const batchOperation = 'processor.batch:reading-aggregates';
    const batches = recorded.filter((r) => r.operation === batchOperation);
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.reduce((n, b) => n + Number(b.details?.messages), 0)).toBe(readings.length);

    // On the topic: exactly what was recorded, keyed by component.
    const events = await waitFor('every operation on the telemetry topic', async () => {
      const all = await readEvents(platform, 'telemetry');
      return all.length >= recorded.length ? all : undefined;
    });
    expect(events).toHaveLength(recorded.length);
    expect(events.every((e) => e.key === e.value.component)).toBe(true);
    const tools = events.filter((e) => e.value.operation === toolOperation);
    expect(tools).toHaveLength(OK_CALLS + FAILING_CALLS);
    expect(tools.filter((e) => e.value.outcome === 'error').map((e) => e.value.errorCode)).toEqual(
      Array(FAILING_CALLS).fill(TOOL_ERROR_CODE),
    );
    expect(events.filter((e) => e.value.operation === batchOperation)).toHaveLength(batches.length);
    expect(await metrics.registry.getSingleMetric(METRIC_NAMES.mcpToolErrors)?.get()).toMatchObject({
      values: [{ labels: { tool: TOOL_NAMES.getLatestReadings, code: TOOL_ERROR_CODE }, value: 3 }],
    });

    // The read model: per minute, what the events say, counted once each.
    const expected = operationMinutes(
      events.map((e) => ({
        eventId: e.value.eventId,
        minute: minuteOf(e.value.occurredAt),
        component: e.value.component,
        operation: e.value.operation,
        outcome: e.value.outcome,
        errorCode: e.value.errorCode ?? null,
        durationMs: e.value.durationMs,
      })),
    );
    const stats = await waitFor('operation-stats caught up', async () => {
      const rows = await readOperationStats(platform.pool);
      return rows.reduce((n, r) => n + r.calls, 0) === events.length ? rows : undefined;
    });
    const key = (m: { minute: Date; operation: string }) => `${m.minute.toISOString()} ${m.operation}`;
    const figures = (rows: typeof stats) =>
      new Map(rows.map((r) => [key(r), { calls: r.calls, errors: r.errors }]));
    expect(figures(stats)).toEqual(figures(expected));
    const tool = stats.filter((r) => r.operation === toolOperation);
    expect(tool.reduce((n, r) => n + r.calls, 0)).toBe(OK_CALLS + FAILING_CALLS);
    expect(tool.reduce((n, r) => n + r.errors, 0)).toBe(FAILING_CALLS);
    expect(stats.filter((r) => r.operation === batchOperation).reduce((n, r) => n + r.calls, 0)).toBe(
      batches.length,
    );
  });
});
