import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTelemetryRecorder } from '../../app/index.ts';
import { createMetrics } from '../../infra/metrics/index.ts';
import { OPERATIONS_UNRECORDED_METRIC, operationRecorderMetrics } from '../../infra/operations/index.ts';
import { readEvents } from '../support/processor-runs.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';

const operation = { component: 'mcp', operation: 'mcp.tool:get_latest_readings', durationMs: 2 };

describe('operation recorder: never in the way of the work it records', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await createTestPlatform('recorder');
  });
  afterAll(async () => {
    await platform?.dispose();
  });

  it('sends records in batches keyed by component through the real producer', async () => {
    const sends: number[] = [];
    const recorder = createTelemetryRecorder({
      producer: () => platform.producer(),
      codec: platform.codec,
      names: platform.names,
      logger: platform.logger,
      source: 'test',
      maxBatch: 4,
      onRecorded: (n) => sends.push(n),
    });
    for (let i = 0; i < 10; i++) recorder.record({ ...operation, details: { i: String(i) } });
    await recorder.close();
    recorder.record(operation);
    expect(sends.reduce((a, b) => a + b, 0)).toBe(10);
    expect(Math.max(...sends)).toBeLessThanOrEqual(4);
    const events = await readEvents(platform, 'telemetry');
    expect(events).toHaveLength(10);
    expect(events.every((e) => e.key === 'mcp' && e.value.outcome === 'ok')).toBe(true);
    expect(events.map((e) => Number(e.value.details.i)).sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
  });

  it('drops past its buffer and counts a broker it cannot reach, without throwing or hanging', async () => {
    // A real client against a port nothing listens on: the connection is refused.
    const unreachable = new Kafka({
      brokers: ['127.0.0.1:1'],
      clientId: 'recorder-test',
      connectionTimeout: 300,
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    }).producer();
    const metrics = createMetrics({ processMetrics: false });
    const lines: string[] = [];
    const recorder = createTelemetryRecorder({
      producer: async () => {
        await unreachable.connect();
        return unreachable;
      },
      codec: platform.codec,
      names: platform.names,
      logger: pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) }),
      source: 'test',
      maxBuffered: 5,
      lingerMs: 10_000,
      ...operationRecorderMetrics(metrics, platform.names.topic('telemetry')),
    });
    for (let i = 0; i < 8; i++) expect(() => recorder.record(operation)).not.toThrow();
    await recorder.flush();
    const counted = await metrics.registry.getSingleMetric(OPERATIONS_UNRECORDED_METRIC)?.get();
    const byReason = Object.fromEntries((counted?.values ?? []).map((v) => [v.labels.reason, v.value]));
    expect(byReason).toEqual({ 'buffer-full': 3, 'send-failed': 5 });
    const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages.filter((m) => m === 'telemetry buffer full; dropping records')).toHaveLength(1);
    expect(messages).toContain('operation records lost');
    await recorder.close();
  });
});
