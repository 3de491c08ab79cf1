import type pg from 'pg';
import { EaioError } from '../../../infra/errors/index.ts';
import type { MeterKind, ReadingUnit } from '../../../schemas/index.ts';
import { type AsOf, checkAsOf, checkRange, type TimeRange } from '../../query-arguments.ts';
import { queryWeeklyProfiles } from '../weekly-profiles.ts';
import {
  LEVELS,
  type MeterDays,
  type MeterHours,
  type Recommendation,
  type RecommendationContext,
  type RuleId,
} from './recommendation.ts';
import { RULES } from './rules/index.ts';

/** Longest window recommendations are read over. */
export const MAX_RECOMMENDATION_WINDOW_DAYS = 184;
/** Anomalies read as evidence, newest first. */
const MAX_ANOMALIES = 2_000;

/** Which building to recommend for, over `[from, to)`. */
export interface RecommendationsQuery extends TimeRange, AsOf {
  readonly buildingId: string;
  /** Only these rules (default all). */
  readonly rules?: readonly RuleId[];
  /** Only this tenant's buildings are peers, and the building must be one (undefined: every tenant's). */
  readonly tenantId?: string;
}

export interface Recommendations {
  readonly buildingId: string;
  readonly primaryUse: string;
  readonly rulesRun: readonly RuleId[];
  /** Most severe first, then larger saving, then rule order. */
  readonly recommendations: readonly Recommendation[];
  /** Hours of building data read, per meter (what the rules could see). */
  readonly meters: readonly {
    readonly meterId: string;
    readonly meterKind: MeterKind;
    readonly unit: ReadingUnit;
    readonly hours: number;
  }[];
  /** End of the newest hour read. */
  readonly dataUntil: Date | null;
}

function invalid(message: string, context: Record<string, unknown>): EaioError {
  return new EaioError('INVALID_ARGUMENT', 'permanent', message, { context });
}

/** Reads everything the rules look at, in the one transaction of the caller's client. */
export async function loadRecommendationContext(
  db: pg.Pool | pg.ClientBase,
  query: RecommendationsQuery,
): Promise<RecommendationContext | undefined> {
  const building = await db.query<{
    primary_use: string;
    floor_area_m2: number | null;
    timezone: string;
    weather_station_id: string | null;
  }>(
    `SELECT primary_use, floor_area_m2, timezone, weather_station_id FROM buildings
      WHERE building_id = $1 AND ($2::text IS NULL OR tenant_id = $2)`,
    [query.buildingId, query.tenantId ?? null],
  );
  const b = building.rows[0];
  if (b === undefined) return undefined;
  const asOf = query.asOf ?? null;
  const range = [query.buildingId, query.from, query.to, asOf];
  const hourly = await db.query<{
    meter_id: string;
    meter_kind: MeterKind;
    unit: ReadingUnit;
    window_start: Date;
    sum: number;
  }>(
    `SELECT meter_id, meter_kind, unit, window_start, sum FROM rollups_1h
      WHERE building_id = $1 AND meter_id <> '' AND window_start >= $2 AND window_start < $3
        AND ($4::timestamptz IS NULL OR window_end <= $4)
      ORDER BY meter_id, meter_kind, unit, window_start`,
    range,
  );
  const daily = await db.query<{
    meter_id: string;
    meter_kind: MeterKind;
    unit: ReadingUnit;
    window_start: Date;
    window_end: Date;
    min: number;
    max: number;
    count: number;
  }>(
    `SELECT meter_id, meter_kind, unit, window_start, window_end, min, max, count FROM rollups_1d
      WHERE building_id = $1 AND meter_id <> '' AND window_start >= $2 AND window_start < $3
        AND ($4::timestamptz IS NULL OR window_end <= $4)
      ORDER BY meter_id, meter_kind, unit, window_start`,
    range,
  );
  const issues = await db.query<{ event_id: string; meter_id: string; occurred_at: Date }>(
    `SELECT event_id, meter_id, occurred_at FROM data_quality_issues
      WHERE building_id = $1 AND issue_kind = 'stuck_value' AND occurred_at >= $2 AND occurred_at < $3
        AND ($4::timestamptz IS NULL OR occurred_at <= $4)
      ORDER BY occurred_at, event_id`,
    range,
  );
  const anomalies = await db.query<{ event_id: string; meter_id: string; reading_at: Date; score: number }>(
    `SELECT event_id, meter_id, reading_at, score FROM anomalies
      WHERE building_id = $1 AND reading_at >= $2 AND reading_at < $3
        AND ($4::timestamptz IS NULL OR occurred_at <= $4)
      ORDER BY abs(score) DESC, event_id LIMIT ${MAX_ANOMALIES}`,
    range,
  );
  const temperatures =
    b.weather_station_id === null
      ? []
      : (
          await db.query<{ hour_start: Date; temperature_c: number }>(
            `SELECT hour_start, temperature_c FROM weather_hourly
              WHERE station_id = $1 AND hour_start >= $2 AND hour_start < $3 AND temperature_c IS NOT NULL
                AND ($4::timestamptz IS NULL OR hour_start <= $4)`,
            [b.weather_station_id, query.from, query.to, asOf],
          )
        ).rows;
  const profiles = await queryWeeklyProfiles(db, {
    from: query.from,
    to: query.to,
    meterKind: 'electricity',
    unit: 'kWh',
    primaryUse: b.primary_use,
    ...(query.asOf === undefined ? {} : { asOf: query.asOf }),
    ...(query.tenantId === undefined ? {} : { tenantId: query.tenantId }),
  });
  const meterHours = new Map<string, MeterHours & { hours: { start: Date; value: number }[] }>();
  for (const r of hourly.rows) {
    const key = `${r.meter_id}\u0000${r.meter_kind}\u0000${r.unit}`;
    let m = meterHours.get(key);
    if (m === undefined) {
      m = { meterId: r.meter_id, meterKind: r.meter_kind, unit: r.unit, hours: [] };
      meterHours.set(key, m);
    }
    m.hours.push({ start: r.window_start, value: r.sum });
  }
  const meterDays = new Map<string, MeterDays & { days: MeterDays['days'][number][] }>();
  for (const r of daily.rows) {
    const key = `${r.meter_id}\u0000${r.meter_kind}\u0000${r.unit}`;
    let m = meterDays.get(key);
    if (m === undefined) {
      m = { meterId: r.meter_id, meterKind: r.meter_kind, unit: r.unit, days: [] };
      meterDays.set(key, m);
    }
    m.days.push({ start: r.window_start, end: r.window_end, min: r.min, max: r.max, count: r.count });
  }
  return {
    building: {
      buildingId: query.buildingId,
      primaryUse: b.primary_use,
      floorAreaM2: b.floor_area_m2,
      timezone: b.timezone,
      stationId: b.weather_station_id,
    },
    from: query.from,
    to: query.to,
    meterHours: [...meterHours.values()],
    meterDays: [...meterDays.values()],
    profile: profiles.find((p) => p.buildingId === query.buildingId),
    peerProfiles: profiles.filter((p) => p.buildingId !== query.buildingId),
    stuckIssues: issues.rows.map((r) => ({
      eventId: r.event_id,
      meterId: r.meter_id,
      occurredAt: r.occurred_at,
    })),
    anomalies: anomalies.rows.map((r) => ({
      eventId: r.event_id,
      meterId: r.meter_id,
      readingAt: r.reading_at,
      score: r.score,
    })),
    temperatures: new Map(temperatures.map((t) => [t.hour_start.getTime(), t.temperature_c])),
  };
}

const HOUR_MS = 3_600_000;

/**
 * Runs the recommendation rules over one building's read models. Undefined for an unknown building
 * (or another tenant's); an `INVALID_ARGUMENT` error for a bad window or rule id.
 */
export async function queryRecommendations(
  db: pg.Pool | pg.ClientBase,
  query: RecommendationsQuery,
): Promise<Recommendations | undefined> {
  checkRange(query);
  checkAsOf(query);
  const days = (query.to.getTime() - query.from.getTime()) / 86_400_000;
  if (days > MAX_RECOMMENDATION_WINDOW_DAYS) {
    throw invalid(
      `the window spans ${Math.ceil(days)} days; recommendations read at most ${MAX_RECOMMENDATION_WINDOW_DAYS}: narrow it`,
      { days },
    );
  }
  const unknown = (query.rules ?? []).filter((id) => !RULES.some((r) => r.id === id));
  if (unknown.length > 0) {
    throw invalid(
      `unknown rule(s) ${unknown.join(', ')}; the rules are ${RULES.map((r) => r.id).join(', ')}`,
      {
        rules: unknown,
      },
    );
  }
  const context = await loadRecommendationContext(db, query);
  if (context === undefined) return undefined;
  const rules = RULES.filter((r) => query.rules === undefined || query.rules.includes(r.id));
  const order = (id: RuleId) => RULES.findIndex((r) => r.id === id);
  const recommendations = rules
    .flatMap((r) => r.evaluate(context))
    .sort(
      (a, b) =>
        LEVELS.indexOf(b.severity) - LEVELS.indexOf(a.severity) ||
        (b.estimatedSaving.amount ?? 0) - (a.estimatedSaving.amount ?? 0) ||
        order(a.ruleId) - order(b.ruleId),
    );
  const lastHour = context.meterHours.reduce(
    (max, m) => Math.max(max, ...m.hours.map((h) => h.start.getTime() + HOUR_MS)),
    Number.NEGATIVE_INFINITY,
  );
  return {
    buildingId: query.buildingId,
    primaryUse: context.building.primaryUse,
    rulesRun: rules.map((r) => r.id),
    recommendations,
    meters: context.meterHours.map((m) => ({
      meterId: m.meterId,
      meterKind: m.meterKind,
      unit: m.unit,
      hours: m.hours.length,
    })),
    dataUntil: Number.isFinite(lastHour) ? new Date(lastHour) : null,
  };
}
