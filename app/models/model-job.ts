import type { Producer } from 'kafkajs';
import type pg from 'pg';
import type { Logger } from '../../infra/logging/index.ts';
import {
  type ForecastMeter,
  forecastHoursOf,
  isModelTrained,
  issueForecast,
  listForecastMeters,
  modelVersionNamed,
  readForecastTemperatures,
  readHourlyObservations,
  readLatestModel,
  readRecentConsumption,
  type StoredModel,
  type TrainingSkipped,
  trainingWindows,
  trainModel,
} from '../../projections/index.ts';
import {
  type EventCodec,
  type ForecastHorizon,
  type ForecastIssued,
  HOUR_MS,
  type ModelTrained,
  type TopicNames,
} from '../../schemas/index.ts';

/** What the trainer and forecaster use: the read models' pool and a way onto Kafka. */
export interface ModelJobDeps {
  readonly pool: pg.Pool;
  readonly producer: () => Promise<Producer>;
  readonly codec: EventCodec;
  readonly names: TopicNames;
}

export interface TrainOptions {
  /** Version names (see MODEL_VERSIONS); each must be known. */
  readonly versions: readonly string[];
  /** Only these meters; default every registered meter. */
  readonly meterIds?: readonly string[];
  /** Training windows end at this instant's UTC day start. */
  readonly asOf: Date;
  /**
   * Skip a meter and version whose model for these windows is already in the read model (default
   * true): the periodic job then fits each window once a day, not once a run.
   */
  readonly skipExisting?: boolean;
  /** Fit and report, publish nothing. */
  readonly dryRun?: boolean;
}

export interface TrainReport {
  readonly trained: readonly ModelTrained[];
  readonly skipped: readonly TrainingSkipped[];
  /** Models already in the read model for these windows, not fitted again. */
  readonly existing: number;
}

async function existingModelIds(pool: pg.Pool, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await pool.query<{ model_id: string }>(
    'SELECT model_id FROM forecast_models WHERE model_id = ANY($1)',
    [ids],
  );
  return new Set(rows.map((r) => r.model_id));
}

/**
 * Trains every asked version on every meter from the hourly rollups and weather read models and
 * publishes one `ModelTrained` per model on the models topic (keyed by meter). Deterministic: the
 * same windows give the same events, ids included, so a re-run only produces duplicates.
 */
export async function trainModels(deps: ModelJobDeps, options: TrainOptions): Promise<TrainReport> {
  const versions = options.versions.map(modelVersionNamed);
  const meters = await listForecastMeters(deps.pool, options.meterIds ? { meterIds: options.meterIds } : {});
  const trained: ModelTrained[] = [];
  const skipped: TrainingSkipped[] = [];
  let existing = 0;
  for (const version of versions) {
    const w = trainingWindows(version, options.asOf);
    const known =
      options.skipExisting === false
        ? new Set<string>()
        : await existingModelIds(
            deps.pool,
            meters.map(
              (m) =>
                `${version.version}:${m.meterId}:${w.trainingFrom.toISOString()}:${w.heldBackTo.toISOString()}`,
            ),
          );
    for (const meter of meters) {
      if (
        known.has(
          `${version.version}:${meter.meterId}:${w.trainingFrom.toISOString()}:${w.heldBackTo.toISOString()}`,
        )
      ) {
        existing++;
        continue;
      }
      const observations = await readHourlyObservations(deps.pool, meter, w.trainingFrom, w.heldBackTo);
      const result = trainModel({ meter, version, asOf: options.asOf, observations });
      if (isModelTrained(result)) trained.push(result);
      else skipped.push(result);
    }
  }
  if (options.dryRun !== true && trained.length > 0) {
    const encode = await deps.codec.encoder('models');
    await (await deps.producer()).send({
      topic: deps.names.topic('models'),
      acks: -1,
      messages: trained.map((e) => ({ key: e.meterId, value: encode(e) })),
    });
  }
  return { trained, skipped, existing };
}

export interface ForecastOptions {
  readonly versions: readonly string[];
  readonly horizons: readonly ForecastHorizon[];
  /** Issue time; floored to the hour. */
  readonly asOf: Date;
  readonly meterIds?: readonly string[];
  readonly dryRun?: boolean;
  /**
   * Models just trained and published, which the models read model may not have folded yet: the
   * periodic job forecasts from them in the same run rather than an interval later.
   */
  readonly freshModels?: readonly ModelTrained[];
}

export interface ForecastSkipped {
  readonly meterId: string;
  readonly version: string;
  readonly horizon: ForecastHorizon;
  readonly reason: string;
}

export interface ForecastReport {
  readonly issued: readonly ForecastIssued[];
  readonly skipped: readonly ForecastSkipped[];
}

/** A just-trained model as the forecaster reads stored ones. */
const storedModelOf = (m: ModelTrained): StoredModel => ({
  modelId: m.modelId,
  version: m.version,
  modelKind: m.modelKind,
  timeZone: m.timeZone,
  knotsC: m.knotsC,
  coefficients: m.coefficients,
  trainingSamples: m.trainingSamples,
  heldBackTo: m.heldBackTo,
});

async function forecastOne(
  deps: ModelJobDeps,
  meter: ForecastMeter,
  version: string,
  horizon: ForecastHorizon,
  issuedAt: Date,
  freshModels: readonly ModelTrained[],
): Promise<ForecastIssued | string> {
  const stored = await readLatestModel(deps.pool, meter.meterId, version, issuedAt);
  const fresh = freshModels
    .filter((m) => m.meterId === meter.meterId && m.version === version && m.heldBackTo <= issuedAt)
    .sort((a, b) => b.heldBackTo.getTime() - a.heldBackTo.getTime())[0];
  const model =
    fresh !== undefined && (stored === undefined || fresh.heldBackTo > stored.heldBackTo)
      ? storedModelOf(fresh)
      : stored;
  if (model === undefined)
    return `no ${version} model trained by ${issuedAt.toISOString()} (run eaio models train)`;
  const hours = forecastHoursOf(issuedAt, meter.timeZone, horizon);
  const temperatures =
    model.modelKind === 'towt' && meter.stationId !== null
      ? await readForecastTemperatures(deps.pool, meter.stationId, hours, issuedAt)
      : new Map();
  const history =
    model.modelKind === 'seasonal_naive'
      ? await readRecentConsumption(deps.pool, meter, issuedAt)
      : new Map();
  const event = issueForecast({ meter, model, horizon, issuedAt, hours, temperatures, history });
  if (event !== undefined) return event;
  return model.modelKind === 'towt'
    ? `no temperature for any hour (no forecast, observation or climatology at station ${meter.stationId ?? 'none'})`
    : 'no consumption a week before any hour';
}

/**
 * Issues each asked version's forecast of every meter for each horizon, from the latest model of the
 * version trained by the issue time, and publishes them on the forecasts topic (keyed by meter).
 */
export async function issueForecasts(deps: ModelJobDeps, options: ForecastOptions): Promise<ForecastReport> {
  for (const v of options.versions) modelVersionNamed(v);
  const issuedAt = new Date(Math.floor(options.asOf.getTime() / HOUR_MS) * HOUR_MS);
  const meters = await listForecastMeters(deps.pool, options.meterIds ? { meterIds: options.meterIds } : {});
  const issued: ForecastIssued[] = [];
  const skipped: ForecastSkipped[] = [];
  for (const meter of meters) {
    for (const version of options.versions) {
      for (const horizon of options.horizons) {
        const result = await forecastOne(deps, meter, version, horizon, issuedAt, options.freshModels ?? []);
        if (typeof result === 'string')
          skipped.push({ meterId: meter.meterId, version, horizon, reason: result });
        else issued.push(result);
      }
    }
  }
  if (options.dryRun !== true && issued.length > 0) {
    const encode = await deps.codec.encoder('forecasts');
    await (await deps.producer()).send({
      topic: deps.names.topic('forecasts'),
      acks: -1,
      messages: issued.map((e) => ({ key: e.meterId, value: encode(e) })),
    });
  }
  return { issued, skipped };
}

/** The periodic trainer and forecaster of `eaio start`. */
export interface RunningModelJob {
  stop(): Promise<void>;
}

/**
 * Every `intervalMs`, trains the versions as of now (once per UTC day per window: existing models
 * are skipped) and then issues their day-ahead and week-ahead forecasts. A failed run is logged and
 * the next one tries again; a run never overlaps the previous one.
 */
export function startModelJob(
  deps: ModelJobDeps,
  settings: {
    readonly intervalMs: number;
    readonly versions: readonly string[];
    readonly logger: Logger;
    readonly now?: () => Date;
  },
): RunningModelJob {
  const now = settings.now ?? (() => new Date());
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const runOnce = async (): Promise<void> => {
    const asOf = now();
    try {
      const training = await trainModels(deps, { versions: settings.versions, asOf });
      const forecasts = await issueForecasts(deps, {
        versions: settings.versions,
        horizons: ['day_ahead', 'week_ahead'],
        asOf,
        freshModels: training.trained,
      });
      settings.logger.info(
        {
          trained: training.trained.length,
          existing: training.existing,
          skipped: training.skipped.length,
          forecasts: forecasts.issued.length,
          forecastsSkipped: forecasts.skipped.length,
        },
        'model job ran',
      );
    } catch (error) {
      settings.logger.warn({ err: error }, 'model job failed; the next run tries again');
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = runOnce().finally(schedule);
    }, settings.intervalMs);
  };
  running = runOnce().finally(schedule);
  return {
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
    },
  };
}
