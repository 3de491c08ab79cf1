import type { Redis } from 'ioredis';
import type { MeterKind, ReadingUnit } from '../../schemas/index.ts';
import type { RedisKeyspace } from '../projection.ts';
import { utcDateOf } from './building-summary-changes.ts';
import { summaryKeys } from './building-summary-store.ts';
import { MICRO_UNITS } from './energy.ts';
import { isKnownTimeZone, localDayOf } from './local-day.ts';

/** One electricity meter's part of the building's demand. */
export interface MeterDemand {
  readonly meterId: string;
  /** Energy of the meter's latest reading, in kWh. */
  readonly kwh: number;
  /** End of the interval that reading measured (its event time). */
  readonly at: Date;
  /** Length of that interval: the gap to the meter's previous reading; null while only one is known. */
  readonly intervalMs: number | null;
  /** Mean power over that interval in kW (kwh / interval hours); null without an interval. */
  readonly kw: number | null;
}

/**
 * Current electric demand of a building. Readings are energy over the interval ending at their event
 * time, so a meter's demand is the mean power over its latest interval: kWh / interval hours. For
 * hourly kWh readings that is the kWh value itself, as kW averaged over the last hour.
 */
export interface BuildingDemand {
  /** Sum of the meters' kW; only meters with a known interval count (see metersWithoutInterval). */
  readonly kw: number;
  /** Sum of the meters' latest-interval energy in kWh. */
  readonly kwhLatestIntervals: number;
  /** Newest of the meters' latest reading times: the time the demand is stated at. */
  readonly asOf: Date;
  /** Oldest of the meters' latest reading times: how stale the least recent part of the sum is. */
  readonly oldestPart: Date;
  /** Meters with a single reading so far: in kwhLatestIntervals, not in kw. */
  readonly metersWithoutInterval: number;
  readonly meters: readonly MeterDemand[];
}

/** Consumption of one meter kind in one unit (units are never summed across). */
export interface KindConsumption {
  readonly meterKind: MeterKind;
  readonly unit: ReadingUnit;
  readonly total: number;
}

/** Consumption so far in the building's local day. */
export interface TodayConsumption {
  readonly localDate: string;
  /** Zone the day is taken in; UTC when the building is not registered or its zone is unknown. */
  readonly timezone: string;
  readonly timezoneAssumed: boolean;
  readonly from: Date;
  readonly to: Date;
  /** Readings whose interval ends within the day, summed per meter kind and unit, sorted by kind. */
  readonly byKind: readonly KindConsumption[];
}

/** Highest offset applied for this building from one source partition. */
export interface AppliedPosition {
  readonly topic: 'sensorReadings' | 'buildings';
  readonly partition: number;
  readonly offset: string;
}

/** The live summary of one building. */
export interface BuildingSummary {
  readonly buildingId: string;
  /** From the building's latest registration; null until it is registered. */
  readonly timezone: string | null;
  readonly weatherStationId: string | null;
  readonly primaryUse: string | null;
  /** Null when no electricity reading in an energy unit has been applied. */
  readonly demand: BuildingDemand | null;
  readonly today: TodayConsumption;
  readonly lastApplied: readonly AppliedPosition[];
}

export interface ReadBuildingSummaryOptions {
  /** The instant "today" is taken at; defaults to now. */
  readonly now?: Date;
}

function demandOf(fields: Record<string, string>): BuildingDemand | null {
  const meters: MeterDemand[] = [];
  for (const meterId of Object.keys(fields).sort()) {
    const [t, , , kwhText, prev] = (fields[meterId] ?? '').split('|');
    const at = Number(t);
    const kwh = Number(kwhText);
    const intervalMs = prev ? at - Number(prev) : null;
    meters.push({
      meterId,
      kwh,
      at: new Date(at),
      intervalMs,
      kw: intervalMs === null ? null : kwh / (intervalMs / 3_600_000),
    });
  }
  if (meters.length === 0) return null;
  const times = meters.map((m) => m.at.getTime());
  return {
    kw: meters.reduce((s, m) => s + (m.kw ?? 0), 0),
    kwhLatestIntervals: meters.reduce((s, m) => s + m.kwh, 0),
    asOf: new Date(Math.max(...times)),
    oldestPart: new Date(Math.min(...times)),
    metersWithoutInterval: meters.filter((m) => m.kw === null).length,
    meters,
  };
}

function utcDatesOverlapping(start: number, end: number): string[] {
  const dates: string[] = [];
  for (let d = Date.parse(`${utcDateOf(start)}T00:00:00Z`); d < end; d += 86_400_000)
    dates.push(utcDateOf(d));
  return dates;
}

/**
 * The live summary of a building from one generation of the read model, in two round trips; undefined
 * when the read model knows nothing of the building. The local day is resolved here, at read time,
 * from the stored time zone: readings and registrations arrive in different partitions' batches, so
 * the fold cannot know the zone, and a corrected zone applies to stored readings at once.
 */
export async function readBuildingSummary(
  redis: Redis,
  keyspace: RedisKeyspace,
  buildingId: string,
  options: ReadBuildingSummaryOptions = {},
): Promise<BuildingSummary | undefined> {
  const keys = summaryKeys(keyspace, buildingId);
  const [info, demandFields, positions] = await Promise.all([
    redis.hgetall(keys.info),
    redis.hgetall(keys.demand),
    redis.hgetall(keys.positions),
  ]);
  const zone = info.timezone !== undefined && isKnownTimeZone(info.timezone) ? info.timezone : undefined;
  const day = localDayOf(zone ?? 'UTC', (options.now ?? new Date()).getTime());
  const dates = utcDatesOverlapping(day.start, day.end);
  const totals = await Promise.all(dates.map((d) => redis.hgetall(keys.consumption(d))));

  const micro = new Map<string, number>();
  for (const fields of totals) {
    for (const [field, value] of Object.entries(fields)) {
      const [quarter, kind, unit] = field.split('|');
      const q = Number(quarter);
      if (q < day.start || q >= day.end) continue;
      const k = `${kind}|${unit}`;
      micro.set(k, (micro.get(k) ?? 0) + Number(value));
    }
  }
  const known = Object.keys(info).length + Object.keys(demandFields).length + Object.keys(positions).length;
  if (known === 0 && micro.size === 0) return undefined;
  const byKind = [...micro.entries()]
    .map(([k, total]) => {
      const [meterKind, unit] = k.split('|') as [MeterKind, ReadingUnit];
      return { meterKind, unit, total: total / MICRO_UNITS };
    })
    .sort((a, b) => a.meterKind.localeCompare(b.meterKind) || a.unit.localeCompare(b.unit));
  const lastApplied = Object.entries(positions)
    .map(([field, offset]) => {
      const [topic, partition] = field.split(':') as [AppliedPosition['topic'], string];
      return { topic, partition: Number(partition), offset };
    })
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return {
    buildingId,
    timezone: info.timezone ?? null,
    weatherStationId: info.weatherStationId ? info.weatherStationId : null,
    primaryUse: info.primaryUse ?? null,
    demand: demandOf(demandFields),
    today: {
      localDate: day.localDate,
      timezone: zone ?? 'UTC',
      timezoneAssumed: zone === undefined,
      from: new Date(day.start),
      to: new Date(day.end),
      byKind,
    },
    lastApplied,
  };
}
