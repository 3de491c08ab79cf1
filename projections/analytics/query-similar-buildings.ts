import type pg from 'pg';
import { EaioError } from '../../infra/errors/index.ts';
import type { MeterKind, ReadingUnit } from '../../schemas/index.ts';
import { type AsOf, checkAsOf, checkRange, type TimeRange } from '../query-arguments.ts';
import { HOURS_PER_WEEK, hourOfSlot, queryWeeklyProfiles, type WeeklyProfile } from './weekly-profiles.ts';

/** Most buildings one answer lists. */
export const MAX_SIMILAR_BUILDINGS = 50;
/** Longest window a shape is read over (a year and a day, so a full year fits whatever the start). */
export const MAX_SHAPE_WINDOW_DAYS = 366;
/** Which shape ranks the answer: the 24 local hours of a day, the 168 of a week, or their mean distance. */
export const SHAPES = ['daily', 'weekly', 'both'] as const;
export type Shape = (typeof SHAPES)[number];

/** A building to find the look-alikes of, over `[from, to)`. */
export interface SimilarBuildingsQuery extends TimeRange, AsOf {
  readonly buildingId: string;
  /** Default electricity. */
  readonly meterKind?: MeterKind;
  /** Default kWh. */
  readonly unit?: ReadingUnit;
  /** Only buildings of the same primary use (default false). */
  readonly samePrimaryUse?: boolean;
  /** Default 10, at most {@link MAX_SIMILAR_BUILDINGS}. */
  readonly limit?: number;
  /** Default `both`. */
  readonly rankBy?: Shape;
  /** Only this tenant's buildings are compared (undefined: every tenant's). */
  readonly tenantId?: string;
}

/** A load shape: the mean consumption of each local hour divided by the mean over all of them. */
export interface ShapeVector {
  readonly values: readonly number[];
  /** Hours with data behind the vector. */
  readonly hours: number;
  /** The fewest hours behind any one element (one day-hour or week-hour). */
  readonly minHoursPerElement: number;
}

/** One building's shapes, as compared. */
export interface BuildingShape {
  readonly buildingId: string;
  readonly primaryUse: string;
  readonly floorAreaM2: number | null;
  readonly daily: ShapeVector;
  readonly weekly: ShapeVector;
}

/** A look-alike with its distances to the target. */
export interface SimilarBuilding extends BuildingShape {
  readonly dailyDistance: number;
  readonly weeklyDistance: number;
  /** The distance ranked by (per `rankBy`). */
  readonly distance: number;
}

export interface SimilarBuildings {
  readonly target: BuildingShape;
  readonly meterKind: MeterKind;
  readonly unit: ReadingUnit;
  readonly rankBy: Shape;
  /** How the distance is defined, for the answer to quote. */
  readonly distanceMethod: string;
  /** Nearest first. */
  readonly similar: readonly SimilarBuilding[];
  /** Candidates left out because an hour of their day or week had no data in the window. */
  readonly incomplete: readonly string[];
  /** End of the newest hour behind any shape compared. */
  readonly dataUntil: Date | null;
}

export const DISTANCE_METHOD =
  'root-mean-square difference between mean-normalised profiles (each hour divided by the profile mean; 0 = identical shape whatever the size)';

/** Mean-normalised shape over `length` elements; undefined when an element has no data or the mean is 0. */
function shapeOf(profile: WeeklyProfile, length: 24 | 168): ShapeVector | undefined {
  const totals = new Array<number>(length).fill(0);
  const hours = new Array<number>(length).fill(0);
  for (let slot = 0; slot < HOURS_PER_WEEK; slot++) {
    const s = profile.slots[slot];
    if (s === undefined) continue;
    const i = length === 24 ? hourOfSlot(slot) : slot;
    totals[i] = (totals[i] ?? 0) + s.total;
    hours[i] = (hours[i] ?? 0) + s.hours;
  }
  if (hours.some((h) => h === 0)) return undefined;
  const means = totals.map((t, i) => t / (hours[i] ?? 1));
  const overall = means.reduce((a, b) => a + b, 0) / length;
  if (!(overall > 0)) return undefined;
  return {
    values: means.map((m) => m / overall),
    hours: hours.reduce((a, b) => a + b, 0),
    minHoursPerElement: Math.min(...hours),
  };
}

/** The distance {@link DISTANCE_METHOD} describes. */
export function shapeDistance(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += ((a[i] ?? 0) - (b[i] ?? 0)) ** 2;
  return Math.sqrt(sum / a.length);
}

function buildingShape(p: WeeklyProfile): BuildingShape | undefined {
  const daily = shapeOf(p, 24);
  const weekly = shapeOf(p, 168);
  if (daily === undefined || weekly === undefined) return undefined;
  return { buildingId: p.buildingId, primaryUse: p.primaryUse, floorAreaM2: p.floorAreaM2, daily, weekly };
}

function invalid(message: string, context: Record<string, unknown>): EaioError {
  return new EaioError('INVALID_ARGUMENT', 'permanent', message, { context });
}

/** Checks the arguments of a shape query, with messages a caller can act on. */
export function checkShapeWindow(query: TimeRange & AsOf): void {
  checkRange(query);
  checkAsOf(query);
  const days = (query.to.getTime() - query.from.getTime()) / 86_400_000;
  if (days > MAX_SHAPE_WINDOW_DAYS) {
    throw invalid(`the window spans ${Math.ceil(days)} days; at most ${MAX_SHAPE_WINDOW_DAYS} are compared`, {
      days,
    });
  }
  if (days < 7) {
    throw invalid(`the window spans ${days.toFixed(1)} days; a weekly shape needs at least 7`, { days });
  }
}

/**
 * The buildings whose normalised daily and weekly load shapes are nearest the target's over the
 * window. Undefined when the target is unknown (or another tenant's); an `INVALID_ARGUMENT` error when
 * the target's own shape has an hour without data.
 */
export async function querySimilarBuildings(
  db: pg.Pool | pg.ClientBase,
  query: SimilarBuildingsQuery,
): Promise<SimilarBuildings | undefined> {
  checkShapeWindow(query);
  const limit = query.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SIMILAR_BUILDINGS) {
    throw invalid(`limit must be a whole number from 1 to ${MAX_SIMILAR_BUILDINGS}, not ${limit}`, { limit });
  }
  const meterKind = query.meterKind ?? 'electricity';
  const unit = query.unit ?? 'kWh';
  const rankBy = query.rankBy ?? 'both';
  const target = await db.query<{ primary_use: string }>(
    'SELECT primary_use FROM buildings WHERE building_id = $1 AND ($2::text IS NULL OR tenant_id = $2)',
    [query.buildingId, query.tenantId ?? null],
  );
  const primaryUse = target.rows[0]?.primary_use;
  if (primaryUse === undefined) return undefined;
  const profiles = await queryWeeklyProfiles(db, {
    from: query.from,
    to: query.to,
    meterKind,
    unit,
    ...(query.asOf === undefined ? {} : { asOf: query.asOf }),
    ...(query.samePrimaryUse === true ? { primaryUse } : {}),
    ...(query.tenantId === undefined ? {} : { tenantId: query.tenantId }),
  });
  const own = profiles.find((p) => p.buildingId === query.buildingId);
  const targetShape = own === undefined ? undefined : buildingShape(own);
  if (targetShape === undefined) {
    throw invalid(
      `building ${query.buildingId} has no ${meterKind} readings in ${unit} for every local hour of the week between ${query.from.toISOString()} and ${query.to.toISOString()}; widen the window or pick another meter kind`,
      { buildingId: query.buildingId, hours: own?.hours ?? 0 },
    );
  }
  const incomplete: string[] = [];
  const similar: SimilarBuilding[] = [];
  for (const p of profiles) {
    if (p.buildingId === query.buildingId) continue;
    const shape = buildingShape(p);
    if (shape === undefined) {
      incomplete.push(p.buildingId);
      continue;
    }
    const dailyDistance = shapeDistance(targetShape.daily.values, shape.daily.values);
    const weeklyDistance = shapeDistance(targetShape.weekly.values, shape.weekly.values);
    const distance =
      rankBy === 'daily'
        ? dailyDistance
        : rankBy === 'weekly'
          ? weeklyDistance
          : (dailyDistance + weeklyDistance) / 2;
    similar.push({ ...shape, dailyDistance, weeklyDistance, distance });
  }
  // Ties broken by id so the same read models always give the same order.
  similar.sort((a, b) => a.distance - b.distance || a.buildingId.localeCompare(b.buildingId));
  return {
    target: targetShape,
    meterKind,
    unit,
    rankBy,
    distanceMethod: rankBy === 'both' ? `mean of the daily and weekly ${DISTANCE_METHOD}` : DISTANCE_METHOD,
    similar: similar.slice(0, limit),
    incomplete: incomplete.sort(),
    dataUntil: profiles.reduce<Date | null>(
      (max, p) => (max === null || p.until > max ? p.until : max),
      null,
    ),
  };
}
