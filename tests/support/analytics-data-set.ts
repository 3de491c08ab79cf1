import { randomUUID } from 'node:crypto';
import { type RunningProjector, runProjector } from '../../app/index.ts';
import { anomaliesProjection } from '../../projections/anomalies/index.ts';
import { buildingsProjection } from '../../projections/buildings/index.ts';
import { dataQualityIssuesProjection } from '../../projections/data-quality-issues/index.ts';
import { rollupsProjection } from '../../projections/rollups/index.ts';
import { weatherProjection } from '../../projections/weather/index.ts';
import type { MeterKind, ReadingAggregate, TopicKey, TopicValue } from '../../schemas/index.ts';
import type { TestPlatform } from './test-platform.ts';
import { waitFor } from './wait-for.ts';

/**
 * The data set the analytics queries are checked against: buildings whose hourly consumption is a
 * known function of the local hour, weekday and date, each built to trigger one recommendation rule
 * (or built not to), produced as hourly and daily aggregates through Kafka into the real rollups
 * projector. Aggregates rather than readings: thirteen weeks of hours of fifteen meters through the
 * windows processor would dominate the run, and the windows are that processor's own tests' concern.
 */

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** Friday 1 January 2016, UTC: thirteen weeks cover January, February and March. */
export const START = Date.UTC(2016, 0, 1);
export const DAYS = 91;
export const END = START + DAYS * DAY;

/** ISO weekday (1 Monday .. 7 Sunday) and hour of an instant, all buildings being in UTC. */
const isoDay = (t: number) => ((new Date(t).getUTCDay() + 6) % 7) + 1;
const hourOf = (t: number) => new Date(t).getUTCHours();
const dayIndex = (t: number) => Math.floor((t - START) / DAY);

/** Occupied 08:00-18:00 on weekdays at `peak`, `base` otherwise. */
const office =
  (base: number, peak: number) =>
  (t: number): number =>
    isoDay(t) <= 5 && hourOf(t) >= 8 && hourOf(t) < 18 ? peak : base;
const n1 = office(20, 100);

/** N2 grows 5 % a month, for a trend to find. */
export const N2_GROWTH = (t: number): number => 1 + 0.05 * new Date(t).getUTCMonth();

/** First day (index) and length of Lab_Stuck's flatline, and its value. */
export const STUCK_FROM_DAY = 30;
export const STUCK_DAYS = 6;
export const STUCK_VALUE = 42;

interface MeterSpec {
  readonly meterId: string;
  readonly meterKind: MeterKind;
  readonly value: (t: number) => number;
}

export interface BuildingSpec {
  readonly buildingId: string;
  readonly primaryUse: string;
  readonly floorAreaM2: number | null;
  readonly tenantId?: string;
  readonly weatherStationId?: string;
  readonly meters: readonly MeterSpec[];
}

const electricity = (buildingId: string, value: (t: number) => number): MeterSpec[] => [
  { meterId: `${buildingId}:e0`, meterKind: 'electricity', value },
];

/** Drift's weekday start-up moves from 08:00 to 04:00 over the thirteen weeks. */
export const driftStartHour = (t: number): number => 8 - Math.round(Math.floor(dayIndex(t) / 7) / 3);

export const BUILDINGS: readonly BuildingSpec[] = [
  { buildingId: 'N1', primaryUse: 'Office', floorAreaM2: 1000, meters: electricity('N1', n1) },
  {
    buildingId: 'N2',
    primaryUse: 'Office',
    floorAreaM2: 2000,
    meters: electricity('N2', (t) => office(25, 110)(t) * N2_GROWTH(t)),
  },
  { buildingId: 'N3', primaryUse: 'Office', floorAreaM2: 1500, meters: electricity('N3', office(30, 120)) },
  { buildingId: 'N4', primaryUse: 'Office', floorAreaM2: 800, meters: electricity('N4', office(22, 90)) },
  // N1's shape at three times its size: the nearest building to N1, at distance 0.
  {
    buildingId: 'Scaled',
    primaryUse: 'Office',
    floorAreaM2: 3000,
    meters: electricity('Scaled', (t) => 3 * n1(t)),
  },
  {
    buildingId: 'NightHeavy',
    primaryUse: 'Office',
    floorAreaM2: 1200,
    meters: electricity('NightHeavy', (t) => (hourOf(t) < 5 ? 100 : n1(t))),
  },
  {
    buildingId: 'WeekendHeavy',
    primaryUse: 'Office',
    floorAreaM2: 1100,
    meters: electricity('WeekendHeavy', (t) =>
      isoDay(t) >= 6 && hourOf(t) >= 9 && hourOf(t) < 17 ? 100 : n1(t),
    ),
  },
  {
    buildingId: 'Drift',
    primaryUse: 'Office',
    floorAreaM2: 900,
    meters: electricity('Drift', (t) =>
      isoDay(t) <= 5 && hourOf(t) >= driftStartHour(t) && hourOf(t) < 18 ? 100 : 20,
    ),
  },
  // Another tenant's office: a peer only for a caller who sees every tenant.
  {
    buildingId: 'Acme_Office',
    primaryUse: 'Office',
    floorAreaM2: 1300,
    tenantId: 'acme',
    meters: electricity('Acme_Office', office(30, 120)),
  },
  {
    buildingId: 'Lab_Fight',
    primaryUse: 'College Laboratory',
    floorAreaM2: 500,
    weatherStationId: 'ST9',
    meters: [
      {
        meterId: 'Lab_Fight:s0',
        meterKind: 'steam',
        value: (t) => (isoDay(t) <= 5 && hourOf(t) >= 9 && hourOf(t) < 17 ? 50 : 5),
      },
      {
        meterId: 'Lab_Fight:c0',
        meterKind: 'chilled_water',
        value: (t) => (isoDay(t) <= 5 && hourOf(t) >= 9 && hourOf(t) < 17 ? 80 : 8),
      },
    ],
  },
  {
    buildingId: 'Lab_Ok',
    primaryUse: 'College Laboratory',
    floorAreaM2: null,
    meters: [
      { meterId: 'Lab_Ok:s0', meterKind: 'steam', value: (t) => (hourOf(t) < 9 ? 50 : 5) },
      {
        meterId: 'Lab_Ok:c0',
        meterKind: 'chilled_water',
        value: (t) => (hourOf(t) >= 12 && hourOf(t) < 21 ? 80 : 8),
      },
    ],
  },
  {
    buildingId: 'Lab_Stuck',
    primaryUse: 'College Laboratory',
    floorAreaM2: 700,
    meters: electricity('Lab_Stuck', (t) =>
      dayIndex(t) >= STUCK_FROM_DAY && dayIndex(t) < STUCK_FROM_DAY + STUCK_DAYS
        ? STUCK_VALUE
        : office(10, 40)(t),
    ),
  },
];

export const buildingSpec = (id: string): BuildingSpec => {
  const b = BUILDINGS.find((x) => x.buildingId === id);
  if (b === undefined) throw new Error(`no building ${id} in the data set`);
  return b;
};

/** Every hour start of the data set. */
export const HOURS: readonly number[] = Array.from({ length: DAYS * 24 }, (_, i) => START + i * HOUR);

const aggregate = (
  b: BuildingSpec,
  m: MeterSpec,
  windowSize: 'PT1H' | 'P1D',
  start: number,
  values: readonly number[],
): ReadingAggregate => {
  const sum = values.reduce((a, v) => a + v, 0);
  const end = start + (windowSize === 'PT1H' ? HOUR : DAY);
  return {
    eventId: randomUUID(),
    occurredAt: new Date(end),
    source: 'test',
    buildingId: b.buildingId,
    meterId: m.meterId,
    meterKind: m.meterKind,
    unit: 'kWh',
    windowSize,
    windowStart: new Date(start),
    windowEnd: new Date(end),
    sum,
    mean: sum / values.length,
    min: Math.min(...values),
    max: Math.max(...values),
    count: values.length,
    revision: 0,
    isCorrection: false,
  };
};

/** One hourly aggregate per meter and hour (one reading each) and one daily aggregate per meter and day. */
export function aggregates(): ReadingAggregate[] {
  const out: ReadingAggregate[] = [];
  for (const b of BUILDINGS) {
    for (const m of b.meters) {
      for (const t of HOURS) out.push(aggregate(b, m, 'PT1H', t, [m.value(t)]));
      for (let d = 0; d < DAYS; d++) {
        const day = START + d * DAY;
        out.push(
          aggregate(
            b,
            m,
            'P1D',
            day,
            Array.from({ length: 24 }, (_, h) => m.value(day + h * HOUR)),
          ),
        );
      }
    }
  }
  return out;
}

/** A stuck-value issue the data-quality checks would raise a day into Lab_Stuck's flatline. */
export const STUCK_ISSUE_ID = randomUUID();
/** An anomaly at a night hour of NightHeavy, and one at noon: only the first is night evidence. */
export const NIGHT_ANOMALY_ID = randomUUID();
export const NOON_ANOMALY_ID = randomUUID();

/** Sends events to a topic of the platform, keyed, in chunks that stay under the broker's request size. */
export async function produceChunked<K extends TopicKey>(
  platform: TestPlatform,
  key: K,
  events: readonly TopicValue<K>[],
  keyOf: (e: TopicValue<K>) => string,
): Promise<void> {
  const producer = await platform.producer();
  for (let i = 0; i < events.length; i += 2_000) {
    const chunk = events.slice(i, i + 2_000);
    await producer.send({
      topic: platform.names.topic(key),
      acks: -1,
      messages: await Promise.all(
        chunk.map(async (e) => ({ key: keyOf(e), value: await platform.codec.encode(key, e) })),
      ),
    });
  }
}

/** Produces the data set and runs the projector of the read models the analytics read, until all are in. */
export async function startAnalyticsDataSet(platform: TestPlatform): Promise<RunningProjector> {
  await produceChunked(
    platform,
    'buildings',
    BUILDINGS.map((b) => ({
      eventId: randomUUID(),
      occurredAt: new Date(START),
      source: 'test',
      buildingId: b.buildingId,
      siteId: null,
      primaryUse: b.primaryUse,
      floorAreaM2: b.floorAreaM2,
      timezone: 'UTC',
      yearBuilt: null,
      weatherStationId: b.weatherStationId ?? null,
      ...(b.tenantId === undefined ? {} : { tenantId: b.tenantId }),
    })),
    (b) => b.buildingId,
  );
  const all = aggregates();
  await produceChunked(platform, 'readingAggregates', all, (a) => a.meterId ?? a.buildingId);
  await produceChunked(
    platform,
    'dataQualityIssues',
    [
      {
        eventId: STUCK_ISSUE_ID,
        occurredAt: new Date(START + (STUCK_FROM_DAY + 1) * DAY),
        source: 'test',
        buildingId: 'Lab_Stuck',
        meterId: 'Lab_Stuck:e0',
        issueKind: 'stuck_value',
        readingAt: new Date(START + (STUCK_FROM_DAY + 1) * DAY),
        evidence: { value: String(STUCK_VALUE) },
        severity: 'warning',
      },
    ],
    (i) => i.meterId,
  );
  const anomaly = (eventId: string, at: number) => ({
    eventId,
    occurredAt: new Date(at + HOUR),
    source: 'test',
    buildingId: 'NightHeavy',
    meterId: 'NightHeavy:e0',
    meterKind: 'electricity' as const,
    unit: 'kWh' as const,
    readingAt: new Date(at),
    observedValue: 100,
    expectedLow: 10,
    expectedHigh: 30,
    score: 6,
    method: 'hour-of-week-mad',
    baselineSamples: 8,
  });
  await produceChunked(
    platform,
    'anomalies',
    [
      anomaly(NIGHT_ANOMALY_ID, START + 10 * DAY + 2 * HOUR),
      anomaly(NOON_ANOMALY_ID, START + 12 * DAY + 12 * HOUR),
    ],
    (a) => a.meterId,
  );
  // Two weeks of weather at Lab_Fight's station: a mild 18-20 °C in which neither should run hard.
  await produceChunked(
    platform,
    'weatherHourly',
    HOURS.slice(0, 14 * 24).map((t) => ({
      eventId: randomUUID(),
      occurredAt: new Date(t),
      source: 'test',
      stationId: 'ST9',
      temperatureC: 18 + (hourOf(t) % 3),
    })),
    (w) => w.stationId,
  );
  const projector = await runProjector(platform, {
    projections: [
      buildingsProjection,
      rollupsProjection,
      anomaliesProjection,
      dataQualityIssuesProjection,
      weatherProjection,
    ],
  });
  await waitFor(
    'every aggregate, issue, anomaly and weather hour projected',
    async () => {
      const { rows } = await platform.pool.query<{ r: string; a: string; q: string; w: string; b: string }>(
        `SELECT (SELECT count(*) FROM rollups) AS r, (SELECT count(*) FROM anomalies) AS a,
                (SELECT count(*) FROM data_quality_issues) AS q, (SELECT count(*) FROM weather_hourly) AS w,
                (SELECT count(*) FROM buildings) AS b`,
      );
      const row = rows[0];
      return Number(row?.r) === all.length &&
        Number(row?.a) === 2 &&
        Number(row?.q) === 1 &&
        Number(row?.w) === 14 * 24 &&
        Number(row?.b) === BUILDINGS.length
        ? true
        : undefined;
    },
    { timeoutMs: 240_000 },
  );
  return projector;
}
