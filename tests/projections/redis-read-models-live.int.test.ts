import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningProjector, rebuildNamedProjection, runProjector } from '../../app/index.ts';
import {
  activeBuildingSummaryKeyspace,
  type BuildingSummary,
  readBuildingSummary,
} from '../../projections/building-summary/index.ts';
import {
  activeCurrentWeatherKeyspace,
  readBuildingWeather,
} from '../../projections/current-weather/index.ts';
import { PROJECTIONS } from '../../projections/index.ts';
import type { BuildingRegistered, SensorReading, WeatherObservation } from '../../schemas/index.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

const HOUR = 3_600_000;

describe('Redis read models hosted by the live projector', () => {
  let platform: TestPlatform;
  let projector: RunningProjector;
  const now = Date.now();
  const lastHour = Math.floor(now / HOUR) * HOUR;
  const building: BuildingRegistered = {
    eventId: randomUUID(),
    occurredAt: new Date(now - 48 * HOUR),
    source: 'test',
    buildingId: 'Office_Ellie',
    primaryUse: 'Office',
    timezone: 'Europe/London',
    weatherStationId: 'EGLL',
  };
  const readings: SensorReading[] = Array.from({ length: 12 }, (_, h) => ({
    eventId: randomUUID(),
    occurredAt: new Date(lastHour - (11 - h) * HOUR),
    source: 'test',
    buildingId: 'Office_Ellie',
    meterId: 'Office_Ellie:e',
    meterKind: 'electricity',
    value: 50 + h,
    unit: 'kWh',
  }));
  const observation: WeatherObservation = {
    eventId: randomUUID(),
    occurredAt: new Date(lastHour),
    source: 'test',
    stationId: 'EGLL',
    temperatureC: 11.5,
  };

  beforeAll(async () => {
    platform = await createTestPlatform('redis_models_live');
    const { codec, names } = platform;
    const producer = await platform.producer();
    await producer.send({
      topic: names.topic('buildings'),
      acks: -1,
      messages: [{ key: building.buildingId, value: await codec.encode('buildings', building) }],
    });
    await producer.send({
      topic: names.topic('weatherObservations'),
      acks: -1,
      messages: [
        { key: observation.stationId, value: await codec.encode('weatherObservations', observation) },
      ],
    });
    await producer.send({
      topic: names.topic('sensorReadings'),
      acks: -1,
      messages: await Promise.all(
        readings.map(async (r) => ({ key: r.meterId, value: await codec.encode('sensorReadings', r) })),
      ),
    });
    const mine = new Set(['building-summary', 'current-weather']);
    projector = await runProjector(platform, {
      projections: PROJECTIONS.filter((p) => mine.has(p.name)),
    });
  });

  afterAll(async () => {
    await projector?.stop();
    await platform?.dispose();
  });

  const summaryNow = async (): Promise<BuildingSummary | undefined> => {
    const keyspace = await activeBuildingSummaryKeyspace(platform.redis);
    return keyspace && readBuildingSummary(platform.redis, keyspace, 'Office_Ellie', { now: new Date(now) });
  };

  it('answers from the active generation, and a rebuilt generation answers the same', async () => {
    const summary = await waitFor('building summary projected', async () => {
      const s = await summaryNow();
      return s?.demand?.asOf.getTime() === lastHour && s.timezone === 'Europe/London' ? s : undefined;
    });
    expect(summary.demand?.kw).toBe(61);
    expect(summary.demand?.metersWithoutInterval).toBe(0);
    const weather = await waitFor('building weather projected', async () => {
      const keyspace = await activeCurrentWeatherKeyspace(platform.redis);
      const w = keyspace && (await readBuildingWeather(platform.redis, keyspace, 'Office_Ellie'));
      return w?.weather === undefined ? undefined : w;
    });
    expect(weather.stationId).toBe('EGLL');
    expect(weather.weather?.values.temperatureC?.value).toBe(11.5);

    const rebuilt = await rebuildNamedProjection(platform, 'building-summary');
    expect(rebuilt.generation).toBe(2);
    expect((await activeBuildingSummaryKeyspace(platform.redis))?.prefix).toBe('p:building-summary:g2:');
    expect(await summaryNow()).toEqual(summary);
  });
});
