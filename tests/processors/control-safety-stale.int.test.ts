import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTopicToEnd } from '../../infra/kafka/index.ts';
import { controlSafetyProcessor, type RunningProcessor, runProcessor } from '../../processors/index.ts';
import type {
  ControlCommandRequested,
  ControlDecision,
  ControlPointRegistered,
  TopicKey,
  TopicValue,
} from '../../schemas/index.ts';
import { DEAD_LETTER_HEADERS } from '../../stream-runtime/index.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

// A gateway point's command through the real processor on the broker: rejected while the point's
// latest value on point-values is stale, accepted once the gateway reports a fresh one. Point values
// are a global table of the processor, read by every instance beside control-points.

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 11, 7, 10, 0, 0);
const at = (minutes: number): Date => new Date(T0 + minutes * MINUTE);

const point: ControlPointRegistered = {
  eventId: randomUUID(),
  occurredAt: at(-120),
  source: 'modbus-gw:plant-1',
  pointId: 'ahu1-sat-sp',
  buildingId: 'b1',
  pointKind: 'zone_air_temperature_setpoint',
  unit: 'degC',
  minValue: 18,
  maxValue: 26,
  maxChangePerMinute: 0.5,
  brickClass: null,
  zoneId: null,
  requiresApproval: false,
  approvalTimeoutSeconds: null,
  gatewayId: 'modbus-gw:plant-1',
};

function command(commandId: string, minutes: number): ControlCommandRequested {
  return {
    eventId: randomUUID(),
    occurredAt: at(minutes),
    source: 'test',
    commandId,
    buildingId: 'b1',
    pointId: point.pointId,
    value: 22,
    unit: 'degC',
    priority: 12,
    expiresAt: at(minutes + 60),
    requestedBy: 'agent:a',
    reason: null,
    schedule: null,
    heartbeatSeconds: null,
  };
}

function pointValue(minutes: number, value: number): TopicValue<'pointValues'> {
  return {
    eventId: randomUUID(),
    occurredAt: at(minutes),
    source: 'modbus-gw:plant-1',
    buildingId: 'b1',
    pointId: point.pointId,
    value,
    unit: 'degC',
  };
}

describe('control-safety on the broker: stale_value from the point-values table', () => {
  let platform: TestPlatform;
  let running: RunningProcessor | undefined;

  async function send<K extends TopicKey>(topic: K, key: string, value: TopicValue<K>): Promise<void> {
    const producer = await platform.producer();
    await producer.send({
      topic: platform.names.topic(topic),
      messages: [{ key, value: await platform.codec.encode(topic, value) }],
    });
  }

  async function decisionsFor(commandId: string): Promise<ControlDecision> {
    return waitFor(
      `the decision on ${commandId}`,
      async () => {
        const messages = await readTopicToEnd(platform.kafka, platform.names.topic('controlDecisions'));
        const decoded = await Promise.all(
          messages.map(async (m) => (await platform.codec.decode('controlDecisions', m.message.value)).value),
        );
        const mine = decoded.filter((d) => d.commandId === commandId);
        if (mine.length > 1) throw new Error(`${mine.length} decisions on ${commandId}`);
        return mine[0];
      },
      { timeoutMs: 60_000, intervalMs: 300 },
    );
  }

  beforeAll(async () => {
    platform = await createTestPlatform('control_safety_stale');
  });

  afterAll(async () => {
    await running?.stop().catch(() => undefined);
    await platform?.dispose();
  });

  it('rejects a command while the value is stale and accepts it after a fresh point value', async () => {
    await send('controlPoints', point.pointId, point);
    await send('pointValues', point.pointId, pointValue(-60, 21));
    running = await runProcessor({ ...platform, sessionTimeoutMs: 6_000 }, controlSafetyProcessor);

    const stale = command('c-stale', 0);
    await send('controlCommands', `b1/${point.pointId}`, stale);
    const rejected = await decisionsFor('c-stale');
    expect(rejected.decision).toBe('rejected');
    expect(rejected.reasons?.map((r) => r.code)).toEqual(['stale_value']);
    expect(rejected.reasons?.[0]?.message).toContain(
      'read at 2026-12-07T09:00:00.000Z, 60 min before the command, more than the 15 min allowed',
    );

    // A value that is not a number would switch the slew limit off: dead-lettered, the point stays stale.
    await send('pointValues', point.pointId, pointValue(0.5, Number.NaN));
    await send('controlCommands', `b1/${point.pointId}`, command('c-still-stale', 0.75));
    expect((await decisionsFor('c-still-stale')).reasons?.map((r) => r.code)).toEqual(['stale_value']);
    const letters = await readTopicToEnd(platform.kafka, platform.names.deadLetter('pointValues'));
    expect(letters).toHaveLength(1);
    expect(letters[0]?.message.headers?.[DEAD_LETTER_HEADERS.stage]?.toString()).toBe('validate');
    expect(letters[0]?.message.headers?.[DEAD_LETTER_HEADERS.errorMessage]?.toString()).toContain(
      'value NaN is not finite',
    );

    // The gateway reports the point again while the processor runs: the table picks it up.
    await send('pointValues', point.pointId, pointValue(1, 21.5));
    await send('controlCommands', `b1/${point.pointId}`, command('c-fresh', 2));
    const accepted = await decisionsFor('c-fresh');
    expect(accepted.decision).toBe('accepted');
    expect(accepted.reasons ?? []).toEqual([]);
  });
});
