import { randomUUID } from 'node:crypto';
import { type RunningProjector, runProjector } from '../../app/index.ts';
import { type RunningProcessor, runNamedProcessor } from '../../processors/index.ts';
import { anomaliesProjection } from '../../projections/anomalies/index.ts';
import { buildingsProjection } from '../../projections/buildings/index.ts';
import { controlCommandsProjection } from '../../projections/control-commands/index.ts';
import { dataQualityIssuesProjection } from '../../projections/data-quality-issues/index.ts';
import { readingsProjection } from '../../projections/readings/index.ts';
import { rollupsProjection } from '../../projections/rollups/index.ts';
import { weatherProjection } from '../../projections/weather/index.ts';
import type {
  AnomalyDetected,
  ControlCommandRequested,
  ControlDecision,
  ControlOutcome,
  DataQualityIssue,
  SensorReading,
  TopicKey,
  TopicValue,
  WeatherObservation,
} from '../../schemas/index.ts';
import { publishReadings } from '../../sources/index.ts';
import type { TestPlatform } from './test-platform.ts';
import { waitFor } from './wait-for.ts';

/**
 * The data set the query layer and the MCP query tools are checked against: buildings, readings,
 * anomalies, data-quality issues, a control command and weather, produced through Kafka and projected
 * by the real processors and projector, with the independent computations of what the answers must be.
 */

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const START = Date.UTC(2016, 2, 1);

/** Four offices of known floor area and one lab: the offices are each other's peers. */
export const BUILDINGS = [
  { buildingId: 'Office_A', primaryUse: 'Office', floorAreaM2: 1000 },
  { buildingId: 'Office_B', primaryUse: 'Office', floorAreaM2: 2000 },
  { buildingId: 'Office_C', primaryUse: 'Office', floorAreaM2: 1500 },
  { buildingId: 'Office_D', primaryUse: 'Office', floorAreaM2: 500 },
  { buildingId: 'Lab_X', primaryUse: 'College Laboratory', floorAreaM2: 800 },
] as const;

/** Two kWh meters per building, hourly over two days, then one reading on day three that closes the windows. */
function readingsOf(buildingId: string, b: number): SensorReading[] {
  const readings: SensorReading[] = [];
  for (let m = 0; m < 2; m++) {
    const hours = [...Array.from({ length: 48 }, (_, h) => h), 60];
    for (const h of hours) {
      readings.push({
        eventId: randomUUID(),
        occurredAt: new Date(START + h * HOUR),
        source: 'test',
        buildingId,
        meterId: `${buildingId}:e${m}`,
        meterKind: 'electricity',
        value: 10 * (b + 1) + m + (h % 24),
        unit: 'kWh',
      });
    }
  }
  return readings;
}

/** A fresh copy of the readings (new event ids) for one test file. */
export const datasetReadings = (): SensorReading[] =>
  BUILDINGS.flatMap((b, i) => readingsOf(b.buildingId, i));

/** The readings of the first two days: the windows the day-three reading closed. */
export const firstTwoDays = (readings: readonly SensorReading[]): SensorReading[] =>
  readings.filter((r) => r.occurredAt.getTime() < START + 2 * DAY);

/** Hourly totals of a building's readings in `[from, to)`, by hour start: what `1h` consumption must answer. */
export function expectedHourlyTotals(
  readings: readonly SensorReading[],
  buildingId: string,
  from: number,
  to: number,
): Map<number, number> {
  const totals = new Map<number, number>();
  for (const r of readings) {
    const t = r.occurredAt.getTime();
    if (r.buildingId !== buildingId || t < from || t >= to) continue;
    totals.set(t, (totals.get(t) ?? 0) + r.value);
  }
  return totals;
}

/** Energy use intensity over the two days: consumption per m², annualised over two days with data. */
export function expectedEui(twoDays: readonly SensorReading[], buildingId: string): number {
  const area = BUILDINGS.find((b) => b.buildingId === buildingId)?.floorAreaM2 ?? Number.NaN;
  return (
    (twoDays.filter((r) => r.buildingId === buildingId).reduce((s, r) => s + r.value, 0) / area) * (365 / 2)
  );
}

/** Percentile (0..100) of a building's EUI among its peers', as `percent_rank` computes it, and their median. */
export function expectedPeerRank(twoDays: readonly SensorReading[], buildingId: string) {
  const primaryUse = BUILDINGS.find((b) => b.buildingId === buildingId)?.primaryUse;
  const peers = BUILDINGS.filter((b) => b.primaryUse === primaryUse).map((b) =>
    expectedEui(twoDays, b.buildingId),
  );
  const mine = expectedEui(twoDays, buildingId);
  const sorted = [...peers].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median =
    sorted.length % 2 === 0
      ? ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
      : (sorted[Math.floor(mid)] ?? 0);
  return {
    eui: mine,
    count: peers.length,
    percentile: (100 * peers.filter((x) => x < mine).length) / (peers.length - 1),
    median,
  };
}

/** An anomaly on Office_A:e0 at `hour` hours after START. */
export const anomalyAt = (hour: number, score: number): AnomalyDetected => ({
  eventId: randomUUID(),
  occurredAt: new Date(START + hour * HOUR),
  source: 'test',
  buildingId: 'Office_A',
  meterId: 'Office_A:e0',
  meterKind: 'electricity',
  unit: 'kWh',
  readingAt: new Date(START + hour * HOUR),
  observedValue: 99,
  expectedLow: 10,
  expectedHigh: 20,
  score,
  method: 'hour-of-week-mad',
  baselineSamples: 8,
});

/** A data-quality issue on Office_A:e1 at `hour` hours after START. */
export const issueAt = (hour: number, issueKind: DataQualityIssue['issueKind']): DataQualityIssue => ({
  eventId: randomUUID(),
  occurredAt: new Date(START + hour * HOUR),
  source: 'test',
  buildingId: 'Office_A',
  meterId: 'Office_A:e1',
  issueKind,
  readingAt: new Date(START + hour * HOUR),
  evidence: { value: '-3' },
  severity: 'warning',
});

/** A command's request, acceptance and acknowledgement on Office_A/zone-1-heat. */
export function commandLifecycle(commandId: string) {
  const base = { source: 'test', commandId, buildingId: 'Office_A', pointId: 'zone-1-heat' };
  const requested: ControlCommandRequested = {
    ...base,
    eventId: randomUUID(),
    occurredAt: new Date(START),
    value: 21,
    unit: 'degC',
    priority: 12,
    expiresAt: new Date(START + HOUR),
    requestedBy: 'agent:test',
    reason: 'pre-heat',
  };
  const decided: ControlDecision = {
    ...base,
    eventId: randomUUID(),
    occurredAt: new Date(START + 1_000),
    decision: 'accepted',
    reasons: [],
  };
  const outcome: ControlOutcome = {
    ...base,
    eventId: randomUUID(),
    occurredAt: new Date(START + 2_000),
    outcome: 'acknowledged',
    deviceMessage: 'written',
  };
  return { key: `${base.buildingId}/${base.pointId}`, requested, decided, outcome };
}

/** 48 hours at station ST1: 15.5 degC is the heating base, so hour h of the day has exactly h heating degree-hours. */
export const weatherHours = (): WeatherObservation[] =>
  Array.from({ length: 48 }, (_, h) => ({
    eventId: randomUUID(),
    occurredAt: new Date(START + h * HOUR),
    source: 'test',
    stationId: 'ST1',
    temperatureC: 15.5 - (h % 24),
  }));

/** Sends events to a topic of the platform, keyed. */
export async function produce<K extends TopicKey>(
  platform: TestPlatform,
  key: K,
  events: readonly TopicValue<K>[],
  keyOf: (e: TopicValue<K>) => string,
): Promise<void> {
  const producer = await platform.producer();
  await producer.send({
    topic: platform.names.topic(key),
    acks: -1,
    messages: await Promise.all(
      events.map(async (e) => ({ key: keyOf(e), value: await platform.codec.encode(key, e) })),
    ),
  });
}

/** The processor and projector a data set runs under; stop both when done. */
export interface RunningDataSet {
  readonly projector: RunningProjector;
  readonly aggregates: RunningProcessor;
  stop(): Promise<void>;
}

/**
 * Produces the buildings (Office_A near station ST1) and the readings, runs the reading-aggregates
 * processor and the projector of the query layer's read models, and waits until every meter's two
 * daily windows are final in the rollups.
 */
export async function startDataSet(
  platform: TestPlatform,
  readings: readonly SensorReading[],
): Promise<RunningDataSet> {
  await produce(
    platform,
    'buildings',
    BUILDINGS.map((b) => ({
      ...b,
      eventId: randomUUID(),
      occurredAt: new Date(START),
      source: 'test',
      siteId: null,
      timezone: 'UTC',
      yearBuilt: null,
      // Office_A is near station ST1, whose temperatures make its consumption exactly linear in HDD.
      weatherStationId: b.buildingId === 'Office_A' ? 'ST1' : null,
    })),
    (b) => b.buildingId,
  );
  await publishReadings(await platform.feedDeps(), readings);
  const aggregates = await runNamedProcessor(
    {
      kafka: platform.kafka,
      codec: platform.codec,
      names: platform.names,
      logger: platform.logger,
      sessionTimeoutMs: 6_000,
    },
    'reading-aggregates',
  );
  const projector = await runProjector(platform, {
    projections: [
      buildingsProjection,
      readingsProjection,
      rollupsProjection,
      anomaliesProjection,
      dataQualityIssuesProjection,
      controlCommandsProjection,
      weatherProjection,
    ],
  });
  await waitFor(
    'daily rollups of two days',
    async () => {
      const { rows } = await platform.pool.query<{ n: string }>(
        "SELECT count(*) AS n FROM rollups_1d WHERE meter_id <> '' AND window_start < $1",
        [new Date(START + 2 * DAY)],
      );
      return Number(rows[0]?.n) === BUILDINGS.length * 2 * 2 ? true : undefined;
    },
    { timeoutMs: 90_000 },
  );
  return {
    projector,
    aggregates,
    async stop() {
      await projector.stop();
      await aggregates.stop();
    },
  };
}
