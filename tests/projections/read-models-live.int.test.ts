import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningProjector, runProjector } from '../../app/index.ts';
import type { TopicKey, TopicValue } from '../../schemas/index.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

const T0 = Date.UTC(2016, 6, 4, 8);
const at = (minutes: number): Date => new Date(T0 + minutes * 60_000);

/** The catalogue's read models hosted by the live projector: produced events reach their reader views. */
describe('meters, anomalies, data quality, control commands and weather through the live projector', () => {
  let platform: TestPlatform;
  let projector: RunningProjector;

  async function produce<K extends TopicKey>(
    key: K,
    messageKey: string,
    events: TopicValue<K>[],
  ): Promise<void> {
    const producer = await platform.producer();
    await producer.send({
      topic: platform.names.topic(key),
      messages: await Promise.all(
        events.map(async (e) => ({ key: messageKey, value: await platform.codec.encode(key, e) })),
      ),
    });
  }

  const count = (view: string, n: number) =>
    waitFor(`${n} rows in ${view}`, async () => {
      const { rows } = await platform.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${view}`);
      return Number(rows[0]?.n) === n ? true : undefined;
    });

  beforeAll(async () => {
    platform = await createTestPlatform('read_models_live');
    const common = { source: 'test', buildingId: 'Office_Ellie' };
    await produce('meters', 'Office_Ellie:electricity', [
      {
        ...common,
        eventId: randomUUID(),
        occurredAt: at(0),
        meterId: 'Office_Ellie:electricity',
        meterKind: 'electricity',
        unit: 'kWh',
      },
      {
        ...common,
        eventId: randomUUID(),
        occurredAt: at(1),
        meterId: 'Office_Ellie:electricity',
        meterKind: 'electricity',
        unit: 'MJ',
      },
    ]);
    const command = { ...common, commandId: randomUUID(), pointId: 'Office_Ellie:zone-1:sp' };
    // The outcome first: the three topics are consumed independently anyway.
    await produce('controlOutcomes', 'Office_Ellie/zone-1', [
      { ...command, eventId: randomUUID(), occurredAt: at(3), outcome: 'acknowledged', deviceMessage: null },
    ]);
    await produce('controlCommands', 'Office_Ellie/zone-1', [
      {
        ...command,
        eventId: randomUUID(),
        occurredAt: at(1),
        value: 23,
        unit: 'degC',
        priority: 12,
        expiresAt: at(120),
        requestedBy: 'agent:energy-optimizer',
      },
    ]);
    await produce('controlDecisions', 'Office_Ellie/zone-1', [
      { ...command, eventId: randomUUID(), occurredAt: at(2), decision: 'accepted', reasons: [] },
    ]);
    await produce('anomalies', 'Office_Ellie:electricity', [
      {
        ...common,
        eventId: randomUUID(),
        occurredAt: at(5),
        meterId: 'Office_Ellie:electricity',
        meterKind: 'electricity',
        unit: 'kWh',
        readingAt: at(0),
        observedValue: 400,
        expectedLow: 100,
        expectedHigh: 150,
        score: 9.5,
        method: 'median-mad-hour-of-week',
        baselineSamples: 28,
      },
    ]);
    await produce('dataQualityIssues', 'Office_Ellie:electricity', [
      {
        ...common,
        eventId: randomUUID(),
        occurredAt: at(6),
        meterId: 'Office_Ellie:electricity',
        issueKind: 'spike',
        readingAt: at(0),
        evidence: { value: '400', median: '120' },
        severity: 'warning',
      },
    ]);
    await produce('weatherHourly', 'KBOS', [
      {
        eventId: randomUUID(),
        occurredAt: new Date(Date.UTC(2016, 6, 4, 8)),
        source: 'test',
        stationId: 'KBOS',
        temperatureC: 25.3,
      },
    ]);
    projector = await runProjector(platform);
  });

  afterAll(async () => {
    await projector?.stop();
    await platform?.dispose();
  });

  it('fills every reader view from the log', async () => {
    await count('meters', 1);
    await count('control_command_status_history', 3);
    await count('anomalies', 1);
    await count('data_quality_issues', 1);
    await count('weather_hourly', 1);
    const { rows: meters } = await platform.pool.query('SELECT unit FROM meters');
    expect(meters).toEqual([{ unit: 'MJ' }]);
    const { rows: commands } = await platform.pool.query(
      'SELECT status, requested_by, decision, outcome FROM control_commands',
    );
    expect(commands).toEqual([
      {
        status: 'acknowledged',
        requested_by: 'agent:energy-optimizer',
        decision: 'accepted',
        outcome: 'acknowledged',
      },
    ]);
    const { rows: weather } = await platform.pool.query('SELECT hdd, cdd FROM weather_hourly');
    expect(weather[0]?.hdd).toBe(0);
    expect(weather[0]?.cdd).toBeCloseTo(7, 9);
  });
});
