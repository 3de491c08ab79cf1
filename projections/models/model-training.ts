import type pg from 'pg';
import {
  fitTowt,
  type HourlyObservation,
  modelContentHash,
  predictTowt,
  scoreForecast,
  seasonalNaiveForecast,
  towtCoefficients,
  towtFeatureNames,
} from '../../processors/index.ts';
import {
  DAY_MS,
  derivedEventId,
  type MeterKind,
  type ModelTrained,
  type ReadingUnit,
} from '../../schemas/index.ts';
import type { ModelVersion } from './model-versions.ts';

/** A meter as the trainer and forecaster see it: its building's zone and weather station. */
export interface ForecastMeter {
  readonly meterId: string;
  readonly buildingId: string;
  readonly meterKind: MeterKind;
  readonly unit: ReadingUnit;
  readonly timeZone: string;
  readonly stationId: string | null;
}

/** The meters registered in the read models (optionally only `meterIds`), with their building's zone and station. */
export async function listForecastMeters(
  db: pg.Pool | pg.ClientBase,
  filter: { readonly meterIds?: readonly string[]; readonly buildingId?: string } = {},
): Promise<ForecastMeter[]> {
  const { rows } = await db.query<{
    meter_id: string;
    building_id: string;
    meter_kind: MeterKind;
    unit: ReadingUnit;
    timezone: string;
    weather_station_id: string | null;
  }>(
    `SELECT m.meter_id, m.building_id, m.meter_kind, m.unit, b.timezone, b.weather_station_id
       FROM meters m JOIN buildings b ON b.building_id = m.building_id
      WHERE ($1::text[] IS NULL OR m.meter_id = ANY($1)) AND ($2::text IS NULL OR m.building_id = $2)
      ORDER BY m.meter_id`,
    [filter.meterIds ?? null, filter.buildingId ?? null],
  );
  return rows.map((r) => ({
    meterId: r.meter_id,
    buildingId: r.building_id,
    meterKind: r.meter_kind,
    unit: r.unit,
    timeZone: r.timezone,
    stationId: r.weather_station_id,
  }));
}

/**
 * A meter's hourly consumption over `[from, to)` (the hourly rollups) with its station's observed
 * temperature of each hour (the hourly weather read model), the tables `queryWeatherNormalised` reads.
 */
export async function readHourlyObservations(
  db: pg.Pool | pg.ClientBase,
  meter: ForecastMeter,
  from: Date,
  to: Date,
): Promise<HourlyObservation[]> {
  const { rows } = await db.query<{ window_start: Date; consumption: number; temperature_c: number | null }>(
    `SELECT r.window_start, r.sum AS consumption, w.temperature_c
       FROM rollups_1h r
       LEFT JOIN weather_hourly w ON w.station_id = $5 AND w.hour_start = r.window_start
      WHERE r.building_id = $1 AND r.meter_id = $2 AND r.meter_kind = $3 AND r.unit = $4
        AND r.window_start >= $6 AND r.window_start < $7
      ORDER BY r.window_start`,
    [meter.buildingId, meter.meterId, meter.meterKind, meter.unit, meter.stationId, from, to],
  );
  return rows.map((r) => ({
    hourStart: r.window_start,
    consumption: r.consumption,
    ...(r.temperature_c === null ? {} : { temperatureC: r.temperature_c }),
  }));
}

/** The training and held-back windows of `version` for a run as of `asOf`: whole UTC days before it. */
export function trainingWindows(version: ModelVersion, asOf: Date) {
  const heldBackTo = new Date(Math.floor(asOf.getTime() / DAY_MS) * DAY_MS);
  const heldBackFrom = new Date(heldBackTo.getTime() - version.heldBackDays * DAY_MS);
  const trainingTo = heldBackFrom;
  const trainingFrom = new Date(trainingTo.getTime() - version.trainingDays * DAY_MS);
  return { trainingFrom, trainingTo, heldBackFrom, heldBackTo };
}

/** The deterministic id of a model: its version, meter and windows. */
export const modelIdOf = (version: string, meterId: string, trainingFrom: Date, heldBackTo: Date): string =>
  `${version}:${meterId}:${trainingFrom.toISOString()}:${heldBackTo.toISOString()}`;

/** Why a meter got no model of a version, for the trainer's report. */
export interface TrainingSkipped {
  readonly meterId: string;
  readonly version: string;
  readonly reason: string;
}

export const MODEL_TRAINER_SOURCE = 'model-trainer';

/**
 * Fits `version` on a meter's training hours and scores it on the held-back hours after them, as a
 * `ModelTrained` event: a pure function of its inputs (event time is the held-back window's end,
 * the event id derives from the model id), so re-training the same window gives the same event.
 * Returns why not when the data cannot make a model.
 */
export function trainModel(args: {
  readonly meter: ForecastMeter;
  readonly version: ModelVersion;
  readonly asOf: Date;
  /** Hours of `[trainingFrom, heldBackTo)` in time order, as `readHourlyObservations` reads them. */
  readonly observations: readonly HourlyObservation[];
}): ModelTrained | TrainingSkipped {
  const { meter, version } = args;
  const w = trainingWindows(version, args.asOf);
  const skip = (reason: string): TrainingSkipped => ({
    meterId: meter.meterId,
    version: version.version,
    reason,
  });
  const inTraining = args.observations.filter(
    (o) => o.hourStart >= w.trainingFrom && o.hourStart < w.trainingTo,
  );
  const heldBack = args.observations.filter(
    (o) => o.hourStart >= w.heldBackFrom && o.hourStart < w.heldBackTo,
  );
  const modelId = modelIdOf(version.version, meter.meterId, w.trainingFrom, w.heldBackTo);
  const actual: number[] = [];
  const predicted: number[] = [];
  let body: Pick<
    ModelTrained,
    'features' | 'coefficients' | 'knotsC' | 'contentHash' | 'trainingSamples' | 'stationId'
  >;
  if (version.kind === 'towt') {
    if (meter.stationId === null) return skip(`building ${meter.buildingId} has no weather station`);
    const usable = inTraining.filter((o) => o.temperatureC !== undefined).length;
    if (usable < 168) {
      return skip(
        `${usable} training hour(s) with consumption and temperature in [${w.trainingFrom.toISOString()}, ${w.trainingTo.toISOString()}); at least 168 are needed`,
      );
    }
    const model = fitTowt(inTraining, {
      timeZone: meter.timeZone,
      knotsC: version.knotsC,
      ...(version.rejectOutliersMad === undefined ? {} : { rejectOutliersMad: version.rejectOutliersMad }),
    });
    for (const o of heldBack) {
      if (o.temperatureC === undefined) continue;
      actual.push(o.consumption);
      predicted.push(predictTowt(model, o.hourStart, o.temperatureC));
    }
    body = {
      features: towtFeatureNames(model),
      coefficients: towtCoefficients(model),
      knotsC: [...model.knotsC],
      contentHash: modelContentHash(model),
      trainingSamples: model.samples,
      stationId: meter.stationId,
    };
  } else {
    const history = new Map<number, number>(inTraining.map((o) => [o.hourStart.getTime(), o.consumption]));
    if (history.size < 168)
      return skip(
        `${history.size} training hour(s) in [${w.trainingFrom.toISOString()}, ${w.trainingTo.toISOString()}); a week (168) is needed`,
      );
    for (const o of heldBack) {
      const value = seasonalNaiveForecast(history, o.hourStart, w.heldBackFrom);
      if (value === undefined) continue;
      actual.push(o.consumption);
      predicted.push(value);
    }
    body = {
      features: [],
      coefficients: [],
      knotsC: [],
      contentHash: modelContentHash({ kind: version.kind, version: version.version }),
      trainingSamples: history.size,
      stationId: null,
    };
  }
  if (actual.length === 0) {
    return skip(
      `no held-back hour in [${w.heldBackFrom.toISOString()}, ${w.heldBackTo.toISOString()}) to score on`,
    );
  }
  const scores = scoreForecast(actual, predicted);
  return {
    eventId: derivedEventId('model-trained', modelId),
    occurredAt: w.heldBackTo,
    source: MODEL_TRAINER_SOURCE,
    modelId,
    meterId: meter.meterId,
    buildingId: meter.buildingId,
    meterKind: meter.meterKind,
    unit: meter.unit,
    modelKind: version.kind,
    version: version.version,
    ...w,
    timeZone: meter.timeZone,
    ...body,
    heldBackN: scores.n,
    heldBackMeanActual: scores.meanActual,
    heldBackCvRmse: scores.cvRmse,
    heldBackNmbe: scores.nmbe,
    heldBackR2: scores.r2,
    traceContext: null,
  };
}

/** True for a trained model, false for a skip. */
export const isModelTrained = (r: ModelTrained | TrainingSkipped): r is ModelTrained => 'modelId' in r;
