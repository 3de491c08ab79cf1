import { randomUUID } from 'node:crypto';
import { type RunningProjector, type RunProjectorOptions, runProjector } from '../../app/index.ts';
import { type RunningProcessor, runNamedProcessor } from '../../processors/index.ts';
import { anomaliesProjection } from '../../projections/anomalies/index.ts';
import { buildingsProjection } from '../../projections/buildings/index.ts';
import { controlCommandsProjection } from '../../projections/control-commands/index.ts';
import { currentWeatherProjection } from '../../projections/current-weather/index.ts';
import { dataQualityIssuesProjection } from '../../projections/data-quality-issues/index.ts';
import { readingsProjection } from '../../projections/readings/index.ts';
import { rollupsProjection } from '../../projections/rollups/index.ts';
import { weatherProjection } from '../../projections/weather/index.ts';
import type {
  BuildingRegistered,
  MeterKind,
  ReadingUnit,
  SensorReading,
  WeatherObservation,
} from '../../schemas/index.ts';
import { publishReadings } from '../../sources/index.ts';
import { anomalyAt, commandLifecycle, DAY, HOUR, issueAt, produce, START } from './query-data-set.ts';
import type { TestPlatform } from './test-platform.ts';
import { waitFor } from './wait-for.ts';

/**
 * Buildings of two tenants (and one of the default tenant) with readings, anomalies, data-quality
 * issues, a command each, hourly and current weather, produced through Kafka and projected by the
 * real processor and projector: what the tenant-isolation tests ask the MCP server about.
 */

export interface TenantBuilding {
  readonly buildingId: string;
  readonly tenantId: string | null;
  readonly primaryUse: string;
  readonly floorAreaM2: number;
  readonly siteId: string;
  readonly timezone: string;
  readonly weatherStationId: string | null;
}

const building = (
  buildingId: string,
  tenantId: string | null,
  primaryUse: string,
  floorAreaM2: number,
  siteId: string,
  extra: Partial<Pick<TenantBuilding, 'timezone' | 'weatherStationId'>> = {},
): TenantBuilding => ({
  buildingId,
  tenantId,
  primaryUse,
  floorAreaM2,
  siteId,
  timezone: extra.timezone ?? 'UTC',
  weatherStationId: extra.weatherStationId ?? null,
});

/** T1_A is in New York, so its "today" is not a UTC day; its station is ST_1, T2_A's is ST_2. */
export const TENANT_BUILDINGS: readonly TenantBuilding[] = [
  building('T1_A', 't1', 'Office', 1000, 'East', {
    timezone: 'America/New_York',
    weatherStationId: 'ST_1',
  }),
  building('T1_B', 't1', 'Office', 2000, 'West'),
  building('T1_C', 't1', 'Office', 1500, 'East'),
  building('T1_D', 't1', 'College Laboratory', 800, 'North'),
  building('T1_E', 't1', 'Office', 500, 'West'),
  building('T2_A', 't2', 'Office', 1200, 'Harbour', { weatherStationId: 'ST_2' }),
  building('T2_B', 't2', 'Office', 3000, 'Harbour'),
  building('D_X', null, 'Office', 900, 'Nowhere'),
];

/** The BuildingRegistered of a building of the data set. */
export const registrationOf = (b: TenantBuilding): BuildingRegistered => ({
  eventId: randomUUID(),
  occurredAt: new Date(START),
  source: 'test',
  buildingId: b.buildingId,
  siteId: b.siteId,
  primaryUse: b.primaryUse,
  floorAreaM2: b.floorAreaM2,
  timezone: b.timezone,
  yearBuilt: null,
  weatherStationId: b.weatherStationId,
  tenantId: b.tenantId,
});

export const idsOf = (tenant: string | null): string[] =>
  TENANT_BUILDINGS.filter((b) => b.tenantId === tenant).map((b) => b.buildingId);

/** The meters of each building: one electricity meter, and a chilled-water one on T1_A. */
export function metersOf(buildingId: string): { meterId: string; kind: MeterKind; unit: ReadingUnit }[] {
  const meters: { meterId: string; kind: MeterKind; unit: ReadingUnit }[] = [
    { meterId: `${buildingId}:elec`, kind: 'electricity', unit: 'kWh' },
  ];
  if (buildingId === 'T1_A') meters.push({ meterId: 'T1_A:chw', kind: 'chilled_water', unit: 'ton_h' });
  return meters;
}

/** Hourly readings over two days and one at hour 60 that closes their windows. */
export function tenantReadings(): SensorReading[] {
  return TENANT_BUILDINGS.flatMap((b, i) =>
    metersOf(b.buildingId).flatMap((m, k) =>
      [...Array.from({ length: 48 }, (_, h) => h), 60].map((h) => ({
        eventId: randomUUID(),
        occurredAt: new Date(START + h * HOUR),
        source: 'test',
        buildingId: b.buildingId,
        meterId: m.meterId,
        meterKind: m.kind,
        value: 10 * (i + 1) + 3 * k + (h % 24),
        unit: m.unit,
      })),
    ),
  );
}

/** Current-weather observations: the newest of each station at hour 39, an older one at 38. */
export function tenantObservations(): WeatherObservation[] {
  return ['ST_1', 'ST_2'].flatMap((stationId, s) =>
    [38, 39].map((h) => ({
      eventId: randomUUID(),
      occurredAt: new Date(START + h * HOUR),
      source: 'test',
      stationId,
      temperatureC: 5 + s * 10 + (h - 38),
      relativeHumidityPct: 60 + h - 38,
      conditions: h === 39 ? 'Clear' : 'Cloudy',
    })),
  );
}

/** Hourly weather of both stations over the two days, for weather_impact. */
export const tenantWeatherHours = (): WeatherObservation[] =>
  ['ST_1', 'ST_2'].flatMap((stationId) =>
    Array.from({ length: 48 }, (_, h) => ({
      eventId: randomUUID(),
      occurredAt: new Date(START + h * HOUR),
      source: 'test',
      stationId,
      temperatureC: 15.5 - (h % 24),
    })),
  );

/** The command ids of the data set: one on T1_A, one on T2_A. */
export interface TenantCommands {
  readonly t1: string;
  readonly t2: string;
}

export interface RunningTenantDataSet {
  readonly projector: RunningProjector;
  readonly aggregates: RunningProcessor;
  stop(): Promise<void>;
}

const onBuilding = <T extends { buildingId: string; meterId: string }>(e: T, buildingId: string): T => ({
  ...e,
  buildingId,
  meterId: `${buildingId}:elec`,
});

/**
 * Produces the data set, runs the reading-aggregates processor and the projector, and waits until
 * the two days' 15-minute and daily windows of every meter are final in the rollups. The projector
 * also hosts `alsoProject` (e.g. the audit log), as one projector group hosts the whole catalogue.
 */
export async function startTenantDataSet(
  platform: TestPlatform,
  readings: readonly SensorReading[],
  commands: TenantCommands,
  alsoProject: NonNullable<RunProjectorOptions['projections']> = [],
): Promise<RunningTenantDataSet> {
  await produce(platform, 'buildings', TENANT_BUILDINGS.map(registrationOf), (b) => b.buildingId);
  await publishReadings(await platform.feedDeps(), readings);
  for (const [buildingId, score] of [
    ['T1_A', 7],
    ['T2_A', 9],
  ] as const) {
    await produce(platform, 'anomalies', [onBuilding(anomalyAt(3, score), buildingId)], (a) => a.meterId);
    await produce(
      platform,
      'dataQualityIssues',
      [onBuilding(issueAt(2, 'spike'), buildingId)],
      (i) => i.meterId,
    );
  }
  for (const [commandId, buildingId] of [
    [commands.t1, 'T1_A'],
    [commands.t2, 'T2_A'],
  ] as const) {
    const c = commandLifecycle(commandId);
    const key = `${buildingId}/${c.requested.pointId}`;
    await produce(platform, 'controlCommands', [{ ...c.requested, buildingId }], () => key);
    await produce(platform, 'controlDecisions', [{ ...c.decided, buildingId }], () => key);
    await produce(platform, 'controlOutcomes', [{ ...c.outcome, buildingId }], () => key);
  }
  await produce(platform, 'weatherHourly', tenantWeatherHours(), (w) => w.stationId);
  await produce(platform, 'weatherObservations', tenantObservations(), (w) => w.stationId);
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
      currentWeatherProjection,
      ...alsoProject,
    ],
  });
  const meters = TENANT_BUILDINGS.reduce((n, b) => n + metersOf(b.buildingId).length, 0);
  await waitFor(
    'the two days of 15-minute and daily rollups',
    async () => {
      const { rows } = await platform.pool.query<{ quarters: string; days: string }>(
        `SELECT (SELECT count(*) FROM rollups_15m WHERE meter_id <> '' AND window_start < $1) AS quarters,
                (SELECT count(*) FROM rollups_1d WHERE meter_id <> '' AND window_start < $1) AS days`,
        [new Date(START + 2 * DAY)],
      );
      // Hourly readings: one 15-minute window per reading.
      return Number(rows[0]?.quarters) === meters * 48 && Number(rows[0]?.days) === meters * 2
        ? true
        : undefined;
    },
    { timeoutMs: 120_000 },
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
